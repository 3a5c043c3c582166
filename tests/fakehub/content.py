"""File contents for fake Hub repos: ``Virtual`` (big files that cost no memory) and real
safetensors bytes. Re-exported by fakehub.server."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Virtual:
    """A file of ``size`` bytes: ``prefix``, zeros (generated lazily), then ``suffix`` (e.g. a zip's
    central directory)."""

    prefix: bytes
    size: int
    suffix: bytes = b""

    def read(self, start: int, end: int) -> bytes:  # [start, end)
        out = bytearray(self.prefix[start:end] if start < len(self.prefix) else b"")
        out += bytes(max(0, (end - start) - len(out)))
        tail = self.size - len(self.suffix)
        if end > tail:
            a = max(start, tail)
            out[a - start : end - start] = self.suffix[a - tail : end - tail]
        return bytes(out)


def safetensors_bytes(tensors: dict[str, tuple[str, list[int]]], total_size: int | None = None):
    """A safetensors file for ``{name: (dtype, shape)}``: real header; data zeros.
    Returns bytes when small, a Virtual when ``total_size`` says it is big."""
    width = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I8": 1, "U8": 1, "F64": 8}
    header, off = {}, 0
    for name, (dtype, shape) in tensors.items():
        n = width[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + n]}
        off += n
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    prefix = len(h).to_bytes(8, "little") + h
    size = len(prefix) + off
    if total_size is None and size <= 1 << 20:
        return prefix + b"\x00" * off
    return Virtual(prefix, size)
