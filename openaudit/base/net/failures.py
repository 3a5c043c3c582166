"""Typed HTTP failures: what went wrong with one call (:class:`FailKind`), classified once from any
exception an HTTP call raises (ours, huggingface_hub's, httpx2's) or from a status and its headers
(rate limits: ``Retry-After``, ``X-RateLimit-*``), and mapped to the ``openaudit.errors`` hierarchy.
Callers decide on the kind, never on a message."""

from __future__ import annotations

import email.utils
import enum
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from openaudit.errors import AuthError, NetworkError, OfflineMiss, OpenAuditError, TargetNotFound


class FailKind(str, enum.Enum):
    """What went wrong with one HTTP call."""

    OFFLINE = "offline"  # offline mode: no request was made
    AUTH = "auth"  # 401, or 403 that is no rate limit: not allowed (private, unknown on the Hub, blocked)
    GATED = "gated"  # a gated Hub repo whose terms were not accepted for this token
    NOT_FOUND = "not_found"  # 404 / 410: the resource does not exist (or is hidden)
    REVISION = "revision"  # the Hub repo exists, the revision does not
    ENTRY = "entry"  # the Hub repo exists, the file does not
    RATE_LIMITED = "rate_limited"  # 429, or 403 with rate-limit headers
    TIMEOUT = "timeout"
    CONNECTION = "connection"  # refused, reset, DNS, TLS, proxy
    SERVER = "server"  # 5xx, 408
    TRUNCATED = "truncated"  # a body shorter than its Content-Length
    MALFORMED = "malformed"  # a body that does not parse as what it should be
    OTHER = "other"  # any other status or error (e.g. 400, too many redirects)

    @property
    def transient(self) -> bool:
        """Worth retrying: the same call may well succeed in a moment."""
        return self in _TRANSIENT

    @property
    def definite(self) -> bool:
        """A definite answer about the resource (it is missing, private, gated ...), cacheable."""
        return self in (FailKind.AUTH, FailKind.GATED, FailKind.NOT_FOUND, FailKind.REVISION, FailKind.ENTRY)


_TRANSIENT = frozenset(
    {
        FailKind.RATE_LIMITED,
        FailKind.TIMEOUT,
        FailKind.CONNECTION,
        FailKind.SERVER,
        FailKind.TRUNCATED,
        FailKind.MALFORMED,
    }
)


@dataclass(frozen=True)
class Failure:
    """A classified HTTP failure. ``retry_after``: seconds the server asked us to wait (Retry-After,
    or a rate-limit reset time), when it said."""

    kind: FailKind
    status: int | None
    detail: str
    retry_after: float | None = None

    @property
    def transient(self) -> bool:
        return self.kind.transient


class NetFailure(Exception):
    """Raised by this package's own calls: carries the classified :class:`Failure`."""

    def __init__(self, failure: Failure):
        super().__init__(failure.detail)
        self.failure = failure


class TruncatedBody(Exception):
    """A response body shorter than its Content-Length."""


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if headers is None:
        return None
    v = headers.get(name)
    if v is None:
        v = headers.get(name.lower())
    return v.strip() if isinstance(v, str) else None


def retry_after_of(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait, from Retry-After (seconds or an HTTP date), else from a rate-limit reset
    time (``X-RateLimit-Reset``, epoch seconds) when no requests remain; None when not said."""
    ra = _header(headers, "Retry-After")
    now = time.time() if now is None else now
    if ra:
        try:
            return max(0.0, float(ra))
        except ValueError:
            when = email.utils.parsedate_to_datetime(ra) if _parsable_date(ra) else None
            if when is not None:
                return max(0.0, when.timestamp() - now)
    if _header(headers, "X-RateLimit-Remaining") == "0":
        reset = _header(headers, "X-RateLimit-Reset")
        if reset and reset.isdigit():
            return max(0.0, float(reset) - now)
    return None


def _parsable_date(s: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(s) is not None
    except (TypeError, ValueError, IndexError):
        return False


def from_status(status: int, headers: Mapping[str, str] | None = None) -> Failure:
    """Classify an HTTP error status (with its headers) into a Failure."""
    wait = retry_after_of(headers)
    limited = _header(headers, "X-RateLimit-Remaining") == "0" or _header(headers, "Retry-After") is not None
    if status == 429 or (status == 403 and limited):
        said = f"; retry after {wait:.0f} s" if wait is not None else ""
        return Failure(FailKind.RATE_LIMITED, status, f"rate limited (HTTP {status}{said})", wait)
    if status in (401, 403):
        return Failure(FailKind.AUTH, status, f"HTTP {status}")
    if status in (404, 410):
        return Failure(FailKind.NOT_FOUND, status, "not found")
    if status == 408 or status >= 500:
        return Failure(FailKind.SERVER, status, f"HTTP {status}", wait)
    return Failure(FailKind.OTHER, status, f"HTTP {status}")


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160]


def classify(exc: BaseException) -> Failure:
    """Map any exception raised by an HTTP call (ours, huggingface_hub's, httpx2's) to a Failure."""
    if isinstance(exc, NetFailure):
        return exc.failure
    if isinstance(exc, TruncatedBody):
        return Failure(FailKind.TRUNCATED, None, str(exc))
    if type(exc).__module__.startswith("huggingface_hub"):
        hub = _classify_hub(exc)
        if hub is not None:
            return hub
    if type(exc).__module__.startswith("httpx2"):
        import httpx2

        if isinstance(exc, httpx2.TimeoutException):
            return Failure(FailKind.TIMEOUT, None, "timed out")
        if isinstance(
            exc, (httpx2.NetworkError, httpx2.RemoteProtocolError, httpx2.ProxyError, httpx2.UnsupportedProtocol)
        ):
            return Failure(FailKind.CONNECTION, None, _short(exc) or type(exc).__name__)
        if isinstance(exc, httpx2.TooManyRedirects):
            return Failure(FailKind.OTHER, None, "too many redirects")
        return Failure(FailKind.OTHER, None, _short(exc) or type(exc).__name__)
    if isinstance(exc, OSError):
        return Failure(FailKind.CONNECTION, None, _short(exc) or type(exc).__name__)
    if isinstance(exc, ValueError):  # JSON decoding of a cut or garbled body
        return Failure(FailKind.MALFORMED, None, f"malformed response ({_short(exc)})")
    return Failure(FailKind.OTHER, None, _short(exc) or type(exc).__name__)


def _classify_hub(exc: BaseException) -> Failure | None:
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, OfflineModeIsEnabled):
        return Failure(FailKind.OFFLINE, None, "offline mode is enabled")
    if isinstance(exc, HFValidationError):
        return Failure(FailKind.OTHER, None, f"refused by the Hub client ({_short(exc)})")
    if not isinstance(exc, HfHubHTTPError):
        return None
    resp = exc.response
    status = resp.status_code if resp is not None else None
    headers = resp.headers if resp is not None else None
    if isinstance(exc, GatedRepoError):
        return Failure(FailKind.GATED, status, "gated repo: access not granted")
    if isinstance(exc, RevisionNotFoundError):
        return Failure(FailKind.REVISION, status, "revision not found")
    if isinstance(exc, RemoteEntryNotFoundError):
        return Failure(FailKind.ENTRY, status, "file not found")
    if isinstance(exc, RepositoryNotFoundError):
        return Failure(FailKind.AUTH if status == 401 else FailKind.NOT_FOUND, status, "repository not found")
    if status is None:
        return Failure(FailKind.OTHER, None, _short(exc))
    return from_status(status, headers)


def is_network_error(exc: BaseException) -> bool:
    """True for what an HTTP call raises when the network or the server fails (as opposed to a bug)."""
    if isinstance(exc, (NetFailure, TruncatedBody, OSError, json.JSONDecodeError)):
        return True
    return type(exc).__module__.split(".")[0] in ("huggingface_hub", "httpx2", "httpcore", "h11", "h2")


def to_error(f: Failure, what: str) -> OpenAuditError:
    """The openaudit error for a failure about ``what`` (callers with a more specific message for a
    kind handle that kind first)."""
    if f.kind is FailKind.OFFLINE:
        return OfflineMiss(f"{what}: offline, and not in the local Hugging Face cache")
    if f.kind in (FailKind.AUTH, FailKind.GATED):
        return AuthError(f"{what}: access denied ({f.detail})")
    if f.kind in (FailKind.NOT_FOUND, FailKind.REVISION, FailKind.ENTRY):
        return TargetNotFound(f"{what}: not found ({f.detail})")
    return NetworkError(f"{what}: could not be read ({f.detail})")
