"""HTTP plumbing for hub.py: counts requests/bytes and bounds timeouts of every call that
huggingface_hub's shared session makes while an audit is running, retries with backoff, and the
two raw reads hub.py makes itself (a capped streaming GET, the paginated recursive tree).

huggingface_hub routes all its HTTP through one client built by a client factory
(``huggingface_hub.set_client_factory``). We install a factory identical to the default one plus
two event hooks: while a :class:`Meter` is active in the current context, each request (each
redirect hop too) is counted and given the meter's timeout, and its response body bytes are
counted as they stream. Outside an active meter the hooks do nothing.
"""
from __future__ import annotations

import contextvars
import random
import threading
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from openaudit.errors import NetworkError

T = TypeVar("T")

_ACTIVE: contextvars.ContextVar["Meter | None"] = contextvars.ContextVar("openaudit_meter", default=None)
_INSTALL_LOCK = threading.Lock()
_INSTALLED = False

MAX_TRIES = 3
MAX_RETRY_AFTER = 4.0  # seconds; a longer Retry-After is cut to this
BASE_BACKOFF = 0.25


class Meter:
    """Requests and response-body bytes of the calls made inside ``with meter:``."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.requests = 0
        self.bytes = 0
        self._lock = threading.Lock()
        self._token: contextvars.Token | None = None

    def add(self, requests: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.bytes += nbytes

    def __enter__(self) -> "Meter":
        install()
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None


def install() -> None:
    """Install the counting client factory into huggingface_hub once (idempotent)."""
    global _INSTALLED
    with _INSTALL_LOCK:
        if _INSTALLED:
            return
        import httpx2
        from huggingface_hub import set_client_factory
        from huggingface_hub.utils._http import hf_request_event_hook

        class _CountingStream(httpx2.SyncByteStream):
            def __init__(self, inner, meter: Meter):
                self._inner = inner
                self._meter = meter

            def __iter__(self):
                for chunk in self._inner:
                    self._meter.add(nbytes=len(chunk))
                    yield chunk

            def close(self) -> None:
                close = getattr(self._inner, "close", None)
                if close is not None:
                    close()

        def on_request(request) -> None:
            meter = _ACTIVE.get()
            if meter is not None:
                t = meter.timeout
                request.extensions["timeout"] = {"connect": t, "read": t, "write": t, "pool": t}
                meter.add(requests=1)

        def on_response(response) -> None:
            meter = _ACTIVE.get()
            if meter is not None:
                response.stream = _CountingStream(response.stream, meter)

        def factory():
            # the default factory's client (proxies from the environment etc. untouched) plus two hooks
            return httpx2.Client(
                event_hooks={"request": [hf_request_event_hook, on_request], "response": [on_response]},
                follow_redirects=True,
                timeout=None,
            )

        set_client_factory(factory)
        _INSTALLED = True


@dataclass(frozen=True)
class Failure:
    """A classified HTTP failure: kind is auth | gated | missing | revision | entry | transient | other."""

    kind: str
    status: int | None
    detail: str
    retry_after: float | None = None


def classify(exc: BaseException) -> Failure:
    """Map a huggingface_hub / httpx2 exception to a Failure."""
    import httpx2
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, OfflineModeIsEnabled):
        return Failure("offline", None, "offline mode is enabled")
    if isinstance(exc, (httpx2.TimeoutException,)):
        return Failure("transient", None, "timed out")
    if isinstance(exc, (httpx2.NetworkError, httpx2.RemoteProtocolError, httpx2.ProxyError)):
        return Failure("transient", None, _short(exc) or type(exc).__name__)
    if isinstance(exc, TruncatedBody):
        return Failure("transient", None, str(exc))
    if isinstance(exc, ValueError) and not isinstance(exc, HfHubHTTPError):  # JSON decoding of a cut body
        return Failure("transient", None, f"malformed response ({_short(exc)})")
    if isinstance(exc, HfHubHTTPError):
        resp = exc.response
        status = resp.status_code if resp is not None else None
        retry_after = None
        if resp is not None and resp.headers.get("Retry-After"):
            try:
                retry_after = float(resp.headers["Retry-After"])
            except ValueError:
                retry_after = None
        if isinstance(exc, GatedRepoError):
            return Failure("gated", status, "gated repo: access not granted")
        if isinstance(exc, RevisionNotFoundError):
            return Failure("revision", status, "revision not found")
        if isinstance(exc, RemoteEntryNotFoundError):
            return Failure("entry", status, "file not found")
        if isinstance(exc, RepositoryNotFoundError):
            return Failure("auth" if status == 401 else "missing", status, "repository not found")
        if status in (401, 403):
            return Failure("auth", status, f"HTTP {status}")
        if status == 404:
            return Failure("missing", status, "not found")
        if status is not None and (status == 429 or status == 408 or status >= 500):
            return Failure("transient", status, f"HTTP {status}", retry_after)
        return Failure("other", status, f"HTTP {status}")
    return Failure("other", None, _short(exc))


class TruncatedBody(Exception):
    """A response body shorter than its Content-Length."""


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160]


def with_retries(fn: Callable[[], T], *, tries: int = MAX_TRIES, sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``fn``; on a transient failure (timeout, connection, 429, 5xx, truncated body) retry with
    exponential backoff (honouring Retry-After up to MAX_RETRY_AFTER seconds). Re-raises the last error."""
    for attempt in range(1, tries + 1):
        try:
            return fn()
        except Exception as exc:  # classified below; non-transient errors propagate at once
            f = classify(exc)
            if f.kind != "transient" or attempt == tries:
                raise
            wait = BASE_BACKOFF * (2 ** (attempt - 1)) * (1 + 0.25 * random.random())
            if f.retry_after is not None:
                wait = max(0.0, min(MAX_RETRY_AFTER, f.retry_after))
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def get_bytes(url: str, headers: dict[str, str], limit: int) -> bytes:
    """GET ``url`` streaming at most ``limit`` bytes (a server that ignores Range cannot make us
    read more); raises on HTTP errors and on a body shorter than its Content-Length."""
    from huggingface_hub import get_session
    from huggingface_hub.utils import hf_raise_for_status

    with get_session().stream("GET", url, headers=headers) as r:
        if r.status_code >= 400:
            r.read()
        hf_raise_for_status(r)
        buf = bytearray()
        for chunk in r.iter_raw():
            buf += chunk
            if len(buf) >= limit:
                return bytes(buf[:limit])
        declared = r.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) != len(buf):
            raise TruncatedBody(f"body of {len(buf)} bytes, {declared} declared")
        return bytes(buf)


def list_tree(api, repo_id: str, sha: str) -> list:
    """The recursive tree at ``sha``, page by page (the same route and parsing as
    ``HfApi.list_repo_tree``, whose internal http_backoff would retry for ~20 s; we retry with
    our own bounded policy instead)."""
    from urllib.parse import quote

    from huggingface_hub import get_session
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import hf_raise_for_status

    url: str | None = f"{api.endpoint}/api/models/{repo_id}/tree/{quote(sha, safe='')}"
    params: dict | None = {"recursive": True, "expand": False}
    headers = api._build_hf_headers()
    out: list = []
    pages = 0
    while url is not None:
        def page(u=url, p=params):
            r = get_session().get(u, params=p, headers=headers)
            hf_raise_for_status(r)
            return r.json(), r.links.get("next", {}).get("url")

        items, url = with_retries(page)
        params = None  # the next link carries its own query
        out.extend(RepoFile(**i) for i in items if isinstance(i, dict) and i.get("type") == "file")
        pages += 1
        if pages > 1000:
            raise NetworkError(f"{repo_id}: the file tree has more than 1000 pages")
    return out


class RangeReader:
    """``read(offset, length) -> bytes`` over ``fetch(length, start)`` (HTTP Range requests) for the
    pickle scanner. Bytes read contiguously from offset 0 are kept, so a second, larger scan pass
    re-fetches nothing it already has; other ranges (a zip's central directory) are fetched as asked.
    ``used`` counts the bytes actually fetched."""

    def __init__(self, fetch: Callable[[int, int], bytes], keep: int):
        self._fetch = fetch
        self._keep = keep
        self.prefix = b""
        self.used = 0

    def __call__(self, offset: int, length: int) -> bytes:
        end = offset + length
        have = len(self.prefix)
        if end <= have:
            return self.prefix[offset:end]
        if offset <= have < self._keep:
            more = self._fetch(end - have, have)
            self.used += len(more)
            self.prefix += more
            return self.prefix[offset:end]
        data = self._fetch(length, offset)
        self.used += len(data)
        return data

    def settles(self, res: dict, size: int) -> bool:
        """True when a scan result over what was read stands for the whole file. The scanner says so
        with a typed code: BUDGET means the bytes read ended before the scan could (a larger window
        may settle it); every other result already accounts for what lies beyond the window."""
        from openaudit.model import ScanCode

        return len(self.prefix) >= size or res.get("code") != ScanCode.BUDGET.value
