"""GitHub REST API access (read-only, unauthenticated unless ``GITHUB_TOKEN`` is set).

Base URL: ``OPENAUDIT_GITHUB_API`` (default ``https://api.github.com``; tests point it at a local
fake). Every call goes through the plain metered client with bounded retries; a rate limit whose
reset is further away than ``http.MAX_RETRY_AFTER`` fails at once as RATE_LIMITED. A renamed
repository answers with a redirect to its new id, which is followed (the repository's ``full_name``
then differs from the name asked for).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from openaudit.base.net.failures import FailKind, Failure, NetFailure
from openaudit.base.net.http import Response, fetch
from openaudit.base.text import decode_text

DEFAULT_API = "https://api.github.com"
WEB = "https://github.com"
MAX_TREE_BYTES = 16 << 20  # a recursive tree answer is cut by GitHub at 100 000 entries / 7 MB
MAX_README_BYTES = 256 << 10
_SHA = re.compile(r"^[0-9a-f]{40}$")
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def api_base() -> str:
    return (os.environ.get("OPENAUDIT_GITHUB_API", "").strip() or DEFAULT_API).rstrip("/")


def token() -> str | None:
    return os.environ.get("GITHUB_TOKEN", "").strip() or None


def valid_name(owner: str, repo: str) -> bool:
    return bool(_OWNER.match(owner)) and bool(_REPO.match(repo)) and repo not in (".", "..")


def _headers(accept: str = "application/vnd.github+json") -> dict[str, str]:
    h = {"Accept": accept, "X-GitHub-Api-Version": "2022-11-28"}
    tok = token()
    if tok:
        h["Authorization"] = f"Bearer {tok}"
    return h


def _path(full_name: str) -> str:
    owner, _, repo = full_name.partition("/")
    return f"{quote(owner, safe='')}/{quote(repo, safe='')}"


def _json(r: Response, what: str) -> dict[str, Any]:
    data = r.json(source=what)
    if not isinstance(data, dict):
        raise NetFailure(Failure(FailKind.MALFORMED, r.status, f"malformed response ({what} is not an object)"))
    return data


@dataclass(frozen=True)
class RepoMeta:
    full_name: str
    default_branch: str
    license_spdx: str | None  # None: no license file, or one GitHub could not identify
    license_name: str | None
    archived: bool
    url: str  # the API URL finally answered (after redirects)
    redirected: bool


def repo(owner: str, name: str) -> RepoMeta:
    """GET /repos/{owner}/{repo} (redirects of renamed repositories followed). Raises NetFailure."""
    r = fetch("GET", f"{api_base()}/repos/{_path(owner + '/' + name)}", headers=_headers())
    d = _json(r, "repository")
    full, branch = d.get("full_name"), d.get("default_branch")
    if not isinstance(full, str) or "/" not in full or not isinstance(branch, str) or not branch:
        raise NetFailure(Failure(FailKind.MALFORMED, r.status, "malformed response (no full_name/default_branch)"))
    lic: dict[str, Any] = d["license"] if isinstance(d.get("license"), dict) else {}
    spdx = lic.get("spdx_id") if isinstance(lic.get("spdx_id"), str) else None
    if spdx in ("NOASSERTION", ""):
        spdx = None
    name_ = lic.get("name") if isinstance(lic.get("name"), str) else None
    return RepoMeta(
        full_name=full,
        default_branch=branch,
        license_spdx=spdx,
        license_name=name_,
        archived=bool(d.get("archived")),
        url=r.url,
        redirected=bool(r.redirects),
    )


def head_commit(full_name: str, ref: str) -> str:
    """The commit sha ``ref`` (a branch) points to now. Raises NetFailure."""
    r = fetch(
        "GET",
        f"{api_base()}/repos/{_path(full_name)}/commits/{quote(ref, safe='')}",
        headers=_headers("application/vnd.github.sha"),
        limit=4096,
    )
    text = r.body.decode("ascii", "replace").strip()
    if text.startswith("{"):
        sha = _json(r, "commit").get("sha")
        text = sha if isinstance(sha, str) else ""
    if not _SHA.match(text):
        raise NetFailure(Failure(FailKind.MALFORMED, r.status, "malformed response (no commit sha)"))
    return text


def tree(full_name: str, sha: str) -> tuple[list[str], bool]:
    """(file paths, truncated) of the recursive tree at commit ``sha`` (one call). ``truncated``
    is GitHub's own flag: the listing is then incomplete. Raises NetFailure."""
    r = fetch(
        "GET",
        f"{api_base()}/repos/{_path(full_name)}/git/trees/{quote(sha, safe='')}?recursive=1",
        headers=_headers(),
        limit=MAX_TREE_BYTES + 1,
    )
    if len(r.body) > MAX_TREE_BYTES:
        return [], True
    d = _json(r, "tree")
    entries = d.get("tree")
    if not isinstance(entries, list):
        raise NetFailure(Failure(FailKind.MALFORMED, r.status, "malformed response (no tree)"))
    paths = [
        e["path"] for e in entries if isinstance(e, dict) and e.get("type") == "blob" and isinstance(e.get("path"), str)
    ]
    return paths, bool(d.get("truncated"))


def readme(full_name: str, sha: str) -> str | None:
    """The README's text at ``sha`` (raw, at most MAX_README_BYTES), None when there is none.
    Raises NetFailure for other failures."""
    try:
        r = fetch(
            "GET",
            f"{api_base()}/repos/{_path(full_name)}/readme?ref={quote(sha, safe='')}",
            headers=_headers("application/vnd.github.raw"),
            limit=MAX_README_BYTES,
        )
    except NetFailure as exc:
        if exc.failure.kind is FailKind.NOT_FOUND:
            return None
        raise
    text, _how = decode_text(r.body)
    return text if text is not None else r.body.decode("utf-8", "replace")  # cut mid-character at the cap


def web_url(full_name: str, sha: str | None = None) -> str:
    """The page a person opens: the repository, pinned to ``sha`` when given."""
    return f"{WEB}/{full_name}/tree/{sha}" if sha else f"{WEB}/{full_name}"
