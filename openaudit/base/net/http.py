"""The one HTTP layer: metering, timeouts, bounded retries, typed failure classification, and plain
requests for non-Hub URLs (GitHub API, paper links).

Two ``httpx2`` clients carry every request openaudit makes, both with the same two event hooks:

* huggingface_hub's shared client (installed through ``huggingface_hub.set_client_factory``: the
  default factory's client plus our hooks), used by every Hub call, and
* a plain client of our own for other hosts (no Hub headers, no Hub token), used by :func:`request`.

While a :class:`Meter` is active in the current context, each request (each redirect hop too) is
counted and given the meter's timeout, and its response body bytes are counted as they stream.
Outside an active meter the hooks do nothing.

Failures are classified once (``failures.classify``) into a ``Failure`` with a typed ``FailKind``;
callers decide on the kind, never on a message.
"""

from __future__ import annotations

import contextvars
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from openaudit import __version__
from openaudit.base.net.failures import (
    FailKind,
    Failure,
    NetFailure,
    TruncatedBody,
    classify,
    from_status,
    is_network_error,
)
from openaudit.base.parse import ParseProblem, load_json
from openaudit.base.text import decode_text

if TYPE_CHECKING:  # imported where used, at run time (start-up)
    import httpx2

T = TypeVar("T")

MAX_TRIES = 3  # attempts per call in all
MAX_RETRY_AFTER = 4.0  # seconds: a server asking for a longer wait is not retried (the call fails now)
BASE_BACKOFF = 0.25  # seconds before the second attempt; doubled each time, with jitter
DEFAULT_TIMEOUT = 10.0  # seconds per request when no Meter sets one
MAX_REDIRECTS = 5  # redirect hops the plain client follows
MAX_BODY = 1 << 20  # default cap on a plain response body read into memory
USER_AGENT = f"openaudit/{__version__} (+https://github.com/openaudit/openaudit)"

_ACTIVE: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("openaudit_meter", default=None)
_LOCK = threading.Lock()
_HUB_INSTALLED = False
_PLAIN: httpx2.Client | None = None  # the plain client, built on first use


class Meter:
    """One audit's network session: requests and response-body bytes of the calls made inside
    ``with meter:``, their timeout, and ``memo``: answers already obtained in this session (failed
    ones too), so that two parts of one audit asking the same thing make one request."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT):
        self.timeout = timeout
        self.requests = 0
        self.bytes = 0
        self.memo: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._token: contextvars.Token[Meter | None] | None = None

    def add(self, requests: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.bytes += nbytes

    def __enter__(self) -> Meter:
        install()
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None


def active_meter() -> Meter | None:
    return _ACTIVE.get()


def _hooks() -> tuple[Callable[[httpx2.Request], None], Callable[[httpx2.Response], None]]:
    import httpx2

    class _CountingStream(httpx2.SyncByteStream):
        def __init__(self, inner: httpx2.SyncByteStream, meter: Meter):
            self._inner = inner
            self._meter = meter

        def __iter__(self) -> Iterator[bytes]:
            for chunk in self._inner:
                self._meter.add(nbytes=len(chunk))
                yield chunk

        def close(self) -> None:
            close = getattr(self._inner, "close", None)
            if close is not None:
                close()

    def on_request(request: httpx2.Request) -> None:
        meter = _ACTIVE.get()
        if meter is not None:
            t = meter.timeout
            request.extensions["timeout"] = {"connect": t, "read": t, "write": t, "pool": t}
            meter.add(requests=1)

    def on_response(response: httpx2.Response) -> None:
        meter = _ACTIVE.get()
        if meter is not None:  # both clients are sync httpx2.Clients: their response streams are sync
            response.stream = _CountingStream(cast(httpx2.SyncByteStream, response.stream), meter)

    return on_request, on_response


def install() -> None:
    """Install the metering client factory into huggingface_hub once (idempotent)."""
    global _HUB_INSTALLED
    with _LOCK:
        if _HUB_INSTALLED:
            return
        import httpx2
        from huggingface_hub import set_client_factory
        from huggingface_hub.utils._http import hf_request_event_hook

        on_request, on_response = _hooks()

        def factory() -> httpx2.Client:
            # the default factory's client (proxies from the environment etc. untouched) plus two hooks
            return httpx2.Client(
                event_hooks={"request": [hf_request_event_hook, on_request], "response": [on_response]},
                follow_redirects=True,
                timeout=None,
            )

        set_client_factory(factory)
        _HUB_INSTALLED = True


def _plain_client() -> httpx2.Client:
    global _PLAIN
    with _LOCK:
        if _PLAIN is None:
            import httpx2

            on_request, on_response = _hooks()
            _PLAIN = httpx2.Client(
                event_hooks={"request": [on_request], "response": [on_response]},
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=DEFAULT_TIMEOUT,
                headers={"User-Agent": USER_AGENT},
            )
        return _PLAIN


# --- retries --------------------------------------------------------------------------------------
def with_retries(fn: Callable[[], T], *, tries: int | None = None, sleep: Callable[[float], None] | None = None) -> T:
    """Call ``fn``; on a transient failure (timeout, connection, rate limit, 5xx, truncated or garbled
    body) retry with exponential backoff, ``tries`` attempts in all. A server's Retry-After (or
    rate-limit reset) is honoured when it is at most MAX_RETRY_AFTER seconds; a longer wait is not
    retried at all (the call fails now, as rate limited). Re-raises the last error."""
    tries = MAX_TRIES if tries is None else tries
    for attempt in range(1, tries + 1):
        try:
            return fn()
        except Exception as exc:  # classified below; non-transient errors propagate at once
            f = classify(exc)
            if not f.transient or attempt == tries:
                raise
            if f.retry_after is not None and f.retry_after > MAX_RETRY_AFTER:
                raise
            wait = BASE_BACKOFF * (2 ** (attempt - 1)) * (1 + 0.25 * random.random())
            if f.retry_after is not None:
                wait = f.retry_after
            (sleep or time.sleep)(max(0.0, wait))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


# --- plain requests (non-Hub hosts) --------------------------------------------------------------
@dataclass(frozen=True)
class Response:
    """A finished plain request: final URL after redirects, the redirect hops, lower-case headers,
    and the body (at most the caller's limit)."""

    status: int
    url: str
    headers: Mapping[str, str]
    body: bytes
    redirects: tuple[str, ...] = ()

    def json(self, source: str = "<response>") -> Any:
        """The body as JSON, through the hardened parser; a malformed body is a MALFORMED failure."""
        text, _how = decode_text(self.body)
        try:
            if text is None:
                raise ParseProblem(source, "not text")
            return load_json(text, source=source)
        except ParseProblem as exc:
            raise NetFailure(Failure(FailKind.MALFORMED, self.status, f"malformed response ({exc.message})")) from None


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    limit: int = MAX_BODY,
    timeout: float | None = None,
    follow_redirects: bool = True,
) -> Response:
    """One request through the plain client (redirects followed, at most MAX_REDIRECTS, unless
    ``follow_redirects`` is False: a 3xx is then returned as it is). Reads at most
    ``limit`` body bytes. Raises NetFailure for an HTTP error status and TruncatedBody for a body shorter
    than its Content-Length; transport errors propagate as httpx2 exceptions (see :func:`classify`)."""
    meter = _ACTIVE.get()
    t = timeout if timeout is not None else (meter.timeout if meter is not None else DEFAULT_TIMEOUT)
    client = _plain_client()
    with client.stream(method, url, headers=dict(headers or {}), timeout=t, follow_redirects=follow_redirects) as r:
        hdrs = {k.lower(): v for k, v in r.headers.items()}
        hops = tuple(str(h.url) for h in r.history)
        if r.status_code >= 400:
            r.read()
            f = from_status(r.status_code, hdrs)
            raise NetFailure(f)
        buf = bytearray()
        for chunk in r.iter_bytes():
            buf += chunk
            if len(buf) >= limit:
                return Response(r.status_code, str(r.url), hdrs, bytes(buf[:limit]), hops)
        declared = hdrs.get("content-length")
        if (
            method != "HEAD"
            and declared is not None
            and declared.isdigit()
            and int(declared) != len(buf)
            and not hdrs.get("content-encoding")
        ):
            raise TruncatedBody(f"body of {len(buf)} bytes, {declared} declared")
        return Response(r.status_code, str(r.url), hdrs, bytes(buf), hops)


def guard(fn: Callable[[], T]) -> T:
    """``fn()``; a network failure is raised as NetFailure, anything else (a bug) propagates unchanged."""
    try:
        return fn()
    except NetFailure:
        raise
    except Exception as exc:
        if not is_network_error(exc):
            raise
        raise NetFailure(classify(exc)) from exc


def call(fn: Callable[[], T]) -> T:
    """``fn()`` with :func:`with_retries`, failures raised as NetFailure (see :func:`guard`)."""
    return guard(lambda: with_retries(fn))


def fetch(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    limit: int = MAX_BODY,
    timeout: float | None = None,
    follow_redirects: bool = True,
) -> Response:
    """:func:`request` with retries; every network failure is raised as NetFailure."""
    return call(
        lambda: request(method, url, headers=headers, limit=limit, timeout=timeout, follow_redirects=follow_redirects)
    )
