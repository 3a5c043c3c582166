"""The one byte-level sniffer: what format a file is, from its first bytes, whatever its name says.

``sniff(head) -> str`` names the content format (safetensors, pickle, torch-zip, zip, gguf, onnx, numpy,
hdf5, unknown); ``family_of(head)`` maps it to the family sources keep and scan (tar archives too).
Nothing is parsed beyond a static opcode walk of the first bytes; nothing is built or run.
"""
from __future__ import annotations

import io
import struct

SAFETENSORS_HEADER_CAP = 100 * 1024 * 1024
_CLASSIC_FIRST = set(b"(]})NIJKLMSVXUTcq\x80")


def _looks_like_classic_pickle(head: bytes) -> bool:
    """Protocol 0/1 pickles: several opcodes parse and reach STOP, or fill the head without error."""
    if not head or head[0] not in _CLASSIC_FIRST:
        return False
    import pickletools

    n = 0
    try:
        for op, _arg, _pos in pickletools.genops(io.BytesIO(head)):
            n += 1
            if op.name == "STOP":
                return n >= 2
            if n >= 16:
                return True
    except Exception:
        return False
    return False


def sniff(head: bytes) -> str:
    """Format of a file from its first bytes (as many as available, ideally >= 64)."""
    if not isinstance(head, (bytes, bytearray, memoryview)):
        return "unknown"
    head = bytes(head)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if head.startswith(b"PK\x03\x04") and len(head) >= 30:
            nlen = struct.unpack_from("<H", head, 26)[0]
            first = head[30 : 30 + nlen]
            if first == b"data.pkl" or first.endswith(b"/data.pkl"):
                return "torch-zip"
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "numpy"
    if head.startswith(b"GGUF"):
        return "gguf"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if len(head) >= 9 and head[8:9] == b"{":
        n = struct.unpack_from("<Q", head, 0)[0]
        if 2 <= n <= SAFETENSORS_HEADER_CAP:
            return "safetensors"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    if _looks_like_onnx(head):
        return "onnx"
    if _looks_like_classic_pickle(head[:4096]):
        return "pickle"
    return "unknown"


def _looks_like_onnx(head: bytes) -> bool:
    """ModelProto opens with ir_version (field 1, varint 1..15) then producer/graph/opset fields."""
    return (
        len(head) >= 4
        and head[0] == 0x08
        and 1 <= head[1] <= 15
        and head[2] in (0x12, 0x1A, 0x22, 0x2A, 0x3A, 0x42)
    )


# sniff() format -> source family (what is kept and scanned)
_SNIFF_FAMILY = {"torch-zip": "zip", "zip": "zip", "pickle": "pickle", "numpy": "numpy", "gguf": "gguf",
                 "hdf5": "hdf5", "onnx": "onnx", "safetensors": "safetensors"}


def family_of(head: bytes) -> str | None:
    """Family from the first bytes (None when nothing is recognised); tar archives are recognised by
    their ``ustar`` magic at offset 257."""
    fam = _SNIFF_FAMILY.get(sniff(head))
    if fam is None and len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return fam
