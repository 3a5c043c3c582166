"""Pickle streams as the loaders read them.

* ``pickle.load`` / ``numpy.load(allow_pickle=True)`` / ``joblib.load`` read one pickle; a loader
  that reads pickle after pickle reads on from its end.
* ``torch.load`` on a legacy (non-zip, non-tar) file reads a first pickle and, when it is the magic
  number, a protocol-version pickle, a sys-info pickle, the data pickle and a storage-keys pickle —
  then raw storage bytes that are never unpickled.
* a legacy torch *tar* holds ``storages`` and ``tensors`` members that interleave pickles with raw
  records (``scan_legacy_member``) and a ``pickle`` member.

After the pickles a loader reads, the remaining bytes are data only when no loader can read them as
a pickle: their first opcode is invalid, or they stop (definitively, as a real unpickler would)
before naming any callable. Anything else — a cap, a construct the model cannot follow, trailing
bytes that start a pickle we cannot finish — is ``unscannable``, never clean.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from openaudit.model import ScanCode, ScanStatus
from openaudit.safety.opcodes import (
    JOBLIB_WRAPPER,
    CappedReader,
    GlobalRef,
    Malformed,
    ScanLimit,
    ScanStop,
    StreamResult,
    Truncated,
    Unsupported,
    _scan_one,
)
from openaudit.safety.results import result

MAX_PICKLES = 1_000  # concatenated pickles per stream
TORCH_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PICKLES = 5  # magic, protocol version, sys info, data, storage keys
_STORAGE_SIZES = {
    "Double": 8,
    "Float": 4,
    "Half": 2,
    "BFloat16": 2,
    "Long": 8,
    "Int": 4,
    "Short": 2,
    "Char": 1,
    "Byte": 1,
    "Bool": 1,
    "ComplexFloat": 8,
    "ComplexDouble": 16,
    "QUInt8": 1,
    "QInt8": 1,
    "QInt32": 4,
    "QUInt4x2": 1,
    "QUInt2x4": 1,
}


def _stop_code(exc: ScanStop, cut: bool) -> ScanCode:
    if isinstance(exc, ScanLimit):
        return ScanCode.CAP_REACHED
    if isinstance(exc, Unsupported):
        return ScanCode.UNSUPPORTED
    if isinstance(exc, Truncated):
        return ScanCode.BUDGET if cut else ScanCode.TRUNCATED
    return ScanCode.MALFORMED


def verdict(fmt: str, res: StreamResult, code: ScanCode | None = None, why: str = "", **fields: Any) -> dict[str, Any]:
    """The scan result for what a stream walk saw; ``code`` is set when the walk did not end cleanly."""
    dangerous = sorted(g for g, c in res.globals.items() if c == "dangerous") + sorted(res.unresolved)
    suspicious = sorted(g for g, c in res.globals.items() if c == "unknown")
    extra = {"pickles": res.pickles, **fields}
    notes = f"; {why}" if why else ""
    if dangerous:
        dcode = (
            ScanCode.DANGEROUS_GLOBAL
            if any(c == "dangerous" for c in res.globals.values())
            else ScanCode.UNRESOLVED_GLOBAL
        )
        return result(
            fmt,
            ScanStatus.DANGEROUS,
            dcode,
            "imports dangerous callables: " + ", ".join(dangerous[:8]) + notes,
            globals_=res.globals,
            dangerous=dangerous,
            suspicious=suspicious,
            **extra,
        )
    if code is not None:
        return result(
            fmt, ScanStatus.UNSCANNABLE, code, why or code.value, globals_=res.globals, suspicious=suspicious, **extra
        )
    if suspicious:
        return result(
            fmt,
            ScanStatus.UNSCANNABLE,
            ScanCode.UNKNOWN_GLOBAL,
            "imports globals outside the allowlist, not provably safe: " + ", ".join(suspicious[:8]) + notes,
            globals_=res.globals,
            suspicious=suspicious,
            **extra,
        )
    what = "only allowlisted globals" if res.globals else "no globals"
    return result(
        fmt, ScanStatus.CLEAN, ScanCode.OK, f"{res.pickles} pickle(s); {what}{notes}", globals_=res.globals, **extra
    )


def _maybe_magic(value: Any) -> bool:
    """Could torch's legacy loader see the magic number here (and read on)?"""
    if isinstance(value, (bool, str, bytes, float, list, dict, tuple)) or value is None:
        return False
    return not isinstance(value, int) or value == TORCH_MAGIC


def scan_stream(f: BinaryIO, fmt: str, *, cap: int, strict: bool, cut: bool = False) -> dict[str, Any]:
    """Scan the pickles loaders read from ``f`` (positioned at the stream's first byte).

    ``strict``: the file is a pickle by its role (name or container), so bytes that do not parse are
    ``unscannable``; otherwise (bytes that merely look like a pickle) a stream that stops before naming
    anything callable is ``not_pickle``. ``cut``: ``f`` holds only a prefix of the file.

    A stream naming joblib's array wrapper is read twice: as joblib reads it (array bytes skipped)
    and as a plain unpickler (``pickle.load``, ``torch.load``) reads it — one that parses those bytes
    as opcodes. Whatever the second reading meets counts too."""
    out = _scan_stream(f, fmt, cap=cap, strict=strict, cut=cut)
    if JOBLIB_WRAPPER not in out.get("globals", ()):
        return out
    try:
        f.seek(0)
    except (OSError, ValueError):
        return verdict(
            fmt, StreamResult(), ScanCode.UNSUPPORTED, "a joblib stream that cannot be re-read as a plain pickle"
        )
    return _combine(fmt, out, *_plain_pass(f, cap, cut))


def _plain_pass(f: BinaryIO, cap: int, cut: bool) -> tuple[StreamResult, ScanCode | None]:
    """Read pickle after pickle as a plain unpickler does, until the first stop. Its definitive
    failures are harmless (the loader stops there too); our limits are not."""
    reader = CappedReader(f, cap, cut=cut)
    res = StreamResult()
    for _ in range(MAX_PICKLES):
        try:
            _scan_one(reader, res, joblib_arrays=False)
        except ScanStop as exc:
            code = _stop_code(exc, cut)
            return res, (code if code in (ScanCode.CAP_REACHED, ScanCode.UNSUPPORTED, ScanCode.BUDGET) else None)
        if reader.at_eof():
            break
    return res, None


def _combine(fmt: str, out: dict[str, Any], plain: StreamResult, code: ScanCode | None) -> dict[str, Any]:
    """The joblib reading ``out`` plus what the plain reading met beyond it."""
    new = {g: c for g, c in plain.globals.items() if g not in out["globals"] and c != "safe"}
    if not (new or plain.unresolved or code):
        return out
    merged = StreamResult(pickles=int(out.get("pickles", 0)))
    for g in out["globals"]:
        merged.globals[g] = "dangerous" if g in out["dangerous"] else "unknown" if g in out["suspicious"] else "safe"
    merged.globals.update(new)
    merged.unresolved = [g for g in out["dangerous"] if g not in merged.globals] + plain.unresolved
    if out["status"] == ScanStatus.UNSCANNABLE.value and out["code"] != ScanCode.UNKNOWN_GLOBAL.value:
        code = ScanCode(out["code"])
    return verdict(
        fmt,
        merged,
        code,
        "read as a plain unpickler reads it (no joblib array skipping), the bytes meet more than the joblib reading",
    )


def _scan_stream(f: BinaryIO, fmt: str, *, cap: int, strict: bool, cut: bool) -> dict[str, Any]:
    reader = CappedReader(f, cap, cut=cut)
    res = StreamResult()
    legacy = False
    while True:
        start = reader.tell()
        try:
            value = _scan_one(reader, res)
        except ScanStop as exc:
            return _stopped(fmt, res, exc, start, strict=strict, cut=cut, legacy=legacy)
        res.pickles += 1
        if res.pickles == 1:
            legacy = _maybe_magic(value)
        if legacy and res.pickles == LEGACY_PICKLES and not reader.at_eof():
            return verdict(
                fmt, res, why=f"torch legacy storage data from byte {reader.tell()}", data_from=reader.tell()
            )
        if reader.at_eof():
            return verdict(fmt, res)
        if res.pickles >= MAX_PICKLES:
            return verdict(
                fmt, res, ScanCode.CAP_REACHED, f"more than {MAX_PICKLES} concatenated pickles", offset=reader.tell()
            )


def _stopped(
    fmt: str, res: StreamResult, exc: ScanStop, start: int, *, strict: bool, cut: bool, legacy: bool
) -> dict[str, Any]:
    code = _stop_code(exc, cut)
    msg = " ".join(str(exc).split())[:160]
    harmless = isinstance(exc, (Malformed, Truncated)) and exc.callables == 0 and code is not ScanCode.BUDGET
    if res.pickles == 0:
        if harmless and not strict:
            return result(
                fmt,
                ScanStatus.NOT_PICKLE,
                ScanCode.NOT_PICKLE,
                f"not a pickle: a loader stops at byte {exc.pos} ({msg}) before anything callable",
            )
        what = "not a parsable pickle" if code is ScanCode.MALFORMED else "pickle cannot be read to the end"
        return verdict(fmt, res, code, f"{what}: {msg} (byte {exc.pos})", offset=exc.pos)
    if harmless:  # the loader reading on stops here without running anything: data
        return verdict(fmt, res, why=f"non-pickle data from byte {start}", data_from=start)
    what = (
        "torch's legacy loader reads a further pickle"
        if legacy and res.pickles < LEGACY_PICKLES
        else "bytes after the pickles"
    )
    return verdict(
        fmt,
        res,
        code if code is not ScanCode.MALFORMED else ScanCode.TRAILING_DATA,
        f"{what} from byte {start} start a pickle that cannot be checked to the end ({msg})",
        offset=start,
    )


# ---- legacy torch tar members ------------------------------------------------------------------


def _static_count(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Unsupported(f"{what} is not a static count")
    if value > MAX_PICKLES:
        raise ScanLimit(f"{what} over {MAX_PICKLES}")
    return value


def _storage_size(args: Any) -> int:
    st = args[2] if isinstance(args, tuple) and len(args) == 3 else None
    name = st.full if isinstance(st, GlobalRef) else ""
    base = name.rsplit(".", 1)[-1].removesuffix("Storage")
    if not name.startswith("torch.") or base not in _STORAGE_SIZES:
        raise Unsupported("storage record whose element size cannot be known statically")
    return _STORAGE_SIZES[base]


def _record(reader: CappedReader, n: int) -> bytes:
    raw = reader.read(n)
    if len(raw) < n:
        raise Truncated("record header truncated", reader.pos)
    return raw


def scan_legacy_member(f: BinaryIO, name: str, size: int) -> dict[str, Any]:
    """A legacy torch tar's ``storages`` or ``tensors`` member, read as ``torch.load`` reads it:
    a count pickle, then per item an argument pickle and a raw record (storage bytes / tensor
    geometry), then (storages) a storage-views pickle."""
    reader = CappedReader(f, size + 1)
    res = StreamResult()
    try:
        count = _static_count(_scan_one(reader, res), f"{name} count")
        res.pickles += 1
        for _ in range(count):
            args = _scan_one(reader, res)
            res.pickles += 1
            if name == "storages":
                elsize = _storage_size(args)
                numel = struct.unpack("<q", _record(reader, 8))[0]
                if numel < 0:
                    raise Malformed("negative storage size")
                reader.skip(numel * elsize, "storage data")
            else:
                ndim = struct.unpack("<i", _record(reader, 4))[0]
                if ndim < 0:
                    raise Malformed("negative tensor rank")
                _record(reader, 4 + 16 * ndim + 8)
        if name == "storages":
            _scan_one(reader, res)
            res.pickles += 1
    except ScanStop as exc:
        return verdict(
            "torch-tar", res, _stop_code(exc, False), f"{name}: {' '.join(str(exc).split())[:160]}", offset=exc.pos
        )
    return verdict("torch-tar", res)
