"""Read a local folder (or a Hugging Face cache snapshot) into a Snapshot, behind guards (see
``sources.walk``): symlinks never followed out of the allowed root, FIFOs/devices/sockets listed but
never opened, size/count caps, folders no model loader reads pruned; nothing executed, unpickled or
extracted. Every regular file's first bytes are sniffed, whatever its name: what a pickle loader
could read (a pickle start, zip, tar, .npy, compressed stream) is scanned to the end."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path

from openaudit.base.formats import family_of, pickle_start
from openaudit.base.text import terminal_safe as escape
from openaudit.model import Condition, FileEntry, Note, ScanCode, Snapshot, Target
from openaudit.safety.results import unscannable
from openaudit.safety.roles import strict_name, wanted
from openaudit.sources import select
from openaudit.sources.walk import walk

# progress(done, total): total is None while the folder is being listed
Progress = Callable[[int, "int | None"], None]

MAX_FILES = 100_000  # read at call time: tests and embedders may lower it
TOTAL_HASH_CAP = 64 * select.MIB


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


def safetensors_header(
    read, size: int | None, rel: str, notes: list[Note], *, check_pickle: bool = True
) -> bytes | None:
    """Header bytes of a safetensors file via ``read(n, offset)``; None + a note when refused.
    ``check_pickle``: note (SCAN_INCOMPLETE) a file whose first bytes also start a pickle — a source
    that does not scan every file by its bytes (the Hub) cannot vouch for it."""
    if check_pickle and size:
        probe = read(min(size, SNIFF_FIRST), 0)
        if pickle_start(probe, whole=len(probe) >= size):
            notes.append(
                Note(
                    Condition.SCAN_INCOMPLETE,
                    f"{escape(rel)} is named like safetensors but its first bytes start a "
                    "pickle: not scanned as one here",
                    rel,
                )
            )
    got = _header(read, size, rel)
    if isinstance(got, str):
        notes.append(Note(Condition.HEADER_UNREADABLE, got, rel))
        return None
    return got


SNIFF_FIRST = 4096  # bytes a remote source checks for a pickle start (within its first range read)


def _header(read, size: int | None, rel: str) -> bytes | str:
    """The header bytes, or why they cannot be read."""
    if size is not None and size < 8:
        return f"safetensors file {escape(rel)} is shorter than its 8-byte header length"
    first = read(8, 0)
    if len(first) < 8:
        return f"safetensors file {escape(rel)} is shorter than its 8-byte header length"
    n = int.from_bytes(first, "little")
    if n > select.SAFETENSORS_HEADER_CAP:
        return (
            f"safetensors header of {escape(rel)} declares {n} bytes, over the "
            f"{select.SAFETENSORS_HEADER_CAP // select.MIB} MiB cap: not read"
        )
    if size is not None and 8 + n > size:
        return f"safetensors header of {escape(rel)} declares {n} bytes, beyond the end of the file"
    header = read(n, 8)
    if len(header) < n:
        return f"safetensors header of {escape(rel)} is truncated"
    return header


def _scan(real: str, rel: str, scans: dict, notes: list[Note]) -> None:
    from openaudit.safety.pickles import scan_path  # loaded only when a folder holds something to scan

    try:
        scans[rel] = dict(scan_path(real, strict=strict_name(rel)))
    except OSError as exc:
        scans[rel] = unscannable("unknown", ScanCode.READ_ERROR, f"could not be read: {exc.strerror or exc}")
        notes.append(Note(Condition.SCAN_INCOMPLETE, f"{escape(rel)} could not be scanned: {type(exc).__name__}", rel))
    except Exception as exc:  # a scanner failure makes the file unscannable, never clean
        scans[rel] = unscannable(
            "unknown", ScanCode.SCANNER_ERROR, " ".join(str(exc).split())[:200] or type(exc).__name__
        )
        notes.append(Note(Condition.SCAN_INCOMPLETE, f"{escape(rel)} could not be scanned: {type(exc).__name__}", rel))


def _needs_scan(rel: str, head: bytes, size: int | None) -> bool:
    return wanted(rel, head, whole=size is not None and len(head) >= size)


def read_folder(
    root: Path,
    target: Target,
    *,
    commit_sha: str | None = None,
    allowed_root: Path | None = None,
    cache_layout: bool = False,
    max_text_bytes: int = select.TOTAL_TEXT_CAP,
    max_files: int | None = None,
    refs: tuple[str, ...] = (),
    base_url: str | None = None,
    notes: tuple[Note, ...] = (),
    progress: Progress | None = None,
) -> Snapshot:
    """List and read ``root``. Symlinks are followed only when they land inside ``allowed_root``
    (default: ``root``); ``cache_layout`` treats those as the cache's blob links (kind "file") and
    never prunes (a cache snapshot mirrors a Hub listing). ``max_files`` defaults to ``MAX_FILES``."""
    listed = walk(
        str(root),
        str(allowed_root or root),
        cache_layout=cache_layout,
        max_files=MAX_FILES if max_files is None else max_files,
        prune=not cache_layout,
        progress=None if progress is None else (lambda n: progress(n, None)),
    )
    all_notes = list(notes) + listed.notes
    texts: dict[str, str] = {}
    headers: dict[str, bytes] = {}
    heads: dict[str, bytes] = {}
    scans: dict[str, dict] = {}
    hashed = 0
    files: list[FileEntry] = []
    readable = {it.rel: it for it in listed.items if it.real is not None}
    to_read, text_notes = select.plan_texts([(it.rel, it.size) for it in readable.values()], max_text_bytes)
    all_notes.extend(text_notes)
    for rel in to_read:
        it = readable[rel]
        try:
            data = _read(it.real, select.TEXT_FILE_CAP if it.size is None else it.size + 1)
        except OSError as exc:
            all_notes.append(
                Note(Condition.FILE_UNREADABLE, f"{escape(rel)} could not be read: {exc.strerror or exc}", rel)
            )
            continue
        if it.size is not None and len(data) > it.size:
            all_notes.append(Note(Condition.TEXT_SKIPPED, f"{escape(rel)} grew while being read: not read", rel))
            continue
        text = select.decode_text(data)
        if text is None:
            all_notes.append(
                Note(Condition.TEXT_SKIPPED, f"{escape(rel)} is not decodable text (utf-8/utf-16): not read", rel)
            )
        else:
            texts[rel] = text
    total = len(listed.items)
    for i, it in enumerate(listed.items, 1):
        if progress is not None and i % 1000 == 0:
            progress(i, total)
        sha = it.blob_sha256
        if it.real is not None:
            try:
                head = _read(it.real, select.HEAD_BYTES) if it.size else b""
                fam = select.family(it.rel)
                content = family_of(head) if head else None
                if fam == "safetensors":
                    hdr = safetensors_header(
                        lambda n, off, p=it.real: _read(p, n, off), it.size, it.rel, all_notes, check_pickle=False
                    )
                    if hdr is not None:
                        headers[it.rel] = hdr
                    elif head:
                        heads[it.rel] = head  # not a readable safetensors file: judged by its bytes
                elif head and (fam in select.HEAD_FAMILIES or content in select.HEAD_FAMILIES):
                    heads[it.rel] = head
                if _needs_scan(it.rel, head, it.size):
                    _scan(it.real, it.rel, scans, all_notes)
                if (
                    sha is None
                    and it.size is not None
                    and it.size <= select.HASH_CAP
                    and hashed + it.size <= TOTAL_HASH_CAP
                ):
                    sha = _sha256(it.real)
                    hashed += it.size
            except OSError as exc:
                all_notes.append(
                    Note(
                        Condition.FILE_UNREADABLE, f"{escape(it.rel)} could not be read: {exc.strerror or exc}", it.rel
                    )
                )
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
