"""Dataset repos for the fake Hub: GET /api/datasets/{id}[/revision/{rev}] (with ``expand``), the
route huggingface_hub's ``HfApi.dataset_info`` calls. Unknown and private ids answer 401
``RepoNotFound`` as the real Hub does; faults are injected as for model repos (route "info")."""
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
    parts = [unquote(p) for p in url.path[len("/api/datasets/"):].split("/") if p]
    ds = None
    for n in (2, 1):
        if "/".join(parts[:n]) in datasets:
            ds, rest = datasets["/".join(parts[:n])], parts[n:]
            break
    if ds is None or (ds.private and not handler._authorized(ds)):
        return handler._error(401, "RepoNotFound", "Repository not found")
    if rest and rest[0] != "revision":
        return handler._error(404, None, "Not found")
    f = handler._fault(ds, "info")
    if handler._apply_fault(f):
        return
    handler._json(expand_filter(ds.body(), parse_qs(url.query)), fault=f)
