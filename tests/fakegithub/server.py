"""A fake GitHub REST API on 127.0.0.1 for offline tests, with the paper services a card links to
(arXiv abs pages, the DOI handle API, plain PDF files), and fault injection.

GitHub routes (what ``openaudit.base.net.github`` calls):
GET /repos/{owner}/{repo} (a renamed repository answers 301 to /repositories/{id}, as GitHub does),
GET /repositories/{id}[/...], GET /repos/{o}/{r}/commits/{ref} (``application/vnd.github.sha`` or JSON),
GET /repos/{o}/{r}/git/trees/{sha}?recursive=1, GET /repos/{o}/{r}/readme?ref= (raw).
Unknown and private repositories answer 404, as GitHub does without a token.

Paper routes: HEAD/GET /abs/{arxiv id}; GET /api/handles/{doi}; HEAD/GET /files/{name} (``pdfs``);
GET /moved/{name} -> 302 /files/{name}; /nohead/{name}: HEAD answers 405, GET serves the file.

``Fault(route, key=None, status=..., headers=..., delay=..., times=...)``: route is "repo", "commit",
"tree", "readme", "github" (those four), "arxiv", "doi", "pdf" or "*"; key a repository full name,
paper id or file name.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from fakehub.serving import LocalServer, RoutedHandler


@dataclass
class GHRepo:
    full_name: str
    files: dict[str, bytes]  # the default branch's content
    default_branch: str = "main"
    license_spdx: str | None = "Apache-2.0"  # None: no license file; "NOASSERTION": not identified
    private: bool = False
    tokens: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()  # old full names that redirect here
    archived: bool = False
    truncated: bool = False  # GitHub's own flag on the recursive tree
    id: int = 0

    def sha(self) -> str:
        h = hashlib.sha1(self.full_name.encode())
        for p, c in sorted(self.files.items()):
            h.update(p.encode() + b"\0" + c)
        return h.hexdigest()


@dataclass
class Fault:
    route: str
    key: str | None = None
    status: int | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    times: int | None = None
    hits: int = 0


def rate_limited(reset_in: float = 3600.0, status: int = 403) -> Fault:
    """GitHub's primary rate limit on every GitHub route: 403 with X-RateLimit-Remaining 0 and a reset time."""
    return Fault(
        "github",
        status=status,
        headers={
            "X-RateLimit-Limit": "60",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time() + reset_in)),
        },
    )


class FakeGitHub(LocalServer):
    """Start with ``start()`` (or ``with``); ``endpoint`` is the base URL; ``log`` lists every request."""

    def __init__(self) -> None:
        self.repos: dict[str, GHRepo] = {}
        self.arxiv: set[str] = set()
        self.dois: dict[str, str] = {}
        self.pdfs: dict[str, bytes] = {}
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()

    def add(self, repo: GHRepo) -> GHRepo:
        repo.id = repo.id or 1000 + len(self.repos)
        self.repos[repo.full_name.lower()] = repo
        return repo

    def by_id(self, rid: int) -> GHRepo | None:
        return next((r for r in self.repos.values() if r.id == rid), None)

    def renamed(self, full: str) -> GHRepo | None:
        return next((r for r in self.repos.values() if full.lower() in (o.lower() for o in r.renamed_from)), None)


_REPO = re.compile(r"^/repos/([^/]+)/([^/]+)(/.*)?$")
_BY_ID = re.compile(r"^/repositories/(\d+)(/.*)?$")


class _Handler(RoutedHandler):
    fake: FakeGitHub

    def _send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        with self.fake.lock:
            self.fake.log.append((self.command, self.path, status))
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj, status: int = 200, headers: dict | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})})

    def _fault(self, route: str, key: str | None) -> bool:
        with self.fake.lock:
            for f in self.fake.faults:
                github = f.route == "github" and route in ("repo", "commit", "tree", "readme")
                if (not github and f.route not in (route, "*")) or (
                    f.key is not None and (key or "").lower() != f.key.lower()
                ):
                    continue
                if f.times is not None and f.hits >= f.times:
                    continue
                f.hits += 1
                break
            else:
                return False
        if f.delay:
            time.sleep(f.delay)
        if f.status is None:
            return False
        self._json({"message": f"injected {f.status}"}, f.status, f.headers)
        return True

    def _route(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        qs = parse_qs(url.query)
        m = _REPO.match(path)
        if m:
            full = f"{m.group(1)}/{m.group(2)}"
            repo = self.fake.repos.get(full.lower())
            if repo is None:
                moved = self.fake.renamed(full)
                if moved is not None and not self._hidden(moved):
                    return self._send(
                        301, b"", {"Location": f"{self.fake.endpoint}/repositories/{moved.id}{m.group(3) or ''}"}
                    )
            return self._repo_route(repo, m.group(3) or "", qs)
        m = _BY_ID.match(path)
        if m:
            return self._repo_route(self.fake.by_id(int(m.group(1))), m.group(2) or "", qs)
        if path.startswith("/abs/"):
            return self._arxiv(path[len("/abs/") :])
        if path.startswith("/api/handles/"):
            return self._doi(path[len("/api/handles/") :])
        for prefix in ("/files/", "/moved/", "/nohead/"):
            if path.startswith(prefix):
                return self._pdf(prefix, path[len(prefix) :])
        self._json({"message": "Not Found"}, 404)

    def _hidden(self, repo: GHRepo) -> bool:
        auth = self.headers.get("Authorization", "")
        return repo.private and not (auth.startswith("Bearer ") and auth[7:] in repo.tokens)

    def _repo_route(self, repo: GHRepo | None, rest: str, qs) -> None:
        key = repo.full_name if repo is not None else None
        seg = rest.split("/")[1] if rest else ""
        route = {"commits": "commit", "git": "tree", "readme": "readme"}.get(seg, "repo")
        if self._fault(route, key):
            return
        if repo is None or self._hidden(repo):
            return self._json({"message": "Not Found"}, 404)
        sha = repo.sha()
        if not rest:
            lic = None
            if repo.license_spdx is not None:
                lic = {
                    "key": repo.license_spdx.lower(),
                    "name": f"{repo.license_spdx} License",
                    "spdx_id": repo.license_spdx,
                }
            return self._json(
                {
                    "id": repo.id,
                    "full_name": repo.full_name,
                    "private": repo.private,
                    "default_branch": repo.default_branch,
                    "license": lic,
                    "archived": repo.archived,
                    "html_url": f"https://github.com/{repo.full_name}",
                }
            )
        if rest.startswith("/commits/"):
            ref = rest[len("/commits/") :]
            if ref not in (repo.default_branch, sha):
                return self._json({"message": "No commit found for SHA"}, 422)
            if "vnd.github.sha" in self.headers.get("Accept", ""):
                return self._send(200, sha.encode(), {"Content-Type": "text/plain"})
            return self._json({"sha": sha})
        if rest.startswith("/git/trees/"):
            if rest[len("/git/trees/") :] != sha:
                return self._json({"message": "Not Found"}, 404)
            entries, dirs = [], set()
            for p in sorted(repo.files):
                parts = p.split("/")
                for i in range(1, len(parts)):
                    d = "/".join(parts[:i])
                    if d not in dirs:
                        dirs.add(d)
                        entries.append({"path": d, "type": "tree", "mode": "040000"})
                entries.append({"path": p, "type": "blob", "mode": "100644", "size": len(repo.files[p])})
            return self._json(
                {"sha": hashlib.sha1(sha.encode()).hexdigest(), "tree": entries, "truncated": repo.truncated}
            )
        if rest == "/readme":
            name = next((p for p in sorted(repo.files) if "/" not in p and p.lower().startswith("readme")), None)
            if name is None or (qs.get("ref") or [sha])[0] != sha:
                return self._json({"message": "Not Found"}, 404)
            return self._send(200, repo.files[name], {"Content-Type": "text/plain; charset=utf-8"})
        self._json({"message": "Not Found"}, 404)

    def _arxiv(self, arxiv_id: str) -> None:
        if self._fault("arxiv", arxiv_id):
            return
        if re.sub(r"v\d+$", "", arxiv_id) not in self.fake.arxiv:
            return self._send(404, b"<html>Article identifier not recognized</html>", {"Content-Type": "text/html"})
        self._send(200, f"<html>{arxiv_id}</html>".encode(), {"Content-Type": "text/html"})

    def _doi(self, doi: str) -> None:
        if self._fault("doi", doi):
            return
        if doi not in self.fake.dois:
            return self._json({"responseCode": 100, "handle": doi}, 404)
        self._json(
            {
                "responseCode": 1,
                "handle": doi,
                "values": [{"index": 1, "type": "URL", "data": {"format": "string", "value": self.fake.dois[doi]}}],
            }
        )

    def _pdf(self, prefix: str, name: str) -> None:
        if self._fault("pdf", name):
            return
        if name not in self.fake.pdfs:
            return self._send(404, b"not found")
        if prefix == "/moved/":
            return self._send(302, b"", {"Location": f"/files/{name}"})
        if prefix == "/nohead/" and self.command == "HEAD":
            return self._send(405, b"")
        body = self.fake.pdfs[name]
        if self.headers.get("Range") == "bytes=0-0":
            return self._send(
                206, body[:1], {"Content-Type": "application/pdf", "Content-Range": f"bytes 0-0/{len(body)}"}
            )
        self._send(200, body, {"Content-Type": "application/pdf"})


FakeGitHub.handler_class = _Handler
