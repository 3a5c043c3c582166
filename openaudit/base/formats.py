"""The one byte-level sniffer: what a file can be read as, from its first bytes, whatever its name says.

* ``sniff(head) -> str`` names the content format (safetensors, pickle, torch-zip, zip, tar, gguf, onnx,
  numpy, hdf5, gzip/bz2/xz/lzma/zlib/lz4, unknown);
* ``pickle_start(head)``: could a pickle loader run something from these bytes (its first opcodes
  parse and do not stop, as a real unpickler would, before anything callable)?
* ``needs_scan(head)``: bytes some loader reads as a pickle or a pickle container (pickle start, zip,
  tar, .npy, a compressed stream joblib opens) — what the pickle scanner must see whatever the name;
* ``family_of(head)`` maps the content to the family sources keep and scan.

A file may be several things at once (bytes that begin like GGUF and are a valid pickle, a tar whose
first member name is a pickle): every reading that applies counts. Nothing is built or run: opcodes
are walked with ``pickletools.genops``; tar headers are checked with ``tarfile.TarInfo.frombuf``.
"""

from __future__ import annotations

import io
import struct
import tarfile

SAFETENSORS_HEADER_CAP = 100 * 1024 * 1024
# Prefixes of compressed streams that ``joblib.load`` opens before unpickling.
COMPRESSION = (
    ("gzip", b"\x1f\x8b"),
    ("bz2", b"BZh"),
    ("xz", b"\xfd7zXZ\x00"),
    ("lzma", b"]\x00\x00"),
    ("lz4", b"\x04\x22\x4d\x18"),
    ("zfile", b"ZF"),
)
# Opcodes a pickle can start with: every other first byte makes a real unpickler stop at once (an
# unknown opcode, a stack or memo underflow, a persistent id or out-of-band buffer it has no handler for).
_FIRST = frozenset(b"(NIJKMLFGSTUVXBCc)]}") | {
    0x80,
    0x95,
    0x88,
    0x89,
    0x8A,
    0x8B,
    0x8C,
    0x8D,
    0x8E,
    0x8F,
    0x96,
    0x82,
    0x83,
    0x84,
}
_PERSID = ("PERSID", "BINPERSID")  # a plain unpickler has no persistent_load: it fails right there
_CALLABLE = ("GLOBAL", "STACK_GLOBAL", "INST", "EXT1", "EXT2", "EXT4")


def pickle_start(head: bytes, whole: bool = False) -> bool:
    """True when ``head`` (the first bytes of a file; all of it when ``whole``) can begin a pickle
    that a loader acts on: the opcodes parse to a STOP or to the end of ``head``, or name something
    callable before they fail. False when a real unpickler stops first — an unknown opcode, a stack
    underflow, a persistent id a plain unpickler refuses — with nothing callable seen."""
    if not head or head[0] not in _FIRST:
        return False
    import pickletools

    buf = io.BytesIO(bytes(head))
    depth, callables, started = 0, 0, False
    marks: list[int] = []  # stack depth at each open MARK
    try:
        for op, _arg, _pos in pickletools.genops(buf):
            name = op.name
            if not started and name not in ("PROTO", "FRAME"):
                started = True
                if name in _PERSID:
                    return False
            if name == "POP" and marks and depth == marks[-1]:
                marks.pop()  # POP of a MARK
                continue
            before = list(op.stack_before)
            if pickletools.markobject in before:
                if not marks:
                    return callables > 0
                depth = marks.pop()
                before = before[: before.index(pickletools.markobject)]
            if depth - len(before) < (marks[-1] if marks else 0):
                return callables > 0  # stack underflow: a real unpickler stops here
            depth -= len(before)
            callables += name in _CALLABLE
            if name == "MARK":
                marks.append(depth)
            else:
                depth += len(op.stack_after)
            if name == "STOP":
                return True
    except ValueError:  # an unknown opcode, or an argument cut off by the end of ``head``
        ran_out = buf.tell() >= len(head)
        return callables > 0 or (ran_out and not whole)
    except Exception:  # any other parse failure: let the full scanner decide
        return True
    return True


def is_tar(head: bytes) -> bool:
    """The first 512-byte block is a tar header ``tarfile`` accepts (checksum valid), with or
    without the ``ustar`` magic — what ``tarfile.open(mode="r:")`` (and torch's legacy loader) checks."""
    if len(head) < 512:
        return False
    try:
        tarfile.TarInfo.frombuf(bytes(head[:512]), "utf-8", "surrogateescape")
    except (tarfile.HeaderError, ValueError, UnicodeError):
        return False
    return True


def compression(head: bytes) -> str | None:
    for name, magic in COMPRESSION:
        if head.startswith(magic):
            return name
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def needs_scan(head: bytes, whole: bool = False) -> bool:
    """Bytes the pickle scanner must see: a pickle start, a zip, a tar, a .npy, a compressed stream."""
    return (
        is_zip(head)
        or head.startswith(b"\x93NUMPY")
        or compression(head) is not None
        or is_tar(head)
        or pickle_start(head, whole)
    )


def sniff(head: bytes | bytearray | memoryview) -> str:
    """Format of a file from its first bytes (as many as available, ideally >= 64)."""
    if not isinstance(head, (bytes, bytearray, memoryview)):
        return "unknown"
    head = bytes(head)
    if is_zip(head):
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
    if is_tar(head):
        return "tar"
    comp = compression(head)
    if comp is not None:
        return comp
    if pickle_start(head[:4096]):
        return "pickle"
    return "unknown"


def _looks_like_onnx(head: bytes) -> bool:
    """ModelProto opens with ir_version (field 1, varint 1..15) then producer/graph/opset fields."""
    return len(head) >= 4 and head[0] == 0x08 and 1 <= head[1] <= 15 and head[2] in (0x12, 0x1A, 0x22, 0x2A, 0x3A, 0x42)


# sniff() format -> source family (what is kept and scanned)
_SNIFF_FAMILY = {
    "torch-zip": "zip",
    "zip": "zip",
    "pickle": "pickle",
    "numpy": "numpy",
    "gguf": "gguf",
    "hdf5": "hdf5",
    "onnx": "onnx",
    "safetensors": "safetensors",
    "tar": "tar",
    **{name: "compressed" for name, _ in COMPRESSION},
    "zlib": "compressed",
}


def family_of(head: bytes) -> str | None:
    """Family from the first bytes (None when nothing is recognised)."""
    return _SNIFF_FAMILY.get(sniff(head))


# Weight and serialised-object files by extension: (the format a report names, the container family the
# sources keep and the scanners open). None where the extension is not that kind: ".zip" is a container
# but not a weights format; ".pdparams" is named in reports but not opened. "pickle": loading may run code.
_EXTENSIONS: dict[str, tuple[str | None, str | None]] = {
    ".safetensors": ("safetensors", "safetensors"),
    **dict.fromkeys((".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dill"), ("pickle", "pickle")),
    ".npy": ("numpy", "numpy"),
    ".npz": ("numpy", "zip"),
    ".keras": ("keras", "zip"),
    ".nemo": ("nemo", "tar"),
    ".gguf": ("gguf", "gguf"),
    ".ggml": ("ggml", "ggml"),
    ".onnx": ("onnx", "onnx"),
    ".h5": ("hdf5", "hdf5"),
    ".hdf5": ("hdf5", "hdf5"),
    ".msgpack": ("msgpack", "msgpack"),
    ".tflite": ("tflite", "tflite"),
    ".mlmodel": ("coreml", "coreml"),
    ".pdparams": ("paddle", None),
    ".caffemodel": ("caffe", None),
    ".engine": ("tensorrt", None),
    ".model": ("unknown", None),
    ".pb": (None, "protobuf"),
    ".zip": (None, "zip"),
    ".tar": (None, "tar"),
    **dict.fromkeys((".gz", ".tgz", ".bz2", ".xz", ".lzma"), (None, "compressed")),
}
WEIGHT_FORMATS: dict[str, str] = {ext: fmt for ext, (fmt, _) in _EXTENSIONS.items() if fmt is not None}
CONTAINER_FAMILIES: dict[str, str] = {ext: fam for ext, (_, fam) in _EXTENSIONS.items() if fam is not None}
