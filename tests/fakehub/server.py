"""A fake Hugging Face Hub on 127.0.0.1 for offline tests: serves the API routes the real
huggingface_hub client calls, for fixture repos declared in Python, with fault injection.

Routes: GET /api/models?author=ORG, GET /api/models/{repo}[/revision/{rev}] (``expand`` honoured),
GET /api/datasets/{id} (fakehub/datasets.py; datasets with files also answer tree/revision/refs and
HEAD/GET /datasets/{id}/resolve/{rev}/{path}),
GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=, GET /api/models/{repo}/refs,
HEAD/GET /{repo}/resolve/{rev}/{path} (Range, X-Repo-Commit, ETag, X-Linked-Size/Etag).

Big files can be ``Virtual``: a real prefix (e.g. a safetensors header) and a declared size whose
remaining bytes are zeros generated on the fly, so a "3 GB" repo costs no memory.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from fakehub.content import Virtual, safetensors_bytes  # noqa: F401  (re-exported: tests import them from here)
from fakehub.datasets import expand_filter, find_dataset, serve_dataset
from fakehub.serving import LocalServer, RoutedHandler


@dataclass
class Fault:
    """Misbehaviour for matching requests: ``status`` (401/403/404/429/500...), ``delay`` seconds
    before answering, or ``truncate`` (declare the full length, send half, close). ``times``: how
    many matching requests it affects (None = all)."""

    route: str  # "info" | "tree" | "refs" | "resolve" | "list" | "*"
    path: str | None = None  # repo file path for "resolve" (None = any)
    status: int | None = None
    error_code: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    truncate: bool = False
    times: int | None = None
    hits: int = 0
    method: str | None = None  # "GET" or "HEAD" only (None = both)


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, bytes | Virtual]  # main branch content
    branches: dict[str, dict[str, bytes | Virtual]] = field(default_factory=dict)  # other branches
    tags: dict[str, str] = field(default_factory=dict)  # tag -> branch
    card_data: dict | None = None
    gated: str | bool = False  # False | "auto" | "manual": files need an allowed token
    private: bool = False  # everything needs an allowed token
    tokens: tuple[str, ...] = ()  # tokens granted access
    info: dict = field(default_factory=dict)  # extra model-info fields (library_name, tags, ...)
    faults: list[Fault] = field(default_factory=list)

    def all_branches(self) -> dict[str, dict[str, bytes | Virtual]]:
        return {"main": self.files, **self.branches}

    def sha_of(self, branch: str) -> str:
        h = hashlib.sha1(f"{self.repo_id}@{branch}".encode())
        for p, c in sorted(self.all_branches()[branch].items()):
            h.update(p.encode())
            h.update(_sha256(c).encode())
        return h.hexdigest()

    def resolve_rev(self, rev: str | None) -> str | None:
        """rev (branch, tag or sha) -> branch name."""
        rev = rev or "main"
        branches = self.all_branches()
        if rev in branches:
            return rev
        if rev in self.tags:
            return self.tags[rev]
        for b in branches:
            if self.sha_of(b) == rev:
                return b
        return None


def _size(c: bytes | Virtual) -> int:
    return c.size if isinstance(c, Virtual) else len(c)


def _sha256(c: bytes | Virtual) -> str:
    if isinstance(c, Virtual):
        return hashlib.sha256(c.prefix + str(c.size).encode() + c.suffix).hexdigest()  # stands in for the LFS oid
    return hashlib.sha256(c).hexdigest()


def _is_lfs(path: str, c: bytes | Virtual) -> bool:
    return isinstance(c, Virtual) or _size(c) > 10_000 or path.endswith((".safetensors", ".bin", ".gguf"))


def _blob_id(c: bytes | Virtual) -> str:
    data = c.prefix if isinstance(c, Virtual) else c
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


class FakeHub(LocalServer):
    """Start with ``start()`` (or ``with``); ``endpoint`` is the base URL; ``log`` lists every request."""

    def __init__(self, repos: list[FakeRepo] | None = None):
        self.repos: dict[str, FakeRepo] = {r.repo_id: r for r in (repos or [])}
        self.datasets: dict = {}  # id -> fakehub.datasets.FakeDataset
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, int]] = []  # (method, path, status)

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.repo_id] = repo
        return repo

    def add_dataset(self, ds):
        self.datasets[ds.repo_id] = ds
        return ds


_REPO_ROUTE = re.compile(r"^/api/models/(?P<rest>.+)$")


class _Handler(RoutedHandler):
    fake: FakeHub
    timeout = 30

    # --- plumbing -------------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict | None = None,
        *,
        fault: Fault | None = None,
        length: int | None = None,
    ) -> None:
        with self.fake.lock:
            self.fake.log.append((self.command, self.path, status))
        self.send_response(status)
        hdrs = {"Content-Type": "application/json"} if body[:1] in (b"{", b"[") else {}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            self.send_header(k, str(v))
        declared = len(body) if length is None else length
        self.send_header("Content-Length", str(declared))
        if fault is not None and fault.truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault is not None and fault.truncate:
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            return
        self.wfile.write(body)

    def _json(self, obj, status: int = 200, headers: dict | None = None, fault: Fault | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers, fault=fault)

    def _error(self, status: int, code: str | None = None, message: str = "error", retry_after=None) -> None:
        h = {}
        if code:
            h["X-Error-Code"] = code
        h["X-Error-Message"] = message
        if retry_after is not None:
            h["Retry-After"] = str(retry_after)
        self._json({"error": message}, status, h)

    def _fault(self, repo: FakeRepo, route: str, path: str | None = None) -> Fault | None:
        with self.fake.lock:
            for f in repo.faults:
                if f.route not in (route, "*") or (f.path is not None and f.path != path):
                    continue
                if f.method is not None and f.method != self.command:
                    continue
                if f.times is not None and f.hits >= f.times:
                    continue
                f.hits += 1
                return f
        return None

    def _apply_fault(self, f: Fault | None) -> bool:
        """Apply delay/status faults; True when the response was already sent."""
        if f is None:
            return False
        if f.delay:
            time.sleep(f.delay)
        if f.status is not None:
            self._error(f.status, f.error_code, f"injected {f.status}", f.retry_after)
            return True
        return False

    def _authorized(self, repo: FakeRepo) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in repo.tokens

    def _find_repo(self, parts: list[str]) -> tuple[FakeRepo | None, list[str]]:
        for n in (2, 1):
            rid = "/".join(parts[:n])
            if rid in self.fake.repos:
                return self.fake.repos[rid], parts[n:]
        return None, parts[2:]

    # --- routes ---------------------------------------------------------------------------
    def _route(self) -> None:
        url = urlsplit(self.path)
        qs = parse_qs(url.query)
        if url.path == "/api/models":
            return self._list(qs)
        if url.path.startswith("/api/datasets/"):
            return serve_dataset(self, self.fake.datasets)
        m = _REPO_ROUTE.match(url.path)
        if m:
            parts = [unquote(p) for p in m.group("rest").split("/")]
            repo, rest = self._find_repo(parts)
            if repo is None:
                return self._error(401, "RepoNotFound", "Repository not found")
            if repo.private and not self._authorized(repo):
                return self._error(401, "RepoNotFound", "Repository not found")
            if not rest or rest[0] == "revision":
                return self._info(repo, "/".join(rest[1:]) if rest else None, qs)
            if rest[0] == "tree":
                return self._tree(repo, rest[1] if len(rest) > 1 else "main", "/".join(rest[2:]), qs)
            if rest[0] == "refs":
                return self._refs(repo)
            return self._error(404, None, "Not found")
        parts = [unquote(p) for p in url.path.lstrip("/").split("/")]
        if parts[0] == "datasets":
            ds, rest = find_dataset(self.fake.datasets, parts[1:])
            if ds is None or not hasattr(ds, "all_branches") or (ds.private and not self._authorized(ds)):
                return self._error(401, "RepoNotFound", "Repository not found")
            if len(rest) >= 3 and rest[0] == "resolve":
                return self._resolve(ds, rest[1], "/".join(rest[2:]))
            return self._error(404, None, "Not found")
        repo, rest = self._find_repo(parts)
        if repo is not None and len(rest) >= 3 and rest[0] == "resolve":
            return self._resolve(repo, rest[1], "/".join(rest[2:]))
        return self._error(404, None, "Not found")

    def _list(self, qs) -> None:
        author = (qs.get("author") or [None])[0]
        out = []
        for r in sorted(self.fake.repos.values(), key=lambda r: r.repo_id):
            if r.private or (author and not r.repo_id.startswith(author + "/")):
                continue
            out.append(
                {
                    "id": r.repo_id,
                    "modelId": r.repo_id,
                    "sha": r.sha_of("main"),
                    "private": False,
                    "gated": r.gated,
                    "tags": r.info.get("tags", []),
                    "downloads": r.info.get("downloads", 0),
                }
            )
        self._json(out)

    def _info(self, repo: FakeRepo, rev: str | None, qs, kind: str = "model") -> None:
        f = self._fault(repo, "info")
        if self._apply_fault(f):
            return
        branch = repo.resolve_rev(rev)
        if branch is None:
            return self._error(404, "RevisionNotFound", "Invalid rev id")
        files = repo.all_branches()[branch]
        blobs = "blobs" in qs
        siblings = []
        for p, c in sorted(files.items()):
            s = {"rfilename": p}
            if blobs:
                s.update(size=_size(c), blobId=_blob_id(c))
                if _is_lfs(p, c):
                    s["lfs"] = {"sha256": _sha256(c), "size": _size(c), "pointerSize": 134}
            siblings.append(s)
        body = {
            "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0] if "/" in repo.repo_id else None,
            "sha": repo.sha_of(branch),
            "lastModified": "2024-01-02T03:04:05.000Z",
            "createdAt": "2023-01-02T03:04:05.000Z",
            "private": repo.private,
            "gated": repo.gated,
            "disabled": False,
            "downloads": 1234,
            "likes": 5,
            "tags": [],
            "cardData": repo.card_data,
            "siblings": siblings,
        }
        body.update(repo.info)
        if kind == "dataset":
            body.pop("modelId", None)
        if "securityStatus" in qs:
            body.setdefault("securityRepoStatus", {"scansDone": True, "filesWithIssues": []})
        self._json(expand_filter(body, qs), fault=f)

    def _tree(self, repo: FakeRepo, rev: str, prefix: str, qs) -> None:
        f = self._fault(repo, "tree")
        if self._apply_fault(f):
            return
        branch = repo.resolve_rev(unquote(rev))
        if branch is None:
            return self._error(404, "RevisionNotFound", "Invalid rev id")
        recursive = (qs.get("recursive") or ["false"])[0].lower() in ("true", "1")
        files = repo.all_branches()[branch]
        base = prefix.strip("/") + "/" if prefix.strip("/") else ""
        out, dirs = [], set()
        for p, c in sorted(files.items()):
            if not p.startswith(base):
                continue
            rel = p[len(base) :]
            segs = rel.split("/")
            for i in range(1, len(segs)):
                d = base + "/".join(segs[:i])
                if (recursive or i == 1) and d not in dirs:
                    dirs.add(d)
                    out.append({"type": "directory", "oid": hashlib.sha1(d.encode()).hexdigest(), "size": 0, "path": d})
            if not recursive and len(segs) > 1:
                continue
            e = {"type": "file", "oid": _blob_id(c), "size": _size(c), "path": p}
            if _is_lfs(p, c):
                e["lfs"] = {"oid": _sha256(c), "size": _size(c), "pointerSize": 134}
            out.append(e)
        self._json(out, fault=f)

    def _refs(self, repo: FakeRepo) -> None:
        f = self._fault(repo, "refs")
        if self._apply_fault(f):
            return
        br = [{"name": b, "ref": f"refs/heads/{b}", "targetCommit": repo.sha_of(b)} for b in repo.all_branches()]
        tg = [{"name": t, "ref": f"refs/tags/{t}", "targetCommit": repo.sha_of(b)} for t, b in repo.tags.items()]
        self._json({"branches": br, "converts": [], "tags": tg}, fault=f)

    def _resolve(self, repo: FakeRepo, rev: str, path: str) -> None:
        f = self._fault(repo, "resolve", path)
        if self._apply_fault(f):
            return
        if repo.gated and not self._authorized(repo):
            return self._error(
                403 if self.headers.get("Authorization") else 401, "GatedRepo", "Access to this model is restricted"
            )
        branch = repo.resolve_rev(rev)
        if branch is None:
            return self._error(404, "RevisionNotFound", "Invalid rev id")
        files = repo.all_branches()[branch]
        if path not in files:
            return self._error(404, "EntryNotFound", "Entry not found")
        c = files[path]
        size = _size(c)
        headers = {
            "X-Repo-Commit": repo.sha_of(branch),
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if _is_lfs(path, c):
            headers["ETag"] = f'"{_sha256(c)}"'
            headers["X-Linked-Etag"] = f'"{_sha256(c)}"'
            headers["X-Linked-Size"] = str(size)
        else:
            headers["ETag"] = f'"{_blob_id(c)}"'
        start, end = 0, size
        status = 200
        rng = self.headers.get("Range")
        if rng:
            m = re.match(r"^bytes=(\d+)-(\d*)$", rng.strip())
            if not m or int(m.group(1)) >= size:
                return self._send(416, b"", {"Content-Range": f"bytes */{size}"})
            start = int(m.group(1))
            end = min(size, int(m.group(2)) + 1) if m.group(2) else size
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        if end - start > 64 << 20:  # never stream gigabytes out of a test server
            return self._error(413, None, "fake hub refuses to send more than 64 MiB at once")
        body = c.read(start, end) if isinstance(c, Virtual) else c[start:end]
        self._send(status, body, headers, fault=f)


FakeHub.handler_class = _Handler
