"""Read a local folder (or a Hugging Face cache snapshot) into a Snapshot, behind guards:
symlinks never followed out of the allowed root, FIFOs/devices/sockets listed but never opened,
size/count caps, `.git/` skipped, nothing executed, unpickled or extracted."""
from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from openaudit.model import Condition, FileEntry, Note, Snapshot, Target
from openaudit.sources import select
from openaudit.base.formats import family_of
from openaudit.base.text import terminal_safe as escape

MAX_FILES = 100_000
TOTAL_HASH_CAP = 64 * select.MIB
_BLOB_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SKIP_DIRS = {".git", ".hg", ".svn"}


@dataclass
class _Item:
    rel: str
    real: str | None  # path to open (None: never open)
    size: int | None
    kind: str
    blob_sha256: str | None = None


@dataclass
class _Walk:
    items: list[_Item] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _walk(root: Path, allowed_root: Path, cache_layout: bool, max_files: int) -> _Walk:
    out = _Walk()
    root_real = os.path.realpath(root)
    allowed_real = os.path.realpath(allowed_root)
    stack: list[tuple[str, str]] = [(str(root), "")]
    count = 0
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.notes.append(Note(Condition.FOLDER_UNLISTED, f"folder {escape(prefix or '.')} could not be listed: {exc.strerror or exc}", prefix or "."))
            continue
        subdirs = []
        for e in entries:
            rel = f"{prefix}{e.name}"
            if count >= max_files:
                out.notes.append(Note(Condition.LISTING_CAPPED, f"more than {max_files} files: listing stopped at {escape(rel)}", rel))
                return out
            if escape(e.name) != e.name:
                out.notes.append(Note(Condition.BAD_NAME, f"file name with control characters: {escape(rel)}", rel))
            try:
                st = os.lstat(e.path)
            except OSError as exc:
                out.notes.append(Note(Condition.FILE_UNREADABLE, f"{escape(rel)} could not be read: {exc.strerror or exc}", rel))
                continue
            if stat.S_ISDIR(st.st_mode):
                if e.name in _SKIP_DIRS:
                    continue
                subdirs.append((e.path, rel + "/"))
                continue
            count += 1
            if stat.S_ISLNK(st.st_mode):
                out.items.append(_symlink(e.path, rel, root_real, allowed_real, cache_layout, out.notes))
            elif stat.S_ISREG(st.st_mode):
                out.items.append(_Item(rel, e.path, st.st_size, "file"))
            else:
                out.items.append(_Item(rel, None, None, "special"))
                out.notes.append(Note(Condition.SPECIAL_FILE, f"{escape(rel)} is a special file (FIFO, device or socket): listed, not opened", rel))
        stack.extend(reversed(subdirs))
    return out


def _symlink(path: str, rel: str, root_real: str, allowed_real: str, cache_layout: bool, notes: list[Note]) -> _Item:
    target = os.path.realpath(path)
    if not _within(target, allowed_real):
        notes.append(Note(Condition.SYMLINK_SKIPPED, f"symlink {escape(rel)} points outside the folder: not followed", rel))
        return _Item(rel, None, None, "symlink")
    try:
        st = os.stat(target)
    except OSError:
        notes.append(Note(Condition.SYMLINK_SKIPPED, f"symlink {escape(rel)} is broken", rel))
        return _Item(rel, None, None, "symlink")
    if stat.S_ISDIR(st.st_mode):
        notes.append(Note(Condition.SYMLINK_SKIPPED, f"symlink {escape(rel)} points to a folder: not followed", rel))
        return _Item(rel, None, None, "symlink")
    if not stat.S_ISREG(st.st_mode):
        notes.append(Note(Condition.SPECIAL_FILE, f"symlink {escape(rel)} points to a special file: not opened", rel))
        return _Item(rel, None, None, "special")
    if cache_layout:  # snapshots/<sha>/file -> ../../blobs/<hash>: the normal cache layout
        name = os.path.basename(target)
        return _Item(rel, target, st.st_size, "file", name if _BLOB_SHA256.match(name) else None)
    return _Item(rel, target, st.st_size, "symlink")


def _open_regular(path: str) -> int:
    """Open read-only without following a final symlink or blocking on a FIFO; refuse non-regular files."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(0, "not a regular file")
    return fd


def _read(path: str, n: int, offset: int = 0) -> bytes:
    fd = _open_regular(path)
    try:
        chunks, left = [], n
        while left > 0:
            b = os.pread(fd, min(left, 1 << 20), offset)
            if not b:
                break
            chunks.append(b)
            offset += len(b)
            left -= len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _sha256(path: str) -> str:
    fd = _open_regular(path)
    h = hashlib.sha256()
    try:
        while b := os.read(fd, 1 << 20):
            h.update(b)
    finally:
        os.close(fd)
    return h.hexdigest()


def safetensors_header(read, size: int | None, rel: str, notes: list[Note]) -> bytes | None:
    """Header bytes of a safetensors file via ``read(n, offset)``; None + a note when refused."""
    if size is not None and size < 8:
        notes.append(Note(Condition.HEADER_UNREADABLE, f"safetensors file {escape(rel)} is shorter than its 8-byte header length", rel))
        return None
    first = read(8, 0)
    if len(first) < 8:
        notes.append(Note(Condition.HEADER_UNREADABLE, f"safetensors file {escape(rel)} is shorter than its 8-byte header length", rel))
        return None
    n = int.from_bytes(first, "little")
    if n > select.SAFETENSORS_HEADER_CAP:
        notes.append(Note(Condition.HEADER_UNREADABLE, f"safetensors header of {escape(rel)} declares {n} bytes, over the "
                          f"{select.SAFETENSORS_HEADER_CAP // select.MIB} MiB cap: not read", rel))
        return None
    if size is not None and 8 + n > size:
        notes.append(Note(Condition.HEADER_UNREADABLE, f"safetensors header of {escape(rel)} declares {n} bytes, beyond the end of the file", rel))
        return None
    header = read(n, 8)
    if len(header) < n:
        notes.append(Note(Condition.HEADER_UNREADABLE, f"safetensors header of {escape(rel)} is truncated", rel))
        return None
    return header


def _scan(real: str, rel: str, scans: dict, notes: list[Note]) -> None:
    from openaudit.safety.pickles import scan_path  # loaded only when a folder holds pickle-family files

    try:
        scans[rel] = dict(scan_path(real))
    except Exception as exc:  # a scanner failure makes the file unscannable, never clean
        scans[rel] = {"status": "unscannable", "reason": " ".join(str(exc).split())[:200]}
        notes.append(Note(Condition.SCAN_INCOMPLETE, f"{escape(rel)} could not be scanned: {type(exc).__name__}", rel))


def read_folder(
    root: Path,
    target: Target,
    *,
    commit_sha: str | None = None,
    allowed_root: Path | None = None,
    cache_layout: bool = False,
    max_text_bytes: int = select.TOTAL_TEXT_CAP,
    max_files: int = MAX_FILES,
    refs: tuple[str, ...] = (),
    base_url: str | None = None,
    notes: tuple[Note, ...] = (),
) -> Snapshot:
    """List and read ``root``. Symlinks are followed only when they land inside ``allowed_root``
    (default: ``root``); ``cache_layout`` treats those as the cache's blob links (kind "file")."""
    walk = _walk(root, allowed_root or root, cache_layout, max_files)
    all_notes = list(notes) + walk.notes
    texts: dict[str, str] = {}
    headers: dict[str, bytes] = {}
    heads: dict[str, bytes] = {}
    scans: dict[str, dict] = {}
    hashed = 0
    files: list[FileEntry] = []
    readable = {it.rel: it for it in walk.items if it.real is not None}
    to_read, text_notes = select.plan_texts([(it.rel, it.size) for it in readable.values()], max_text_bytes)
    all_notes.extend(text_notes)
    for rel in to_read:
        it = readable[rel]
        try:
            data = _read(it.real, select.TEXT_FILE_CAP if it.size is None else it.size + 1)
        except OSError as exc:
            all_notes.append(Note(Condition.FILE_UNREADABLE, f"{escape(rel)} could not be read: {exc.strerror or exc}", rel))
            continue
        if it.size is not None and len(data) > it.size:
            all_notes.append(Note(Condition.TEXT_SKIPPED, f"{escape(rel)} grew while being read: not read", rel))
            continue
        text = select.decode_text(data)
        if text is None:
            all_notes.append(Note(Condition.TEXT_SKIPPED, f"{escape(rel)} is not decodable text (utf-8/utf-16): not read", rel))
        else:
            texts[rel] = text
    for it in walk.items:
        sha = it.blob_sha256
        if it.real is not None:
            fam = select.family(it.rel)
            try:
                if fam is None and select.needs_sniff(it.rel) and it.size:
                    fam = family_of(_read(it.real, select.SNIFF_BYTES + 262))
                if fam == "safetensors":
                    hdr = safetensors_header(lambda n, off, p=it.real: _read(p, n, off), it.size, it.rel, all_notes)
                    if hdr is not None:
                        headers[it.rel] = hdr
                    elif it.size:
                        # Not a readable safetensors file: judge it by its bytes, not its name.
                        heads[it.rel] = _read(it.real, select.HEAD_BYTES)
                        content = family_of(heads[it.rel])
                        if content in select.SCAN_FAMILIES:
                            fam = content
                elif fam in select.HEAD_FAMILIES and it.size:
                    heads[it.rel] = _read(it.real, select.HEAD_BYTES)
                if fam in select.SCAN_FAMILIES:
                    _scan(it.real, it.rel, scans, all_notes)
                if sha is None and it.size is not None and it.size <= select.HASH_CAP and hashed + it.size <= TOTAL_HASH_CAP:
                    sha = _sha256(it.real)
                    hashed += it.size
            except OSError as exc:
                all_notes.append(Note(Condition.FILE_UNREADABLE, f"{escape(it.rel)} could not be read: {exc.strerror or exc}", it.rel))
        files.append(FileEntry(path=it.rel, size=it.size, sha256=sha, lfs=it.blob_sha256 is not None, kind=it.kind))
    files.sort(key=lambda f: f.path)
    return Snapshot(
        target=target,
        commit_sha=commit_sha,
        files=tuple(files),
        texts=texts,
        safetensors_headers=headers,
        head_bytes=heads,
        refs=refs,
        offline=True,
        notes=tuple(all_notes),
        scans=scans,
        base_url=base_url,
    )
