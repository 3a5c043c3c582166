"""Fetch a replay recipe and only the files it names from the Hugging Face Hub (hf_hub_download).
Not exercised offline; errors map to NetworkError / TargetNotFound / AuthError."""
from __future__ import annotations

from pathlib import Path

from openaudit.errors import AuthError, NetworkError, TargetNotFound
from openaudit.verify.recipe import Recipe, load_recipe

RECIPE_FILES = ("recipe.yaml", "RECIPE.yaml", "recipe.yml")


def _download(repo_id: str, filename: str, revision: str | None = None, token: str | None = None,
              offline: bool = False) -> Path | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        return Path(hf_hub_download(repo_id, filename, revision=revision, token=token, local_files_only=offline))
    except LocalEntryNotFoundError:
        raise NetworkError(f"{repo_id}: {filename} is not in the local cache and the Hub cannot be reached") from None
    except EntryNotFoundError:
        return None
    except GatedRepoError as exc:
        raise AuthError(f"{repo_id}: gated repository ({type(exc).__name__})") from None
    except RepositoryNotFoundError:
        raise TargetNotFound(f"{repo_id}: no such model on the Hub (or it is private)") from None
    except OSError as exc:
        raise NetworkError(f"{repo_id}: download of {filename} failed: {' '.join(str(exc).split())[:160]}") from None


def fetch(repo_id: str, revision: str | None = None, token: str | None = None, offline: bool = False) -> Recipe:
    """Download the recipe, then the config, data, order, log and checkpoint files it references."""
    recipe_path = None
    for name in RECIPE_FILES:
        recipe_path = _download(repo_id, name, revision, token, offline)
        if recipe_path:
            break
    if recipe_path is None:
        raise TargetNotFound(f"{repo_id}: the repository has no recipe.yaml to replay")
    recipe = load_recipe(recipe_path)
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
    return load_recipe(recipe_path)
