"""Scan files statically for what pickle loaders would run — never unpickled, imported or extracted.

Public API (sources call these; results are ``openaudit.safety.results`` dicts):

* ``scan_path(path, strict=...)`` / ``scan_bytes(data, strict=...)`` / ``scan_ranged(size, read)``.

A file is judged by every way a loader can read its bytes, whatever its name: as a pickle stream
(``pickle.load``; torch's legacy loader reading several), a zip (torch checkpoints, ``.npz``), a tar
(``.nemo``, legacy torch tars), a ``.npy`` (object dtypes unpickle), a compressed stream (joblib) —
the worst reading wins. ``strict``: the file is a pickle by its role (a ``.bin``/``.pt``/``.pkl``...
name), so bytes nobody recognises are ``unscannable``; otherwise look-alike bytes that a real
unpickler rejects before anything callable are not a pickle (``None`` from ``scan_fileobj``).
Anything not scanned to the end (caps, budgets, constructs the model cannot follow, trailing bytes
that start a pickle) is ``unscannable`` — never ``clean``.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

from openaudit.base import formats
from openaudit.model import ScanCode, ScanStatus
from openaudit.safety.compressed import Prefixed, scan_compressed
from openaudit.safety.npy import scan_npy
from openaudit.safety.results import not_pickle, result, unscannable, worst
from openaudit.safety.roles import strict_name, wanted
from openaudit.safety.streams import scan_stream
from openaudit.safety.tars import scan_tar
from openaudit.safety.zips import Budget, OverBudget, scan_zip, scan_zip_ranged

MAX_STREAM_BYTES = 1 << 30  # bytes of one pickle stream walked at most
MAX_DEPTH = 4  # archives inside archives
NESTED_CAP = 256 * 1024 * 1024  # a nested archive needing random access is copied to memory up to this size
HEAD = 64 * 1024
_SAFE_FORMATS = ("safetensors", "gguf", "onnx", "hdf5")


def _pickle_view(
    f: BinaryIO, fmt: str = "pickle", *, cap: int = MAX_STREAM_BYTES, strict: bool = True, cut: bool = False
) -> dict[str, Any]:
    return scan_stream(f, fmt, cap=cap, strict=strict, cut=cut)


def scan_fileobj(
    f: BinaryIO,
    head: bytes,
    *,
    size: int | None,
    strict: bool,
    cut: bool = False,
    depth: int = 0,
    cap: int = MAX_STREAM_BYTES,
) -> dict[str, Any] | None:
    """Every reading of ``f`` (positioned at 0; ``head`` = its first bytes). None: nothing a loader
    unpickles (only for non-strict files)."""
    if depth > MAX_DEPTH:
        return unscannable("unknown", ScanCode.CAP_REACHED, f"archives nested deeper than {MAX_DEPTH} levels")
    if not head:
        return unscannable("unknown", ScanCode.EMPTY, "empty file") if strict else None
    whole = not cut and size is not None and len(head) >= size
    views: list[tuple[str, dict]] = []

    def view(fn: Callable[[], dict | None]) -> None:
        f.seek(0)
        got = fn()
        if got is not None:
            views.append(("", got))

    if formats.is_zip(head):
        view(lambda: scan_zip(f, scan_member, depth=depth, cut=cut))
    if formats.is_tar(head):
        view(lambda: scan_tar(f, scan_member, depth=depth, cut=cut))
    if head.startswith(b"\x93NUMPY"):
        view(lambda: scan_npy(f, _pickle_view, cut=cut))
    kind = formats.compression(head)
    if kind is not None:
        view(lambda: _compressed(f, kind, strict=strict, depth=depth, cut=cut))
    fmt = formats.sniff(head)
    if fmt in _SAFE_FORMATS:
        views.append(("", not_pickle(fmt, f"{fmt} file: holds no pickle")))
    if formats.pickle_start(head, whole) or (strict and not views):
        f.seek(0)
        pv = _pickle_view(f, cap=cap, strict=strict and not views, cut=cut)
        if strict and not views and pv["code"] == ScanCode.MALFORMED.value and pv.get("offset") == 0:
            pv = unscannable("unknown", ScanCode.UNKNOWN_FORMAT, "content is neither a pickle nor a known format")
        # A pickle prefix that runs nothing (no globals) beside a recognised format is that format.
        if pv["status"] != ScanStatus.NOT_PICKLE.value and not (
            views and pv["status"] == ScanStatus.CLEAN.value and not pv["globals"]
        ):
            views.append(("", pv))
    if not views:
        return None
    out = worst(None, views)
    if not strict and out["status"] == ScanStatus.NOT_PICKLE.value:
        return None
    return out


def _compressed(f: BinaryIO, kind: str, *, strict: bool, depth: int, cut: bool) -> dict | None:
    def inner(stream: BinaryIO, head: bytes, *, strict: bool, depth: int) -> dict | None:
        return scan_fileobj(stream, head, size=None, strict=strict, depth=depth + 1)

    got = scan_compressed(
        f,
        kind,
        strict=strict,
        depth=depth,
        cut=cut,
        scan_inner=inner,
        scan_tar=lambda s, depth, stream: scan_tar(s, scan_member, depth=depth + 1, stream=stream),
    )
    if (
        got is not None
        and not strict
        and got["status"] == ScanStatus.UNSCANNABLE.value
        and got["code"] == ScanCode.CORRUPT_CONTAINER.value
    ):
        return None  # a broken stream no loader decompresses is nothing it could unpickle
    return got


def scan_member(
    fo: BinaryIO, name: str, size: int | None, *, depth: int, seekable: bool, cap: int
) -> dict[str, Any] | None:
    """An archive member (or any inner stream), judged like a file: by its name's role and its bytes."""
    head = fo.read(HEAD)
    whole = size is not None and len(head) >= size
    if not wanted(name, head, whole):
        return None
    strict = strict_name(name)
    if size is not None and size > cap:
        return unscannable("unknown", ScanCode.CAP_REACHED, f"member larger than {cap} bytes")
    random_access = formats.is_zip(head) or formats.is_tar(head)
    if seekable:
        fo.seek(0)
        return scan_fileobj(fo, head, size=size, strict=strict, depth=depth, cap=cap)
    if random_access:
        if size is None or size > NESTED_CAP:
            return unscannable("unknown", ScanCode.CAP_REACHED, f"nested archive larger than {NESTED_CAP} bytes")
        data = head + fo.read(size - len(head) + 1)
        return scan_fileobj(io.BytesIO(data), head, size=len(data), strict=strict, depth=depth, cap=cap)
    return scan_fileobj(Prefixed(head, fo), head, size=size, strict=strict, depth=depth, cap=cap)  # type: ignore[arg-type]


def scan_bytes(data: bytes, *, strict: bool = True) -> dict[str, Any]:
    """Scan an in-memory file (any format). Never raises on bad content."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return unscannable("unknown", ScanCode.SCANNER_ERROR, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    got = _guard(lambda: scan_fileobj(io.BytesIO(data), data[:HEAD], size=len(data), strict=strict))
    return got if got is not None else not_pickle("unknown", "nothing a pickle loader runs")


def scan_path(path: str | os.PathLike, *, strict: bool | None = None) -> dict[str, Any]:
    """Scan a file on disk by streaming it (never read whole, never executed). ``strict`` defaults to
    the file name's role. Raises OSError only when the file cannot be opened."""
    if strict is None:
        strict = strict_name(os.fspath(path))
    with open(path, "rb") as f:
        head = f.read(HEAD)
        size = os.fstat(f.fileno()).st_size
        f.seek(0)
        got = _guard(lambda: scan_fileobj(f, head, size=size, strict=bool(strict)))
    return got if got is not None else not_pickle("unknown", "nothing a pickle loader runs")


def scan_ranged(
    size: int, read: Callable[[int, int], bytes], *, budget: int = 4 * 1024 * 1024, strict: bool = True
) -> dict[str, Any]:
    """Scan a remote file through ``read(offset, length) -> bytes`` (HTTP range requests), reading at
    most ``budget`` bytes. Zips: the central directory, then the members; other files: the first
    ``budget`` bytes. A scan the window cannot finish has code BUDGET (``unscannable``)."""
    if not isinstance(size, int) or size <= 0:
        return unscannable("unknown", ScanCode.EMPTY, "unknown or empty file size")
    b = Budget(read, size, budget)

    def run() -> dict[str, Any] | None:
        head = b.get(0, min(size, 64))
        if formats.is_zip(head) and size > 64:
            return scan_zip_ranged(b, scan_member)
        n = min(size, b.left + 64) - 64
        data = head + (b.get(64, n) if n > 0 else b"")
        return scan_fileobj(io.BytesIO(data), data[:HEAD], size=size, strict=strict, cut=len(data) < size)

    try:
        got = _guard(run)
    except OverBudget as exc:
        return unscannable("unknown", ScanCode.BUDGET, str(exc))
    return got if got is not None else not_pickle("unknown", "nothing a pickle loader runs")


def _guard(fn: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    try:
        return fn()
    except OverBudget:
        raise
    except (RecursionError, MemoryError, ValueError, EOFError, struct.error, KeyError, IndexError, OSError) as exc:
        msg = " ".join(str(exc).split())[:160]
        code = (
            ScanCode.READ_ERROR
            if isinstance(exc, OSError) and not isinstance(exc, io.UnsupportedOperation)
            else ScanCode.SCANNER_ERROR
        )
        return unscannable("unknown", code, f"scan failed: {type(exc).__name__}: {msg}")


__all__ = ["result", "scan_bytes", "scan_fileobj", "scan_member", "scan_path", "scan_ranged"]
