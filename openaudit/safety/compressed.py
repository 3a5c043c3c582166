"""Compressed streams that a loader opens before unpickling: ``joblib.load`` detects gzip, bz2, xz,
lzma, zlib (and lz4) by their first bytes and unpickles what they decompress to; NeMo and others
ship tars inside gzip. The stream is decompressed in memory, forward only and capped — the inner
bytes are judged like a file of their own (a pickle, a tar, or nothing a loader unpickles).
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from openaudit.base.formats import is_tar
from openaudit.model import ScanCode
from openaudit.safety.opcodes import ScanLimit
from openaudit.safety.results import unscannable

MAX_DECOMPRESSED = 2 * 1024 * 1024 * 1024  # bytes of decompressed output read at most
HEAD = 64 * 1024


class _Zlib(io.RawIOBase):
    """A forward-only reader of a zlib stream (joblib's zlib compressor)."""

    def __init__(self, f: BinaryIO):
        self._f, self._d, self._buf = f, zlib.decompressobj(), b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf and not self._d.eof:
            raw = self._d.unconsumed_tail or self._f.read(1 << 16)
            if not raw:
                raise EOFError("compressed stream ended early")
            self._buf = self._d.decompress(raw, 1 << 20)
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n


class Capped(io.RawIOBase):
    """Counts decompressed bytes; past ``cap`` a read raises (a decompression-bomb guard)."""

    def __init__(self, f: BinaryIO, cap: int):
        self._f, self.cap, self.used = f, cap, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self.used >= self.cap:
            raise ScanLimit(f"decompresses to more than {self.cap} bytes")
        data = self._f.read(min(len(b), self.cap - self.used + 1))
        self.used += len(data)
        b[: len(data)] = data
        return len(data)


def _open(f: BinaryIO, kind: str) -> BinaryIO:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    if kind == "bz2":
        return bz2.BZ2File(f)  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(f, format=lzma.FORMAT_XZ)  # type: ignore[return-value]
    if kind == "lzma":
        return lzma.LZMAFile(f, format=lzma.FORMAT_ALONE)  # type: ignore[return-value]
    return io.BufferedReader(_Zlib(f))  # type: ignore[return-value]


class Prefixed(io.RawIOBase):
    """``head`` followed by the rest of a forward-only stream (``seek(0)`` allowed while still in ``head``)."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest, self._pos = head, rest, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._pos <= len(self._head)

    def seek(self, off: int, whence: int = 0) -> int:
        if whence != 0 or off != 0 or self._pos > len(self._head):
            raise io.UnsupportedOperation("forward-only stream")
        self._pos = 0
        return 0

    def tell(self) -> int:
        return self._pos

    def readinto(self, b) -> int:  # type: ignore[override]
        n = len(b)
        chunk = self._head[self._pos : self._pos + n] if self._pos < len(self._head) else b""
        if len(chunk) < n:  # fill from the rest in the same call: callers treat a short read as the end
            chunk += self._rest.read(n - len(chunk))
        b[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


class Restartable(io.RawIOBase):
    """A decompressed stream that can go back to its start (``seek(0)``) by decompressing again from
    the raw file's first byte — so a second reading of the inner bytes needs no copy of them."""

    def __init__(self, raw: BinaryIO, kind: str):
        self._raw, self._kind = raw, kind
        self._start = raw.tell()
        self._open()

    def _open(self) -> None:
        self._raw.seek(self._start)
        self._f = io.BufferedReader(Capped(_open(self._raw, self._kind), MAX_DECOMPRESSED), 1 << 16)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, off: int, whence: int = 0) -> int:
        if whence != 0 or off != 0:
            raise io.UnsupportedOperation("only a return to the start")
        self._open()
        return 0

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._f.read(len(b))
        b[: len(data)] = data
        self._pos += len(data)
        return len(data)


ScanInner = Callable[..., "dict[str, Any] | None"]
ScanTar = Callable[..., dict]


def scan_compressed(
    f: BinaryIO, kind: str, *, strict: bool, depth: int, scan_inner: ScanInner, scan_tar: ScanTar, cut: bool = False
) -> dict[str, Any] | None:
    """Judge what ``f`` (a compressed stream at its first byte) decompresses to. ``scan_inner(stream,
    head)`` judges non-tar content; tars are walked member by member, forward only."""
    if kind in ("lz4", "zfile"):
        return unscannable(
            kind, ScanCode.UNSUPPORTED, f"{kind}-compressed stream (joblib opens it) cannot be decompressed here"
        )
    try:
        if getattr(f, "seekable", lambda: False)():
            stream: BinaryIO = Restartable(f, kind)  # type: ignore[assignment]
            head = stream.read(HEAD)
            stream.seek(0)
        else:
            fwd = io.BufferedReader(Capped(_open(f, kind), MAX_DECOMPRESSED), 1 << 16)
            head = fwd.read(HEAD)
            stream = Prefixed(head, fwd)  # type: ignore[assignment]
        if is_tar(head):
            return scan_tar(stream, depth=depth, stream=True)
        return scan_inner(stream, head, strict=strict, depth=depth)
    except ScanLimit as exc:
        return unscannable(kind, ScanCode.CAP_REACHED, str(exc))
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error) as exc:
        code = ScanCode.BUDGET if cut else ScanCode.CORRUPT_CONTAINER
        return unscannable(kind, code, f"{kind} stream cannot be decompressed: {' '.join(str(exc).split())[:120]}")
