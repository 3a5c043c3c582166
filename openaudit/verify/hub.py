"""Fetch a replay recipe and only the files it names from the Hugging Face Hub (through
``openaudit.base.net.hub``: into the Hugging Face cache, a cached commit makes no request). Errors map
to NetworkError / TargetNotFound / AuthError / OfflineMiss on the network layer's typed ``FailKind``."""

from __future__ import annotations

from pathlib import Path

from openaudit.base.net import FailKind, NetFailure
from openaudit.base.net import hub as hubnet
from openaudit.errors import AuthError, NetworkError, OfflineMiss, TargetNotFound
from openaudit.verify.recipe import Recipe, from_dict, read_yaml

RECIPE_FILES = ("recipe.yaml", "RECIPE.yaml", "recipe.yml")


def _download(
    repo_id: str, filename: str, revision: str | None = None, token: str | None = None, offline: bool = False
) -> Path | None:
    """The local path of ``filename`` (None when the repository has no such file)."""
    try:
        return hubnet.download(repo_id, filename, revision=revision, token=token, local_only=offline)
    except NetFailure as exc:
        f = exc.failure
        if f.kind is FailKind.ENTRY:
            return None
        if f.kind is FailKind.OFFLINE:
            raise OfflineMiss(f"{repo_id}: {filename} is not in the local Hugging Face cache (offline)") from None
        if f.kind is FailKind.GATED or (f.kind is FailKind.AUTH and f.status == 403):
            raise AuthError(f"{repo_id}: gated or access denied ({f.detail})") from None
        if f.kind in (FailKind.AUTH, FailKind.NOT_FOUND):
            raise TargetNotFound(f"{repo_id}: no such model on the Hub (or it is private)") from None
        if f.kind is FailKind.REVISION:
            raise TargetNotFound(f"{repo_id}: revision {revision!r} not found on the Hub") from None
        if f.kind in (FailKind.CONNECTION, FailKind.TIMEOUT):
            raise NetworkError(
                f"{repo_id}: {filename} is not in the local cache and the Hub cannot be reached ({f.detail})"
            ) from None
        raise NetworkError(f"{repo_id}: download of {filename} failed: {f.detail}") from None


def _load(path: Path) -> Recipe:
    """The recipe at ``path`` (a file of a cache snapshot), its relative paths resolved in that
    snapshot folder (not in the blob store its symlink points into)."""
    return from_dict(read_yaml(path), path.parent, str(path))


def fetch(repo_id: str, revision: str | None = None, token: str | None = None, offline: bool = False) -> Recipe:
    """Download the recipe, then the config, data, order, log and checkpoint files it references
    (``offline``: from the Hugging Face cache only)."""
    recipe_path = None
    for name in RECIPE_FILES:
        recipe_path = _download(repo_id, name, revision, token, offline)
        if recipe_path:
            break
    if recipe_path is None:
        raise TargetNotFound(f"{repo_id}: the repository has no recipe.yaml to replay")
    recipe = _load(recipe_path)
    wanted: list[str] = []
    cfg = (recipe.doc.get("model") or {}).get("config")
    if isinstance(cfg, str):
        wanted.append(cfg)
    data = recipe.get("data") or {}
    wanted += [data[k] for k in ("path", "order", "dataset") if data.get(k)]
    log = recipe.get("loss_log")
    if log:
        wanted.append(log if isinstance(log, str) else log["path"])
    ck = recipe.get("checkpoints")
    if ck:
        for step in ck.get("steps", []):
            wanted += [recipe.model_file(step), recipe.optimizer_file(step)]
    if recipe.get("final"):
        wanted.append(recipe.get("final")["path"])
    for rel in wanted:
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            continue  # never fetch outside the repository
        _download(repo_id, rel, revision, token, offline)  # absent files stay absent -> listed as missing
    return _load(recipe_path)
