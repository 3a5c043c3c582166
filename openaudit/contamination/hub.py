"""Hub dataset repos as benchmark or training sources (through ``openaudit.base.net.hub``, cache-aware).

Downloads keep files in the Hugging Face cache, so a second run (or ``HF_HUB_OFFLINE=1``) reads them
from there. File selection is a pure function, ``select_data_files``. Failures are decided on the
network layer's typed ``FailKind``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from openaudit.base.files import write_atomic
from openaudit.base.net import FailKind, NetFailure
from openaudit.base.net import hub as hubnet
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
    return spec.removeprefix("hf://datasets/")


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


_HINT_PRIVATE = "check the dataset id; a private dataset needs HF_TOKEN (or `huggingface-cli login`)"
HINT_OFFLINE = (
    "the dataset is not in the local Hugging Face cache: run the same command once online (without --offline "
    "or HF_HUB_OFFLINE=1) to cache it, or download its data files and pass their local path"
)


def _cached_snapshot(repo: str, revision: str | None) -> tuple[str, list[str]] | None:
    """(commit, files) of the cached snapshot of a dataset at ``revision`` (default main), else None."""
    root = os.path.join(hubnet.hub_cache_dir(), hubnet.repo_folder(repo, "dataset"))
    rev = revision or "main"
    commit = rev
    ref = os.path.join(root, "refs", *rev.split("/"))
    if os.path.isfile(ref):
        with open(ref, encoding="utf-8") as fh:
            commit = fh.read().strip()
    snap = os.path.join(root, "snapshots", commit)
    if not re.fullmatch(r"[0-9a-f]{40}", commit) or not os.path.isdir(snap):
        return None
    files = []
    for dirpath, _dirs, names in os.walk(snap):
        for n in names:
            full = os.path.join(dirpath, n)
            if os.path.isfile(full):  # a dangling link (blob removed) is not a cached file
                files.append(os.path.relpath(full, snap).replace(os.sep, "/"))
    return commit, sorted(files)


def _remember_ref(repo: str, revision: str | None, commit: str) -> None:
    """Record ``revision -> commit`` in the cache as huggingface_hub does (refs/<revision>), so that
    offline runs find the snapshot: files are downloaded by commit, which writes no ref."""
    rev = revision or "main"
    if rev == commit:
        return
    ref = os.path.join(hubnet.hub_cache_dir(), hubnet.repo_folder(repo, "dataset"), "refs", *rev.split("/"))
    try:
        if os.path.isfile(ref):
            with open(ref, encoding="utf-8") as fh:
                if fh.read().strip() == commit:
                    return
        os.makedirs(os.path.dirname(ref), exist_ok=True)
        write_atomic(Path(ref), commit)
    except OSError:  # a read-only cache still works online; offline runs then miss it
        pass


def _from_cache(repo: str, revision: str | None, why: str) -> tuple[str, list[str]]:
    cached = _cached_snapshot(repo, revision)
    if cached is None:
        if why == "offline":
            raise OfflineMiss(f"{repo}: offline and the dataset is not in the local Hugging Face cache", HINT_OFFLINE)
        raise NetworkError(f"{repo}: could not reach the Hub ({why}) and the dataset is not in the local cache")
    return cached


def list_dataset(spec: str) -> tuple[str, str, list[str]]:
    """(repo id, commit sha, every file path) of a Hub dataset; from the cache when offline or when
    the Hub cannot be reached. The commit is pinned first, so every shard is then read from that one commit."""
    repo = strip_prefix(spec)
    revision = None
    if "@" in repo:
        repo, revision = repo.split("@", 1)
    if hubnet.offline_mode():
        commit, files = _from_cache(repo, revision, "offline")
        return repo, commit, files
    try:
        commit, files = hubnet.dataset_listing(repo, revision)
    except NetFailure as exc:
        f = exc.failure
        if f.kind is FailKind.OFFLINE:
            commit, files = _from_cache(repo, revision, "offline")
        elif f.kind in (FailKind.CONNECTION, FailKind.TIMEOUT):
            commit, files = _from_cache(repo, revision, f.detail)
        elif f.kind is FailKind.GATED:
            raise AuthError(f"{repo}: gated dataset; accept its terms on the Hub and pass a token") from None
        elif f.kind is FailKind.REVISION:
            raise InvalidInput(f"{spec}: no such revision of the Hub dataset {repo}") from None
        elif f.kind is FailKind.NOT_FOUND or (f.kind is FailKind.AUTH and f.status == 401):
            raise InvalidInput(
                f"{spec}: no such file, folder or Hub dataset (or it is private)", _HINT_PRIVATE
            ) from None
        elif f.kind is FailKind.AUTH:
            raise AuthError(f"{repo}: access to the dataset refused (HTTP {f.status})") from None
        else:
            raise NetworkError(f"{repo}: could not list the dataset files ({f.detail})") from None
    else:
        _remember_ref(repo, revision, commit)
    return repo, commit, files


def fetch(repo: str, name: str, commit: str) -> str:
    """Local path of one dataset file at ``commit``: from the Hugging Face cache, else downloaded
    into it (an already cached commit makes no request at all)."""
    try:
        return str(hubnet.download(repo, name, repo_type="dataset", revision=commit))
    except NetFailure as exc:
        f = exc.failure
        if f.kind is FailKind.GATED:
            raise AuthError(f"{repo}/{name}: gated dataset; accept its terms on the Hub and pass a token") from None
        if f.kind in (FailKind.ENTRY, FailKind.NOT_FOUND):
            raise InvalidInput(f"{repo}/{name}: the file is not in the dataset at {commit[:12]}") from None
        if f.kind is FailKind.OFFLINE:
            raise OfflineMiss(f"{repo}/{name}: offline and not in the local Hugging Face cache", HINT_OFFLINE) from None
        if f.kind is FailKind.AUTH:
            raise AuthError(f"{repo}/{name}: download refused (HTTP {f.status})") from None
        raise NetworkError(
            f"{repo}/{name}: download failed ({f.detail}) and the file is not in the local cache"
        ) from None


def dataset_shards(spec: str, *, role: str) -> tuple[str, str, list[str]]:
    """(repo, commit, selected file names) of a Hub dataset for ``role``; nothing is downloaded."""
    repo, commit, files = list_dataset(spec)
    chosen = select_data_files(files, role)
    if not chosen:
        raise InvalidInput(f"{repo}: the dataset holds no readable data files for the {role} side")
    return repo, commit, chosen


def dataset_files(spec: str, *, role: str) -> list[tuple[str, str]]:
    """Download (or find in the cache) the selected files of a Hub dataset: [(local path, repo path)]."""
    repo, commit, chosen = dataset_shards(spec, role=role)
    return [(fetch(repo, name, commit), name) for name in chosen]
