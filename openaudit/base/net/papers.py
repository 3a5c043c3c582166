"""Does a cited paper exist? arXiv ids (the abs page), DOIs (the DOI handle API: no publisher page
is fetched), other PDF links (a HEAD request, or a one-byte GET where HEAD is refused).

Base URLs: ``OPENAUDIT_ARXIV_URL`` (default ``https://arxiv.org``), ``OPENAUDIT_DOI_URL`` (default
``https://doi.org``). Links to other hosts come from the audited card, so they are only followed to
public hosts (no localhost, no private, loopback or link-local address literals, each redirect hop
checked) unless ``OPENAUDIT_ALLOW_LOCAL_LINKS=1`` (tests).
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import quote, urljoin, urlsplit

from openaudit.base.net.failures import FailKind, Failure, NetFailure
from openaudit.base.net.http import MAX_REDIRECTS, fetch

DEFAULT_ARXIV = "https://arxiv.org"
DEFAULT_DOI = "https://doi.org"
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


def arxiv_base() -> str:
    return (os.environ.get("OPENAUDIT_ARXIV_URL", "").strip() or DEFAULT_ARXIV).rstrip("/")


def doi_base() -> str:
    return (os.environ.get("OPENAUDIT_DOI_URL", "").strip() or DEFAULT_DOI).rstrip("/")


def arxiv_abs(arxiv_id: str) -> str:
    """The abs page of an arXiv id on arXiv itself (for people)."""
    return f"{DEFAULT_ARXIV}/abs/{arxiv_id}"


def doi_url(doi: str) -> str:
    return f"{DEFAULT_DOI}/{doi}"


def arxiv(arxiv_id: str) -> str:
    """HEAD the abs page of ``arxiv_id``; returns the URL answered. Raises NetFailure (NOT_FOUND for
    an id arXiv does not know)."""
    r = fetch("HEAD", f"{arxiv_base()}/abs/{quote(arxiv_id, safe='/.')}", limit=0)
    return r.url


def doi(doi_name: str) -> str | None:
    """Look ``doi_name`` up in the DOI handle API; returns the landing URL it registers (None when it
    names none). Raises NetFailure (NOT_FOUND for an unregistered DOI)."""
    r = fetch("GET", f"{doi_base()}/api/handles/{quote(doi_name, safe='/')}", limit=256 << 10)
    d = r.json(source="DOI handle")
    code = d.get("responseCode") if isinstance(d, dict) else None
    if code == 100:
        raise NetFailure(Failure(FailKind.NOT_FOUND, r.status, "DOI not registered"))
    if code != 1:
        raise NetFailure(Failure(FailKind.MALFORMED, r.status, f"malformed response (responseCode {code!r})"))
    for v in d.get("values") or []:
        if isinstance(v, dict) and v.get("type") == "URL" and isinstance(v.get("data"), dict):
            url = v["data"].get("value")
            if isinstance(url, str):
                return url
    return None


def public_url(url: str) -> bool:
    """True when ``url`` is http(s) to a host that is no local or private address (by name or literal)."""
    if os.environ.get("OPENAUDIT_ALLOW_LOCAL_LINKS", "").strip() == "1":
        return urlsplit(url).scheme in ("http", "https")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or ("." not in host and ":" not in host):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return True
    return ip.is_global


def document(url: str) -> str:
    """Check that ``url`` answers (HEAD; a one-byte GET where HEAD is refused), following at most
    MAX_REDIRECTS redirects, each hop to a public host only. Returns the final URL. Raises NetFailure."""
    for _ in range(MAX_REDIRECTS + 1):
        if not public_url(url):
            raise NetFailure(Failure(FailKind.OTHER, None, "not followed: not a public http(s) address"))
        try:
            r = fetch("HEAD", url, limit=0, follow_redirects=False)
        except NetFailure as exc:
            if exc.failure.status not in (403, 405, 501):
                raise
            r = fetch("GET", url, headers={"Range": "bytes=0-0"}, limit=1, follow_redirects=False)
        location = r.headers.get("location")
        if r.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return r.url
    raise NetFailure(Failure(FailKind.OTHER, None, "too many redirects"))
