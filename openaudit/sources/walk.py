"""Walk a local folder behind guards: symlinks never followed out of the allowed root, FIFOs/devices/
sockets listed but never opened, a file-count cap. Names keep the operating system's form (bytes that
are not UTF-8 as lone surrogates, so the real name round-trips); renderers and captures escape them.

Pruned (local folders only — a Hub listing or a cache snapshot is never pruned): folders no model
loader reads from — virtualenvs (a folder holding ``pyvenv.cfg``), VCS metadata (``.git``, ``.hg``,
``.svn``) and tool caches (``__pycache__``, ``node_modules``, ``.tox`` ...). They are named in one typed
``DIRS_SKIPPED`` note, which the pickle and remote-code verdicts carry as evidence.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from openaudit.base.text import terminal_safe as escape
from openaudit.model import Condition, Note

VCS_DIRS = frozenset({".git", ".hg", ".svn"})
CACHE_DIRS = frozenset(
    {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", "node_modules", ".tox", ".nox"}
)
PROGRESS_EVERY = 1000

Progress = Callable[[int], None]


@dataclass
class Item:
    rel: str  # posix path relative to the root (undecodable bytes kept as surrogate escapes)
    real: str | None  # path to open (None: never open)
    size: int | None
    kind: str
    blob_sha256: str | None = None


@dataclass
class Walk:
    items: list[Item] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (folder, why)


def within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _skip_reason(entry: os.DirEntry, name: str) -> str | None:
    if name in VCS_DIRS:
        return "version-control metadata"
    if name in CACHE_DIRS:
        return "tool cache"
    try:
        if stat.S_ISREG(os.lstat(os.path.join(entry.path, "pyvenv.cfg")).st_mode):
            return "virtualenv (holds pyvenv.cfg)"
    except OSError:
        pass
    return None


def walk(
    root: str, allowed_root: str, *, cache_layout: bool, max_files: int, prune: bool, progress: Progress | None = None
) -> Walk:
    out = Walk()
    allowed_real = os.path.realpath(allowed_root)
    stack: list[tuple[str, str]] = [(str(root), "")]
    count = 0
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.notes.append(
                Note(
                    Condition.FOLDER_UNLISTED,
                    f"folder {escape(prefix or '.')} could not be listed: {exc.strerror or exc}",
                    prefix or ".",
                )
            )
            continue
        subdirs = []
        for e in entries:
            name = e.name
            rel = f"{prefix}{name}"
            if count >= max_files:
                out.notes.append(
                    Note(
                        Condition.LISTING_CAPPED, f"more than {max_files} files: listing stopped at {escape(rel)}", rel
                    )
                )
                return out
            if escape(name) != name:
                out.notes.append(
                    Note(
                        Condition.BAD_NAME,
                        f"file name with control characters or bytes that are not UTF-8: {escape(rel)}",
                        rel,
                    )
                )
            try:
                st = os.lstat(e.path)
            except OSError as exc:
                out.notes.append(
                    Note(Condition.FILE_UNREADABLE, f"{escape(rel)} could not be read: {exc.strerror or exc}", rel)
                )
                continue
            if stat.S_ISDIR(st.st_mode):
                why = _skip_reason(e, e.name) if prune else None
                if why:
                    out.skipped.append((rel + "/", why))
                else:
                    subdirs.append((e.path, rel + "/"))
                continue
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
            if stat.S_ISLNK(st.st_mode):
                out.items.append(_symlink(e.path, rel, allowed_real, cache_layout, out.notes))
            elif stat.S_ISREG(st.st_mode):
                out.items.append(Item(rel, e.path, st.st_size, "file"))
            else:
                out.items.append(Item(rel, None, None, "special"))
                out.notes.append(
                    Note(
                        Condition.SPECIAL_FILE,
                        f"{escape(rel)} is a special file (FIFO, device or socket): listed, not opened",
                        rel,
                    )
                )
        stack.extend(reversed(subdirs))
    if out.skipped:
        shown = ", ".join(f"{escape(p)} ({why})" for p, why in out.skipped[:10])
        more = f" and {len(out.skipped) - 10} more" if len(out.skipped) > 10 else ""
        out.notes.append(
            Note(
                Condition.DIRS_SKIPPED,
                f"{len(out.skipped)} folder(s) no model loader reads from were not walked: {shown}{more}",
                out.skipped[0][0],
            )
        )
    return out


def _symlink(path: str, rel: str, allowed_real: str, cache_layout: bool, notes: list[Note]) -> Item:
    target = os.path.realpath(path)
    if not within(target, allowed_real):
        notes.append(
            Note(Condition.SYMLINK_SKIPPED, f"symlink {escape(rel)} points outside the folder: not followed", rel)
        )
        return Item(rel, None, None, "symlink")
    try:
        st = os.stat(target)
    except OSError:
        notes.append(Note(Condition.SYMLINK_SKIPPED, f"symlink {escape(rel)} is broken", rel))
        return Item(rel, None, None, "symlink")
    if stat.S_ISDIR(st.st_mode):
        notes.append(Note(Condition.SYMLINK_SKIPPED, f"symlink {escape(rel)} points to a folder: not followed", rel))
        return Item(rel, None, None, "symlink")
    if not stat.S_ISREG(st.st_mode):
        notes.append(Note(Condition.SPECIAL_FILE, f"symlink {escape(rel)} points to a special file: not opened", rel))
        return Item(rel, None, None, "special")
    if cache_layout:  # snapshots/<sha>/file -> ../../blobs/<hash>: the normal cache layout
        name = os.path.basename(target)
        return Item(rel, target, st.st_size, "file", name if re.fullmatch(r"[0-9a-f]{64}", name) else None)
    return Item(rel, target, st.st_size, "symlink")
