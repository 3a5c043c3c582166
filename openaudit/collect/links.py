"""What following the card's links found (``Snapshot.links``, filled online by the link-following
sources), as typed facts the collectors and probes use as stronger evidence than the card alone.

Only an OK lookup carries facts. Any other status (offline, not found, rate limited, error, skipped)
means "not observed": callers report ``not_available`` for what only the link could show, never a
negative verdict. A truncated repository tree cannot show that something is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openaudit.collect.common import repo_key, short
from openaudit.model import Evidence, LinkKind, LinkLookup, LinkStatus, Snapshot

CODE_ROLES = ("training", "preprocessing", "evaluation")


@dataclass(frozen=True)
class RepoLookup:
    """A linked code repository as followed (GitHub REST API: license, default-branch file tree)."""

    key: str  # repo_key of the repository ("github.com/owner/name")
    url: str
    status: LinkStatus
    full_name: str | None = None
    license_spdx: str | None = None
    commit_sha: str | None = None
    paths: dict[str, tuple[str, ...]] | None = None  # role -> code paths found; None when not observed
    truncated: bool = False
    evidence_url: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is LinkStatus.OK

    def has(self, role: str) -> bool | None:
        """True / False when the tree was observed (False only for a complete tree), None when not."""
        if not self.ok or self.paths is None:
            return None
        found = bool(self.paths.get(role))
        return True if found else (None if self.truncated else False)

    def evidence(self, role: str | None = None) -> Evidence:
        where = self.evidence_url or self.url
        if not self.ok:
            return Evidence(
                kind="url",
                url=self.url,
                snippet=short(
                    f"{self.url}: not followed ({self.status.value})" + (f": {self.detail}" if self.detail else ""), 200
                ),
            )
        name = self.full_name or self.key
        if role is None:
            what = f"license {self.license_spdx}" if self.license_spdx else "no license detected by GitHub"
            return Evidence(kind="api_field", field="license.spdx_id", url=where, snippet=short(f"{name}: {what}", 200))
        found = (self.paths or {}).get(role) or ()
        text = (
            f"{name}: {role} code: " + ", ".join(found[:4]) + (f" (+{len(found) - 4})" if len(found) > 4 else "")
            if found
            else f"{name}: no {role} code in the default-branch file tree"
            + (" (tree truncated)" if self.truncated else "")
        )
        return Evidence(kind="url", url=where, snippet=short(text, 240))


@dataclass(frozen=True)
class DatasetLookup:
    """A Hub dataset named by the card, as looked up (exists, gated, private, license)."""

    id: str
    status: LinkStatus
    exists: bool | None = None
    gated: Any = None
    private: bool | None = None
    license: Any = None
    evidence_url: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is LinkStatus.OK


def _paths(facts: dict[str, Any]) -> dict[str, tuple[str, ...]] | None:
    if not any(f"{r}_code" in facts for r in CODE_ROLES):
        return None
    out: dict[str, tuple[str, ...]] = {}
    for r in CODE_ROLES:
        v = facts.get(f"{r}_code")
        out[r] = tuple(str(x) for x in v) if isinstance(v, (list, tuple)) else (("(present)",) if v is True else ())
    return out


def _repo(lk: LinkLookup) -> RepoLookup:
    f = dict(lk.facts or {})
    name = f.get("full_name") if isinstance(f.get("full_name"), str) else None
    key = f"github.com/{name}".lower() if name else repo_key(lk.url)
    spdx = f.get("license_spdx") if isinstance(f.get("license_spdx"), str) and f.get("license_spdx") else None
    if spdx in ("NOASSERTION", "NONE"):
        spdx = None  # GitHub's "a license file it could not classify" / none
    return RepoLookup(
        key=key,
        url=lk.url,
        status=lk.status,
        full_name=name,
        license_spdx=spdx,
        commit_sha=f.get("commit_sha") if isinstance(f.get("commit_sha"), str) else None,
        paths=_paths(f) if lk.status is LinkStatus.OK else None,
        truncated=bool(f.get("truncated")),
        evidence_url=lk.evidence_url,
        detail=lk.detail,
    )


def repos(snapshot: Snapshot) -> dict[str, RepoLookup]:
    """Linked GitHub repositories by repo_key (also under the name they were redirected from)."""
    out: dict[str, RepoLookup] = {}
    for lk in snapshot.links:
        if lk.kind is not LinkKind.GITHUB_REPO:
            continue
        r = _repo(lk)
        keys = {r.key, repo_key(lk.url)}
        old = (lk.facts or {}).get("redirected_from")
        if isinstance(old, str) and old:
            keys.add(f"github.com/{old}".lower() if "/" in old and "://" not in old else repo_key(old))
        for k in keys:
            if k not in out or (r.ok and not out[k].ok):
                out[k] = r
    return out


def datasets(snapshot: Snapshot) -> dict[str, DatasetLookup]:
    """Hub datasets looked up, by dataset id."""
    out: dict[str, DatasetLookup] = {}
    for lk in snapshot.links:
        if lk.kind is not LinkKind.HUB_DATASET:
            continue
        f = dict(lk.facts or {})
        did = f.get("id") if isinstance(f.get("id"), str) else lk.url.rstrip("/").split("/datasets/", 1)[-1]
        out[did] = DatasetLookup(
            id=did,
            status=lk.status,
            exists=f.get("exists") if isinstance(f.get("exists"), bool) else None,
            gated=f.get("gated"),
            private=f.get("private") if isinstance(f.get("private"), bool) else None,
            license=f.get("license") if f.get("license") is not None else f.get("card_license"),
            evidence_url=lk.evidence_url,
        )
    return out
