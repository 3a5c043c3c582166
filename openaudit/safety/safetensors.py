"""Validate a safetensors header without reading tensor data.

Checks follow the reference implementation (huggingface/safetensors ``Metadata::validate``): header
size cap (100 MB), a JSON object (hardened parser: duplicate keys refused), known dtypes, shapes of
non-negative integers, byte ranges that match ``numel * dtype size``, lie inside the data region,
start at 0 and follow each other without overlap or gaps, ``__metadata__`` a string->string map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openaudit.base.parse import ParseProblem, load_json

HEADER_CAP = 100 * 1024 * 1024
MAX_DIM = 1 << 62

# Bits per element (sub-byte float formats pack several elements per byte).
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E4M3": 8,
    "F8_E5M2": 8,
    "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "I64": 64,
    "U64": 64,
    "F64": 64,
    "C128": 128,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True)
class SafetensorsInfo:
    ok: bool
    tensors: dict[str, TensorInfo] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    param_count: int = 0
    dtype_counts: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    header_len: int | None = None


def _strip_prefix(raw: bytes) -> tuple[bytes, list[str]]:
    """Accept ``<u64 length><json>`` or the JSON alone."""
    problems: list[str] = []
    if len(raw) >= 8 and raw[:1] != b"{":
        n = int.from_bytes(raw[:8], "little")
        if n == len(raw) - 8:
            return raw[8:], problems
        if n > HEADER_CAP:
            problems.append(f"header length {n} exceeds the {HEADER_CAP}-byte cap")
        elif n > len(raw) - 8:
            problems.append(f"header declares {n} bytes but only {len(raw) - 8} are present (truncated)")
        else:
            problems.append(f"header declares {n} bytes but {len(raw) - 8} follow the length prefix")
    return raw, problems


def _fail(problems: list[str], header_len: int | None = None) -> SafetensorsInfo:
    return SafetensorsInfo(ok=False, problems=tuple(problems), header_len=header_len)


def _is_uint(v: Any, limit: int = MAX_DIM) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= limit


def parse_header(raw: bytes, *, file_size: int | None = None, path: str = "<safetensors>") -> SafetensorsInfo:
    """Parse and validate ``raw`` (header bytes, with or without the 8-byte length prefix). Never
    raises on bad content: problems are listed and ``ok`` is False on any structural problem."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        return _fail([f"header is {type(raw).__name__}, not bytes"])
    raw = bytes(raw)
    body, problems = _strip_prefix(raw)
    if problems:
        return _fail(problems)
    header_len = len(body)
    if header_len == 0:
        return _fail(["empty header"], 0)
    if header_len > HEADER_CAP:
        return _fail([f"header of {header_len} bytes exceeds the {HEADER_CAP}-byte cap"], header_len)
    if body[:1] != b"{":
        return _fail(["header does not start with '{'"], header_len)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _fail([f"header is not UTF-8 (byte {exc.start})"], header_len)
    try:
        doc = load_json(text.rstrip(" "), source=path, max_bytes=HEADER_CAP, max_depth=8)
    except ParseProblem as exc:
        return _fail([exc.reason], header_len)
    if not isinstance(doc, dict):
        return _fail(["header is not a JSON object"], header_len)

    metadata: dict[str, str] = {}
    meta = doc.get("__metadata__")
    if meta is not None:
        if not isinstance(meta, dict):
            problems.append("__metadata__ is not an object")
        else:
            for k, v in meta.items():
                if isinstance(v, str):
                    metadata[k] = v
                else:
                    problems.append(f"__metadata__[{k[:40]!r}] is not a string")

    tensors: dict[str, TensorInfo] = {}
    for name, entry in doc.items():
        if name == "__metadata__":
            continue
        label = repr(name[:60])
        if not isinstance(entry, dict):
            problems.append(f"tensor {label}: entry is not an object")
            continue
        dtype, shape, offs = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        bits = DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
        if bits is None:
            problems.append(f"tensor {label}: unknown dtype {str(dtype)[:20]!r}")
            continue
        if not (isinstance(shape, list) and len(shape) <= 64 and all(_is_uint(d) for d in shape)):
            problems.append(f"tensor {label}: shape is not a list of non-negative integers")
            continue
        if not (isinstance(offs, list) and len(offs) == 2 and all(_is_uint(o, 1 << 63) for o in offs)):
            problems.append(f"tensor {label}: data_offsets is not [start, end]")
            continue
        start, end = offs
        if end < start:
            problems.append(f"tensor {label}: data_offsets end {end} before start {start}")
            continue
        info = TensorInfo(dtype, tuple(shape), start, end)
        nbits = info.numel * bits
        if nbits % 8 or nbits // 8 != end - start:
            problems.append(
                f"tensor {label}: {info.numel} x {dtype} needs {nbits / 8:g} bytes, byte range holds {end - start}"
            )
            continue
        tensors[name] = info

    # Byte ranges: contiguous from 0, no overlap, inside the data region.
    ordered = sorted(tensors.items(), key=lambda kv: (kv[1].start, kv[1].end))
    pos = 0
    for name, t in ordered:
        if t.start < pos:
            problems.append(f"tensor {name[:60]!r}: byte range [{t.start}, {t.end}) overlaps the previous tensor")
        elif t.start > pos:
            problems.append(f"tensor {name[:60]!r}: gap of {t.start - pos} bytes before its data")
        pos = max(pos, t.end)
    if file_size is not None:
        data_len = file_size - 8 - header_len
        if data_len < 0:
            problems.append(f"file of {file_size} bytes is shorter than its header")
        elif pos > data_len:
            problems.append(f"tensor data ends at byte {pos} beyond the {data_len}-byte data region")
        elif pos < data_len and tensors:
            problems.append(f"{data_len - pos} bytes after the last tensor")

    counts: dict[str, int] = {}
    for t in tensors.values():
        counts[t.dtype] = counts.get(t.dtype, 0) + t.numel
    return SafetensorsInfo(
        ok=not problems,
        tensors=tensors,
        metadata=metadata,
        param_count=sum(counts.values()),
        dtype_counts=dict(sorted(counts.items())),
        problems=tuple(problems),
        header_len=header_len,
    )
