"""Dataset repos for the fake Hub: GET /api/datasets/{id}[/revision/{rev}] (with ``expand``), the
route huggingface_hub's ``HfApi.dataset_info`` calls. Unknown and private ids answer 401
``RepoNotFound`` as the real Hub does; faults are injected as for model repos (route "info").

A dataset *with files* is a ``fakehub.server.FakeRepo`` given to ``FakeHub.add_dataset``: it also
answers GET /api/datasets/{id}/tree/{rev}[/{path}], /api/datasets/{id}/refs and, through the
server, HEAD/GET /datasets/{id}/resolve/{rev}/{path} (Range, ETag, X-Repo-Commit, X-Linked-*),
with the same branches, tags, gating and faults as model repos."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class FakeDataset:
    repo_id: str
    card_data: dict | None = None  # e.g. {"license": "cc-by-4.0"}
    gated: str | bool = False  # False | "auto" | "manual" (metadata stays readable, as on the Hub)
    private: bool = False  # needs an allowed token
    disabled: bool = False
    tokens: tuple[str, ...] = ()
    faults: list = field(default_factory=list)  # fakehub.server.Fault, route "info"

    def body(self) -> dict:
        return {
            "_id": hashlib.md5(self.repo_id.encode()).hexdigest()[:24],
            "id": self.repo_id,
            "author": self.repo_id.split("/")[0] if "/" in self.repo_id else None,
            "sha": hashlib.sha1(self.repo_id.encode()).hexdigest(),
            "private": self.private,
            "gated": self.gated,
            "disabled": self.disabled,
            "downloads": 42,
            "likes": 1,
            "tags": [f"license:{self.card_data['license']}"] if self.card_data and "license" in self.card_data else [],
            "cardData": self.card_data,
            "lastModified": "2024-01-02T03:04:05.000Z",
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "data/train-00000-of-00001.parquet"}],
        }


def expand_filter(body: dict, qs: dict) -> dict:
    """With ``expand=a&expand=b`` the Hub returns only those fields (plus the ids)."""
    wanted = qs.get("expand")
    if not wanted:
        return body
    return {k: v for k, v in body.items() if k in ("_id", "id") or k in wanted}


def serve_dataset(handler, datasets: dict[str, FakeDataset]) -> None:
    url = urlsplit(handler.path)
    parts = [unquote(p) for p in url.path[len("/api/datasets/") :].split("/") if p]
    ds = None
    for n in (2, 1):
        if "/".join(parts[:n]) in datasets:
            ds, rest = datasets["/".join(parts[:n])], parts[n:]
            break
    if ds is None or (ds.private and not handler._authorized(ds)):
        return handler._error(401, "RepoNotFound", "Repository not found")
    if hasattr(ds, "all_branches"):  # a FakeRepo: a dataset repo with files
        return _serve_repo(handler, ds, rest, parse_qs(url.query))
    if rest and rest[0] != "revision":
        return handler._error(404, None, "Not found")
    f = handler._fault(ds, "info")
    if handler._apply_fault(f):
        return
    handler._json(expand_filter(ds.body(), parse_qs(url.query)), fault=f)


def _serve_repo(handler, repo, rest: list[str], qs: dict) -> None:
    if not rest or rest[0] == "revision":
        return handler._info(repo, "/".join(rest[1:]) if rest else None, qs, kind="dataset")
    if rest[0] == "tree":
        return handler._tree(repo, rest[1] if len(rest) > 1 else "main", "/".join(rest[2:]), qs)
    if rest[0] == "refs":
        return handler._refs(repo)
    return handler._error(404, None, "Not found")


def find_dataset(datasets: dict, parts: list[str]):
    """``parts`` after ``/datasets/`` -> (dataset, rest) or (None, [])."""
    for n in (2, 1):
        if "/".join(parts[:n]) in datasets:
            return datasets["/".join(parts[:n])], parts[n:]
    return None, []
