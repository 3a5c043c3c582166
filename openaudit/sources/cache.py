"""The Hugging Face cache: where it is, whether a folder is one of its snapshots, and finding a
repo's snapshot offline (the layout huggingface_hub writes:
``<cache>/models--org--name/{refs/<ref>, snapshots/<sha>/..., blobs/<hash>}``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from openaudit.base.net.hub import hub_cache_dir, repo_folder
from openaudit.errors import OfflineMiss

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_REPO_DIR_RE = re.compile(r"^models--(.+)$")


@dataclass(frozen=True)
class CacheSnapshot:
    repo_id: str
    commit_sha: str
    snapshot_dir: Path
    repo_dir: Path  # models--org--name: blob symlinks may point anywhere inside it


def detect_cache_snapshot(folder: Path) -> CacheSnapshot | None:
    """``folder`` (or a folder inside it) is ``.../models--org--name/snapshots/<sha>`` -> its facts."""
    folder = folder.absolute()
    parts = folder.parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "snapshots" and i + 1 < len(parts) and i >= 1:
            m = _REPO_DIR_RE.match(parts[i - 1])
            if m and _SHA_RE.match(parts[i + 1]) and i + 2 == len(parts):
                repo_id = m.group(1).replace("--", "/")
                repo_dir = Path(*parts[:i])
                return CacheSnapshot(repo_id, parts[i + 1], folder, repo_dir)
    return None


def find_offline(repo_id: str, revision: str | None) -> CacheSnapshot:
    """The cached snapshot of ``repo_id`` at ``revision`` (a ref name or a commit sha), or OfflineMiss."""
    cache = hub_cache_dir()
    repo_dir = cache / repo_folder(repo_id, "model")
    rev = revision or "main"
    if not repo_dir.is_dir():
        raise OfflineMiss(f"{repo_id} is not in the Hugging Face cache at {cache}")
    sha: str | None = None
    if _SHA_RE.match(rev):
        sha = rev
    else:
        ref_file = repo_dir / "refs" / rev
        try:
            if ref_file.resolve().is_relative_to(repo_dir.resolve()) and ref_file.is_file():
                sha = ref_file.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            sha = None
    if sha is None or not _SHA_RE.match(sha):
        raise OfflineMiss(f"revision {rev!r} of {repo_id} is not in the Hugging Face cache at {cache}")
    snap = repo_dir / "snapshots" / sha
    if not snap.is_dir():
        raise OfflineMiss(f"commit {sha[:12]} of {repo_id} is not in the Hugging Face cache at {cache}")
    return CacheSnapshot(repo_id, sha, snap, repo_dir)
