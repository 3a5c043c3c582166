"""The byte reader the opcode walker reads through, and the walker's typed stops.

* ``Malformed``: a real unpickler fails at the same byte too (unknown opcode, stack underflow, memo
  read before write) — nothing after it is ever read;
* ``Truncated``: the bytes end inside a pickle;
* ``ScanLimit`` / ``Unsupported``: *our* limits (caps, constructs the model cannot size) — the real
  loader would go on, so what follows is unknown and the stream can never be clean.
"""

from __future__ import annotations

from typing import BinaryIO

MAX_LINE = 1 << 20  # bytes of one newline-terminated opcode argument


class ScanStop(Exception):
    """The walk of one pickle stopped before its STOP opcode."""

    def __init__(self, msg: str, pos: int | None = None):
        super().__init__(msg)
        self.pos = pos
        self.ops = 0  # opcodes of this pickle processed before the stop
        self.callables = 0  # GLOBAL/STACK_GLOBAL/INST/EXT opcodes seen in this pickle before the stop


class ScanLimit(ScanStop):
    """A cap was reached (bytes, opcodes, nesting, line length): the stream cannot be fully checked."""


class Unsupported(ScanStop):
    """A construct the static model cannot follow where the real loader would go on."""


class Malformed(ScanStop):
    """Bytes a real unpickler refuses at this point too (unknown opcode, stack underflow, ...)."""


class Truncated(ScanStop):
    """The data ends inside a pickle."""


class CappedReader:
    """File-like wrapper for genops: counts bytes, refuses to go past ``cap``, supports one-byte peek.
    ``cut``: the underlying data is only a prefix of the file (a ranged read window)."""

    def __init__(self, f: BinaryIO, cap: int, *, cut: bool = False):
        self._f = f
        self.cap = cap
        self.cut = cut
        self.pos = 0
        self._pushback = b""

    def _take(self, n: int) -> bytes:
        if self.pos + n > self.cap:
            raise ScanLimit(f"pickle data goes past the {self.cap}-byte scan cap", self.pos)
        out = b""
        if self._pushback and n > 0:
            out, self._pushback = self._pushback[:n], self._pushback[n:]
            n -= len(out)
        if n > 0:
            out += self._f.read(n)
        self.pos += len(out)
        return out

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.cap - self.pos + 1
        return self._take(n)

    def readline(self, limit: int = -1) -> bytes:
        """Read through the next newline in chunks (text-opcode arguments)."""
        buf = bytearray()
        while True:
            want = min(4096, max(self.cap - self.pos, 1))
            chunk = self._take(want) if self.pos < self.cap else b""
            if not chunk:
                return bytes(buf)
            nl = chunk.find(b"\n")
            if nl >= 0:
                rest = chunk[nl + 1 :]
                self._pushback = rest + self._pushback
                self.pos -= len(rest)
                buf += chunk[: nl + 1]
                return bytes(buf)
            buf += chunk
            if len(buf) > MAX_LINE:  # a real unpickler reads on: what follows is unknown to us
                raise ScanLimit(f"text argument longer than {MAX_LINE} bytes", self.pos)

    def tell(self) -> int:
        return self.pos

    def skip(self, n: int, what: str) -> None:
        while n > 0:
            chunk = self.read(min(n, 1 << 20))
            if not chunk:
                raise Truncated(f"{what} truncated", self.pos)
            n -= len(chunk)

    def at_eof(self) -> bool:
        if self._pushback:
            return False
        if self.pos >= self.cap:
            return True
        b = self._f.read(1)
        if not b:
            return True
        self._pushback = b
        return False
