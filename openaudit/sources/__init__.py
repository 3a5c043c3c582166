"""openaudit.sources: turn a TARGET (Hub id, local folder, HF cache snapshot, capture folder) into a
Snapshot. ``resolve`` is the one entry point the rest of openaudit calls."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path

from openaudit.base.net import Meter
from openaudit.base.text import terminal_safe
from openaudit.errors import TargetNotFound, UsageError
from openaudit.model import Condition, NetworkStats, Note, Snapshot, SourceKind, Target
from openaudit.sources import capture as cap
from openaudit.sources import select
from openaudit.sources.cache import detect_cache_snapshot, find_offline
from openaudit.sources.local import read_folder

__all__ = ["is_offline", "looks_like_repo_id", "resolve", "token_or_env"]

# Hub repo ids: "name" or "org/name"; letters, digits, "-", "_", "."; no "--" or ".." (huggingface_hub rules).
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][\w.\-]{0,95}/)?[A-Za-z0-9][\w.\-]{0,95}$")
DEFAULT_TIMEOUT = 10.0


def looks_like_repo_id(s: str) -> bool:
    return bool(_REPO_ID.match(s)) and "--" not in s and ".." not in s and not s.endswith((".", "-"))


def is_offline(offline: bool = False) -> bool:
    """``offline`` or HF_HUB_OFFLINE (read now, not at import)."""
    return offline or os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE")


def token_or_env(token: str | None = None) -> str | None:
    """``token``, else HF_TOKEN (read now); None when neither is set."""
    return token or os.environ.get("HF_TOKEN") or None


def _looks_like_path(s: str) -> bool:
    return (
        s.startswith((".", "/", "~")) or "\\" in s or s.endswith("/") or s.count("/") > 1 or not looks_like_repo_id(s)
    )


def resolve(
    target: str,
    *,
    revision: str | None = None,
    offline: bool = False,
    token: str | None = None,
    max_text_bytes: int = select.TOTAL_TEXT_CAP,
    timeout: float = DEFAULT_TIMEOUT,
    capture: bool = False,
    max_files: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    follow_links: bool | None = None,
) -> Snapshot:
    """Resolve ``target`` to a Snapshot.

    * an existing folder -> local (SourceKind.LOCAL) or a HF cache snapshot folder (SourceKind.CACHE,
      id "org/name", commit sha from the folder name);
    * with ``capture``: a folder written by ``openaudit snapshot``, read back as captured (checked
      against its files; ``target.path`` names the capture folder). Without it a capture manifest is
      just a file of the folder (the audited repository never configures its own audit);
    * otherwise a Hub repo id -> the Hub, or the HF cache when offline (``offline`` or HF_HUB_OFFLINE=1).

    ``max_files`` caps a local listing (default ``sources.local.MAX_FILES``); ``progress(done, total)``
    is called during long local walks.

    ``follow_links``: follow the card's links (GitHub repositories, Hub datasets and models, papers)
    into ``Snapshot.links``. None (default): for Hub targets read online only; True: also for local
    folders and cache snapshots; False: never. Offline, links are never followed; a capture keeps
    the links it captured."""
    if not isinstance(target, str) or not target.strip():
        raise UsageError("no target given")
    if "\x00" in target:
        raise UsageError("the target contains a NUL character")
    if timeout <= 0 or max_text_bytes < 0:
        raise UsageError("timeout must be positive and max_text_bytes non-negative")
    p = Path(os.path.expanduser(target))
    if capture:
        if not p.is_dir() or not (p / cap.MANIFEST).exists():
            raise UsageError(
                f"--capture: {terminal_safe(target)} is not a capture folder written by `openaudit snapshot`"
            )
        snap = cap.read_capture(p)
        return dataclasses.replace(snap, target=dataclasses.replace(snap.target, path=str(p)))
    if p.exists():
        if not p.is_dir():
            raise TargetNotFound(f"{terminal_safe(target)} is a file, not a model folder")
        snap = _from_folder(p, revision, max_text_bytes, max_files=max_files, progress=progress)
        if follow_links and not is_offline(offline):
            snap = _with_links(snap, token, timeout)
        return snap
    if _looks_like_path(target):
        raise TargetNotFound(f"{terminal_safe(target)}: no such folder, and not a Hub repo id")
    if is_offline(offline):
        snap = find_offline(target, revision)
        return _from_cache(
            snap,
            revision,
            max_text_bytes,
            notes=(
                Note(Condition.OFFLINE, "offline: read from the Hugging Face cache; Hub API fields are not available"),
            ),
        )
    from openaudit.sources.hub import read_hub

    return read_hub(
        target,
        revision=revision,
        token=token,
        max_text_bytes=max_text_bytes,
        timeout=timeout,
        follow_links=follow_links is not False,
    )


def _with_links(snap: Snapshot, token: str | None, timeout: float) -> Snapshot:
    """``snap`` with the links of its card followed (a local folder or cache snapshot, on request)."""
    from openaudit.sources.follow import follow_card_links

    notes = list(snap.notes)
    with Meter(timeout) as meter:
        links = follow_card_links(
            snap.texts.get("README.md"),
            None,
            meter=meter,
            notes=notes,
            token=token_or_env(token),
            self_id=snap.target.id if snap.target.source is SourceKind.CACHE else None,
        )
    network = NetworkStats(requests=snap.network.requests + meter.requests, bytes=snap.network.bytes + meter.bytes)
    return dataclasses.replace(snap, links=links, network=network, notes=tuple(notes))


def _from_folder(
    p: Path,
    revision: str | None,
    max_text_bytes: int,
    *,
    max_files: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Snapshot:
    cs = detect_cache_snapshot(p)
    if cs is not None:
        return _from_cache(cs, revision, max_text_bytes)
    notes: tuple[Note, ...] = ()
    if os.path.lexists(p / cap.MANIFEST):
        notes = (
            Note(
                Condition.CAPTURE_IGNORED,
                f"{cap.MANIFEST} found: audited as a plain folder "
                "(pass --capture to read a capture written by `openaudit snapshot`)",
                cap.MANIFEST,
            ),
        )
    name = p.resolve().name or str(p)
    return read_folder(
        p,
        Target(id=name, source=SourceKind.LOCAL, revision=revision, path=str(p)),
        max_text_bytes=max_text_bytes,
        max_files=max_files,
        progress=progress,
        notes=notes,
    )


def _from_cache(cs, revision: str | None, max_text_bytes: int, notes: tuple[Note, ...] = ()) -> Snapshot:
    refs = _cache_refs(cs.repo_dir)
    target = Target(id=cs.repo_id, source=SourceKind.CACHE, revision=revision, path=str(cs.snapshot_dir))
    return read_folder(
        cs.snapshot_dir,
        target,
        commit_sha=cs.commit_sha,
        allowed_root=cs.repo_dir,
        cache_layout=True,
        max_text_bytes=max_text_bytes,
        refs=refs,
        base_url=f"{_endpoint()}/{cs.repo_id}",
        notes=notes
        + (Note(Condition.CACHE_PARTIAL, "cache snapshot: only the files downloaded into the cache are present"),),
    )


def _endpoint() -> str:
    """HF_ENDPOINT without importing huggingface_hub (kept off the local-folder path)."""
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _cache_refs(repo_dir: Path) -> tuple[str, ...]:
    refs_dir = repo_dir / "refs"
    if not refs_dir.is_dir() or refs_dir.is_symlink():
        return ()
    out = []
    for dirpath, _dirnames, filenames in os.walk(refs_dir):
        rel = os.path.relpath(dirpath, refs_dir)
        if rel.split(os.sep)[0] == "pr":
            continue
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend(prefix + f for f in filenames)
    return tuple(sorted(out))
