"""Static pickle analysis: walk the opcodes with ``pickletools.genops`` (never ``pickle.load``) and a
small stack/memo model, so that STACK_GLOBAL operands pushed earlier (directly, via the memo, or
built by DUP) resolve to the ``module.name`` they import.

Only plain data is modelled (strings, numbers, tuples, lists, dicts); everything else is an opaque
placeholder. The model is good enough to follow joblib files, whose pickle stream is interleaved
with raw numpy array bytes after each ``NumpyArrayWrapper`` BUILD.
"""
from __future__ import annotations

import pickletools
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from openaudit.safety.globals_policy import classify, normalise

MAX_OPS = 5_000_000  # opcodes per stream (~15 s of genops at worst)
MAX_PICKLES = 1_000  # concatenated pickles per stream
MAX_LINE = 1 << 20  # bytes of one newline-terminated opcode argument
JOBLIB_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_STRING_OPS = {
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
}
_VALUE_OPS = _STRING_OPS | {
    "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1",
    "LONG4", "FLOAT", "BINFLOAT",
}


class ScanLimit(Exception):
    """A cap was reached (bytes, opcodes, pickles): the stream cannot be fully checked."""


class Malformed(Exception):
    """The opcodes cannot be what a real unpickler accepts (stack underflow, bad memo, ...)."""


class _Mark:
    __slots__ = ()


class _Unknown:
    __slots__ = ()


MARK = _Mark()
UNKNOWN = _Unknown()


@dataclass
class GlobalRef:
    full: str


@dataclass
class Obj:
    callable: Any
    args: Any = None
    state: Any = None


@dataclass
class StreamResult:
    globals: set[str] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)  # STACK_GLOBAL/EXT that name nothing static
    pickles: int = 0  # complete pickles
    error: str | None = None  # why the first pickle (or a nested one) could not be parsed
    trailing: int | None = None  # byte offset where non-pickle data started after >= 1 pickle
    notes: list[str] = field(default_factory=list)


class CappedReader:
    """File-like wrapper for genops: counts bytes, refuses to go past ``cap``, supports one-byte peek."""

    def __init__(self, f: BinaryIO, cap: int):
        self._f = f
        self.cap = cap
        self.pos = 0
        self._pushback = b""

    def _take(self, n: int) -> bytes:
        if self.pos + n > self.cap:
            raise ScanLimit(f"pickle data goes past the {self.cap}-byte scan cap")
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
        """Read through the next newline in chunks (text-opcode arguments); lines over MAX_LINE
        bytes are not something a real pickle writes."""
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
            if len(buf) > MAX_LINE:
                raise Malformed(f"text argument longer than {MAX_LINE} bytes")

    def tell(self) -> int:
        return self.pos

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


def _pop(stack: list) -> Any:
    if not stack:
        raise Malformed("stack underflow")
    v = stack.pop()
    if v is MARK:
        raise Malformed("unexpected MARK")
    return v


def _pop_mark(stack: list) -> list:
    items: list = []
    while stack:
        v = stack.pop()
        if v is MARK:
            items.reverse()
            return items
        items.append(v)
    raise Malformed("MARK not found")


_DTYPE_RE = re.compile(r"^[<>|=]?([a-zA-Z?])(\d*)$")


def _itemsize(dtype: Any) -> tuple[int | None, bool]:
    """(itemsize, has_object) of a modelled numpy.dtype(...) object; (None, False) if unknown."""
    if not (isinstance(dtype, Obj) and isinstance(dtype.callable, GlobalRef)):
        return None, False
    if dtype.callable.full not in ("numpy.dtype",) and not dtype.callable.full.startswith("numpy.dtypes."):
        return None, False
    args = dtype.args if isinstance(dtype.args, tuple) else ()
    st = dtype.state if isinstance(dtype.state, tuple) else ()
    if len(st) > 3 and st[3] is not None:  # structured dtype (fields): not modelled
        return None, False
    m = _DTYPE_RE.match(args[0]) if args and isinstance(args[0], str) else None
    if not m:
        return None, False
    kind, n = m.group(1), int(m.group(2) or 0)
    if kind == "O":
        return 8, True
    if kind == "U":
        return 4 * n, False
    if kind in ("b", "?") and n == 0:
        return 1, False
    return (n if n > 0 else None), False


def _joblib_array(obj: Obj, reader: CappedReader, res: StreamResult, depth: int) -> None:
    """Skip (or scan, for object dtype) the array data joblib writes right after the wrapper."""
    state = obj.state if isinstance(obj.state, dict) else {}
    shape = state.get("shape")
    if not (isinstance(shape, tuple) and all(isinstance(x, int) and x >= 0 for x in shape)):
        raise Malformed("joblib array wrapper without a static shape")
    size, has_object = _itemsize(state.get("dtype"))
    if has_object:
        _scan_one(reader, res, depth + 1)
        return
    if size is None:
        raise Malformed("joblib array wrapper with a dtype that cannot be sized statically")
    count = 1
    for x in shape:
        count *= x
    if "numpy_array_alignment_bytes" in state:
        pad = reader.read(1)
        if pad:
            reader.read(pad[0])
    remaining = count * size
    while remaining > 0:
        chunk = reader.read(min(remaining, 1 << 20))
        if not chunk:
            raise Malformed("joblib array data truncated")
        remaining -= len(chunk)


def _scan_one(reader: CappedReader, res: StreamResult, depth: int = 0) -> Any:
    """Parse one pickle (to its STOP) from ``reader``; add its globals to ``res``; return the modelled
    value it builds. Raises ValueError (genops), Malformed or ScanLimit when the bytes are not a
    complete, plausible pickle."""
    if depth > 8:
        raise Malformed("nested pickles deeper than 8 levels")
    stack: list = []
    memo: dict = {}
    ops = 0
    stopped = False
    value: Any = UNKNOWN
    while not stopped:
        restart = False
        for op, arg, pos in pickletools.genops(reader):
            ops += 1
            if ops > MAX_OPS:
                raise ScanLimit(f"more than {MAX_OPS} opcodes")
            name = op.name
            if name in _VALUE_OPS:
                stack.append(arg)
            elif name == "BYTEARRAY8":
                stack.append(UNKNOWN)
            elif name == "NONE":
                stack.append(None)
            elif name in ("NEWTRUE", "NEWFALSE"):
                stack.append(name == "NEWTRUE")
            elif name == "MARK":
                stack.append(MARK)
            elif name == "EMPTY_TUPLE":
                stack.append(())
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(name[-1])
                items = [_pop(stack) for _ in range(n)][::-1]
                stack.append(tuple(items))
            elif name == "TUPLE":
                stack.append(tuple(_pop_mark(stack)))
            elif name == "EMPTY_LIST":
                stack.append([])
            elif name == "LIST":
                stack.append(_pop_mark(stack))
            elif name == "APPEND":
                v = _pop(stack)
                top = stack[-1] if stack else None
                if isinstance(top, list):
                    top.append(v)
            elif name == "APPENDS":
                items = _pop_mark(stack)
                if not stack:
                    raise Malformed("APPENDS without a list")
                if isinstance(stack[-1], list):
                    stack[-1].extend(items)
            elif name == "EMPTY_DICT":
                stack.append({})
            elif name in ("DICT", "SETITEMS"):
                items = _pop_mark(stack)
                if len(items) % 2:
                    raise Malformed(f"{name} with an odd number of items")
                if name == "DICT":
                    stack.append({})
                elif not stack:
                    raise Malformed("SETITEMS without a dict")
                target = stack[-1]
                if isinstance(target, dict):
                    for k, v in zip(items[::2], items[1::2]):
                        if isinstance(k, (str, int, bytes, float, bool, type(None), tuple)):
                            try:
                                target[k] = v
                            except TypeError:
                                pass
            elif name == "SETITEM":
                v, k = _pop(stack), _pop(stack)
                target = stack[-1] if stack else None
                if isinstance(target, dict) and isinstance(k, (str, int, bytes, float, bool, type(None))):
                    target[k] = v
            elif name == "POP":
                if not stack:
                    raise Malformed("stack underflow")
                stack.pop()
            elif name == "POP_MARK":
                _pop_mark(stack)
            elif name == "DUP":
                if not stack:
                    raise Malformed("stack underflow")
                stack.append(stack[-1])
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                if not stack:
                    raise Malformed("PUT on an empty stack")
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                if not stack:
                    raise Malformed("MEMOIZE on an empty stack")
                memo[len(memo)] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                if arg not in memo:
                    raise Malformed(f"memo key {arg!r} read before it was written")
                stack.append(memo[arg])
            elif name in ("GLOBAL", "INST"):
                module, _, gname = str(arg).partition(" ")
                full = normalise(module, gname)
                res.globals.add(full)
                if name == "INST":
                    args = tuple(_pop_mark(stack))
                    stack.append(Obj(GlobalRef(full), args))
                else:
                    stack.append(GlobalRef(full))
            elif name == "STACK_GLOBAL":
                gname, module = _pop(stack), _pop(stack)
                if isinstance(module, str) and isinstance(gname, str):
                    full = normalise(module, gname)
                    res.globals.add(full)
                    stack.append(GlobalRef(full))
                else:
                    res.unresolved.append(f"STACK_GLOBAL at byte {pos} with operands that are not static strings")
                    stack.append(UNKNOWN)
            elif name in ("EXT1", "EXT2", "EXT4"):
                res.unresolved.append(f"extension-registry global (code {arg}) at byte {pos}")
                stack.append(UNKNOWN)
            elif name == "REDUCE":
                args, fn = _pop(stack), _pop(stack)
                stack.append(Obj(fn, args))
            elif name == "NEWOBJ":
                args, cls = _pop(stack), _pop(stack)
                stack.append(Obj(cls, args))
            elif name == "NEWOBJ_EX":
                _pop(stack)  # kwargs
                args, cls = _pop(stack), _pop(stack)
                stack.append(Obj(cls, args))
            elif name == "OBJ":
                items = _pop_mark(stack)
                if not items:
                    raise Malformed("OBJ without a class")
                stack.append(Obj(items[0], tuple(items[1:])))
            elif name == "BUILD":
                st = _pop(stack)
                if not stack:
                    raise Malformed("BUILD without an object")
                obj = stack[-1]
                if isinstance(obj, Obj):
                    obj.state = st
                    if isinstance(obj.callable, GlobalRef) and obj.callable.full == JOBLIB_WRAPPER:
                        _joblib_array(obj, reader, res, depth)
                        restart = True
                        break
            elif name == "STOP":
                value = _pop(stack)
                stopped = True
            elif name in ("PROTO", "FRAME", "READONLY_BUFFER"):
                pass
            else:  # PERSID, BINPERSID, EMPTY_SET, ADDITEMS, FROZENSET, NEXT_BUFFER ...: generic effect
                before = list(op.stack_before)
                if pickletools.markobject in before:
                    _pop_mark(stack)
                    before = before[: before.index(pickletools.markobject)]
                for _ in before:
                    _pop(stack)
                stack.extend(UNKNOWN for _ in op.stack_after)
        if not restart and not stopped:
            raise Malformed("pickle ended without STOP")
    return value


def static_value(reader: CappedReader) -> tuple[Any, StreamResult]:
    """The value the first pickle in ``reader`` would build, modelled statically (never unpickled):
    plain data as Python values, ``GLOBAL`` references as :class:`GlobalRef`, calls and objects as
    :class:`Obj` (callable, args, BUILD state), anything else :data:`UNKNOWN`. The stream result
    lists the globals it names; a parse failure is in ``result.error`` and the value is UNKNOWN."""
    res = StreamResult()
    try:
        value = _scan_one(reader, res)
    except ScanLimit as exc:
        res.error = str(exc)
        return UNKNOWN, res
    except (ValueError, Malformed, EOFError, UnicodeDecodeError, OverflowError, MemoryError) as exc:
        res.error = f"not a parsable pickle: {' '.join(str(exc).split())[:160] or type(exc).__name__}"
        return UNKNOWN, res
    res.pickles = 1
    return value, res


def scan_stream(reader: CappedReader) -> StreamResult:
    """Scan concatenated pickles until EOF. The first must parse; after at least one complete pickle,
    bytes that do not parse are data (legacy torch files put raw storages there) — but any global
    seen before the parse failed still counts."""
    res = StreamResult()
    while True:
        start = reader.tell()
        before = set(res.globals)
        try:
            _scan_one(reader, res)
        except ScanLimit as exc:
            res.error = str(exc)
            return res
        except (ValueError, Malformed, EOFError, UnicodeDecodeError, OverflowError, MemoryError) as exc:
            msg = " ".join(str(exc).split())[:160] or type(exc).__name__
            if res.pickles == 0:
                res.error = f"not a parsable pickle: {msg}"
                return res
            res.trailing = start
            new = sorted(res.globals - before)
            cut = " (cut off at the end of the data)" if reader.at_eof() else ""
            res.notes.append(f"non-pickle data from byte {start}{cut}" + (f" (partial opcodes named {', '.join(new)})" if new else ""))
            return res
        res.pickles += 1
        if res.pickles >= MAX_PICKLES:
            res.error = f"more than {MAX_PICKLES} concatenated pickles"
            return res
        if reader.at_eof():
            return res


def verdict(res: StreamResult) -> dict[str, Any]:
    """The scan dict fields for a stream result: status, globals, dangerous, suspicious, reason."""
    globals_ = sorted(res.globals)
    dangerous = sorted(g for g in globals_ if classify(g) == "dangerous") + sorted(res.unresolved)
    suspicious = sorted(g for g in globals_ if classify(g) == "unknown")
    notes = list(res.notes)
    if dangerous:
        status = "dangerous"
        reason = "imports dangerous callables: " + ", ".join(dangerous[:8])
    elif res.error:
        status = "unscannable"
        reason = res.error
    elif suspicious:
        status = "unscannable"
        reason = ("imports globals outside the allowlist, not provably safe: " + ", ".join(suspicious[:8]))
    else:
        status = "clean"
        reason = f"{res.pickles} pickle(s); only allowlisted globals" if globals_ else f"{res.pickles} pickle(s); no globals"
    if res.error and status == "dangerous":
        notes.append(res.error)
    if notes:
        reason += "; " + "; ".join(notes)
    return {"status": status, "globals": globals_, "dangerous": dangerous, "suspicious": suspicious, "reason": reason}
