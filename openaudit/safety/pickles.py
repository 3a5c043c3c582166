"""Recognise serialised-object files by their bytes and scan pickles statically.

Public API (sources and collect call these):

* format sniffing by content lives in ``openaudit.base.formats.sniff``.
* ``scan_bytes(data) -> dict`` / ``scan_path(path) -> dict`` / ``scan_ranged(size, read) -> dict``:
  ``{"format", "status", "globals", "dangerous", "suspicious", "reason"}`` where status is

  - ``clean``: every pickle parsed and names only allowlisted globals;
  - ``dangerous``: a denylisted global (os.system, builtins.eval, subprocess...) or a STACK_GLOBAL /
    extension code whose target cannot be resolved statically (obfuscation);
  - ``unscannable``: not parsable, over a cap, encrypted/corrupt container, or globals outside the
    allowlist (``suspicious``) — never reported as clean;
  - ``not_pickle``: a format that holds no pickle (safetensors, gguf, onnx, hdf5, numeric .npy, ...).

Nothing is ever unpickled, imported or extracted to disk: ``pickletools.genops`` walks the opcodes,
zip members are streamed from memory with size caps.
"""
from __future__ import annotations

import io
import os
import struct
from typing import Any, BinaryIO, Callable

from openaudit.base.formats import sniff

# The opcode walker (pickletools, pickle) and the container readers (zipfile) are imported where a
# scan needs them: ``sniff`` runs on every file of every audit and needs neither for most formats.

MAX_STREAM_BYTES = 1 << 30  # bytes of one pickle stream walked at most
HEAD = 64 * 1024
def _result(fmt: str, status: str, reason: str, **extra: Any) -> dict[str, Any]:
    out = {"format": fmt, "status": status, "globals": [], "dangerous": [], "suspicious": [], "reason": reason}
    out.update(extra)
    return out


def _scan_pickle_file(f: BinaryIO, fmt: str, cap: int = MAX_STREAM_BYTES) -> dict[str, Any]:
    from openaudit.safety.opcodes import CappedReader, scan_stream, verdict

    res = scan_stream(CappedReader(f, cap))
    return {"format": fmt, **verdict(res)}


def _scan_fileobj(f: BinaryIO, head: bytes) -> dict[str, Any]:
    from openaudit.safety import containers
    from openaudit.safety.opcodes import CappedReader, scan_stream, verdict

    fmt = sniff(head)
    if fmt in ("safetensors", "gguf", "onnx", "hdf5"):
        return _result(fmt, "not_pickle", f"{fmt} file: holds no pickle")
    if fmt in ("zip", "torch-zip"):
        return containers.scan_zip(f, _scan_pickle_file)
    if fmt == "numpy":
        return containers.scan_npy(f, _scan_pickle_file)
    if fmt == "pickle":
        return _scan_pickle_file(f, "pickle")
    # Unknown bytes: a complete pickle is still a pickle; anything else cannot be vouched for.
    res = scan_stream(CappedReader(f, MAX_STREAM_BYTES))
    if res.pickles and not res.error and res.trailing is None:
        out = verdict(res)
        return {"format": "pickle", **out}
    return _result("unknown", "unscannable", "content is neither a pickle nor a known format")


def scan_bytes(data: bytes) -> dict[str, Any]:
    """Scan an in-memory file (any format). Never raises on bad content."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return _result("unknown", "unscannable", f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        return _result("unknown", "unscannable", "empty file")
    return _guard(lambda: _scan_fileobj(io.BytesIO(data), data[:HEAD]))


def scan_path(path: str | os.PathLike) -> dict[str, Any]:
    """Scan a file on disk by streaming it (never read whole, never executed). Raises OSError only
    when the file cannot be opened; bad content gives an ``unscannable`` result."""
    with open(path, "rb") as f:
        head = f.read(HEAD)
        if not head:
            return _result("unknown", "unscannable", "empty file")
        f.seek(0)
        return _guard(lambda: _scan_fileobj(f, head))


def scan_ranged(size: int, read: Callable[[int, int], bytes], *, budget: int = 4 * 1024 * 1024) -> dict[str, Any]:
    """Scan a remote file through ``read(offset, length) -> bytes`` (e.g. HTTP range requests),
    reading at most ``budget`` bytes in all. Zip checkpoints: the central directory at the end, then
    each ``*.pkl`` member; plain pickles: the first ``budget`` bytes. Over budget -> unscannable."""
    from openaudit.safety import containers

    return _guard(lambda: containers.scan_ranged(size, read, budget, _scan_pickle_file))


def _guard(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from openaudit.safety import containers

    try:
        return fn()
    except containers.OverBudget as exc:
        return _result("unknown", "unscannable", str(exc))
    except (RecursionError, MemoryError, ValueError, EOFError, struct.error, KeyError, IndexError) as exc:
        msg = " ".join(str(exc).split())[:160]
        return _result("unknown", "unscannable", f"scan failed: {type(exc).__name__}: {msg}")
