"""Hub dataset repos as benchmark or training sources (huggingface_hub, cache-aware).

``hf_hub_download`` keeps files in the Hugging Face cache, so a second run (or ``HF_HUB_OFFLINE=1``)
reads them from there. File selection is a pure function, ``select_data_files``.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from openaudit.errors import AuthError, InvalidInput, NetworkError, OfflineMiss

_REPO_ID = re.compile(r"^(hf://datasets/)?[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}(@[\w./-]+)?$")
DATA_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".csv", ".zst", ".txt", ".ndjson")
SPLIT_PREFERENCE = {"benchmark": ("test", "validation", "dev", "val"), "train": ("train",)}


_FILE_SUFFIXES = DATA_SUFFIXES + (".json", ".tsv", ".gz", ".md")


def looks_like_repo_id(spec: str) -> bool:
    """``org/name`` (optionally ``hf://datasets/`` and ``@revision``) that is not a file-like path."""
    if spec.startswith(("./", "../", "/", "~")) or spec.lower().endswith(_FILE_SUFFIXES):
        return False
    return bool(_REPO_ID.match(spec))


def strip_prefix(spec: str) -> str:
    return spec[len("hf://datasets/"):] if spec.startswith("hf://datasets/") else spec


def _split_of(path: str) -> str | None:
    parts = PurePosixPath(path).parts
    stem = PurePosixPath(path).name.lower()
    for split in ("train", "test", "validation", "dev", "val"):
        if any(p.lower() == split for p in parts[:-1]) or re.match(rf"^{split}([-_.]|$)", stem):
            return split
    return None


def select_data_files(files: list[str], role: str, config: str | None = None) -> list[str]:
    """The data files of a dataset repo to read for ``role`` ("benchmark" or "train").

    Only data formats openaudit reads; README/scripts are never chosen (a loading script is
    never executed). A benchmark takes its first available split of test > validation > dev; the
    training side takes the train split, or every data file when the repo names no split.
    """
    data = sorted(f for f in files if f.lower().endswith(DATA_SUFFIXES) and not PurePosixPath(f).name.startswith("."))
    if config:
        data = [f for f in data if config in PurePosixPath(f).parts[:-1] or PurePosixPath(f).name.startswith(config)]
    if not data:
        return []
    by_split: dict[str | None, list[str]] = {}
    for f in data:
        by_split.setdefault(_split_of(f), []).append(f)
    for split in SPLIT_PREFERENCE[role]:
        if split in by_split:
            return by_split[split]
    if role == "train" or set(by_split) == {None}:
        return data if role == "train" else by_split.get(None, [])
    return []


def dataset_files(spec: str, *, role: str) -> list[tuple[str, str]]:
    """Download (or find in the cache) the selected files of a Hub dataset: [(local path, repo path)]."""
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    repo = strip_prefix(spec)
    revision = None
    if "@" in repo:
        repo, revision = repo.split("@", 1)
    try:
        files = HfApi().list_repo_files(repo, repo_type="dataset", revision=revision)
    except (GatedRepoError,) as exc:
        raise AuthError(f"{repo}: gated dataset ({type(exc).__name__})") from None
    except RepositoryNotFoundError:
        raise InvalidInput(f"{spec}: no such file, folder or Hub dataset") from None
    except RevisionNotFoundError:
        raise InvalidInput(f"{spec}: no such revision of the Hub dataset") from None
    except LocalEntryNotFoundError:
        raise OfflineMiss(f"{repo}: offline and not in the local Hugging Face cache") from None
    except (OSError, HfHubHTTPError) as exc:
        raise NetworkError(f"{repo}: could not list the dataset files ({type(exc).__name__})") from None
    chosen = select_data_files(files, role)
    if not chosen:
        raise InvalidInput(f"{repo}: the dataset holds no readable data files for the {role} side")
    out = []
    for name in chosen:
        try:
            local = hf_hub_download(repo, name, repo_type="dataset", revision=revision)
        except LocalEntryNotFoundError:
            raise OfflineMiss(f"{repo}/{name}: offline and not in the local Hugging Face cache") from None
        except (OSError, HfHubHTTPError) as exc:
            raise NetworkError(f"{repo}/{name}: download failed ({type(exc).__name__})") from None
        out.append((local, name))
    return out
