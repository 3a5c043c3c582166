"""Static pickle analysis: walk the opcodes with ``pickletools.genops`` (never ``pickle.load``) and a
small stack/memo model, so that STACK_GLOBAL operands pushed earlier (directly, via the memo, or
built by DUP) resolve to the ``module`` + ``name`` they import.

Only plain data is modelled (strings, numbers, tuples, lists, dicts); everything else is an opaque
placeholder. The model follows joblib files exactly where joblib reads: after a ``NumpyArrayWrapper``
BUILD, joblib reads the array's bytes (after an alignment padding byte only when the wrapper's
``numpy_array_alignment_bytes`` is not None) or, for object arrays, a nested pickle.

Failures are typed (``openaudit.safety.reader``), because they mean different things to a verdict:
``Malformed`` / ``Truncated`` (a real unpickler stops there too) versus ``ScanLimit`` / ``Unsupported``
(our limits: the real loader would go on, so the stream can never be clean).
"""

from __future__ import annotations

import pickletools
import re
from dataclasses import dataclass, field
from typing import Any

from openaudit.safety.globals_policy import classify, full_name, normalise
from openaudit.safety.reader import (  # re-exported: the walker's typed stops
    CappedReader,
    Malformed,
    ScanLimit,
    ScanStop,
    Truncated,
    Unsupported,
)

MAX_OPS = 5_000_000  # opcodes per stream (~15 s of genops at worst)
MAX_DEPTH = 8  # nested pickles (joblib object arrays)
JOBLIB_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_RECONSTRUCTORS = {"copyreg._reconstructor", "copyreg.__newobj__", "copyreg.__newobj_ex__"}
_STRING_OPS = {
    "STRING",
    "BINSTRING",
    "SHORT_BINSTRING",
    "UNICODE",
    "BINUNICODE",
    "SHORT_BINUNICODE",
    "BINUNICODE8",
}
_VALUE_OPS = _STRING_OPS | {
    "BINBYTES",
    "SHORT_BINBYTES",
    "BINBYTES8",
    "INT",
    "BININT",
    "BININT1",
    "BININT2",
    "LONG",
    "LONG1",
    "LONG4",
    "FLOAT",
    "BINFLOAT",
}


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
    globals: dict[str, str] = field(default_factory=dict)  # module.name -> safe | dangerous | unknown
    unresolved: list[str] = field(default_factory=list)  # STACK_GLOBAL/EXT that name nothing static
    pickles: int = 0  # complete top-level pickles


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


def _itemsize(dtype: Any) -> tuple[int | None, bool | None]:
    """(itemsize, has_object) of a modelled ``numpy.dtype(...)``; (None, None) when it cannot be known."""
    if not (isinstance(dtype, Obj) and isinstance(dtype.callable, GlobalRef) and dtype.callable.full == "numpy.dtype"):
        return None, None
    args = dtype.args if isinstance(dtype.args, tuple) else ()
    st = dtype.state if isinstance(dtype.state, tuple) else ()
    if len(st) > 3 and st[3] is not None:  # structured dtype (fields): not modelled
        return None, None
    m = _DTYPE_RE.match(args[0]) if args and isinstance(args[0], str) else None
    if not m:
        return None, None
    kind, n = m.group(1), int(m.group(2) or 0)
    if kind == "O":
        return 8, True
    if kind in ("b", "?") and n == 0:
        return 1, False
    if kind == "U":
        return 4 * n, False
    if kind == "V" and len(st) > 5 and isinstance(st[5], int) and st[5] >= 0:
        return st[5], False
    return (n if n > 0 else None), False


def _wrapper_state(obj: Any) -> dict | None:
    """The BUILD state of a joblib NumpyArrayWrapper (built directly or through copyreg), else None."""
    if not isinstance(obj, Obj):
        return None
    fn = obj.callable
    cls = fn
    if isinstance(fn, GlobalRef) and fn.full in _RECONSTRUCTORS:
        cls = obj.args[0] if isinstance(obj.args, tuple) and obj.args else UNKNOWN
    if isinstance(cls, GlobalRef) and cls.full == JOBLIB_WRAPPER:
        if not isinstance(obj.state, dict):
            raise Unsupported("joblib array wrapper whose state is not a plain dict")
        return obj.state
    if not isinstance(cls, GlobalRef):
        raise Unsupported("BUILD on an object whose class cannot be known statically in a joblib stream")
    return None


def _int64(x: int) -> int:
    x &= (1 << 64) - 1
    return x - (1 << 64) if x >> 63 else x


def _joblib_array(state: dict, reader: CappedReader, res: StreamResult, depth: int) -> None:
    """Read past the array joblib reads right after a wrapper BUILD, exactly as joblib does."""
    shape = state.get("shape")
    if not (isinstance(shape, (tuple, list)) and all(isinstance(x, int) and not isinstance(x, bool) for x in shape)):
        raise Unsupported("joblib array wrapper without a static shape")
    size, has_object = _itemsize(state.get("dtype"))
    if has_object is None:
        raise Unsupported("joblib array wrapper with a dtype that cannot be sized statically")
    if has_object:  # joblib reads a nested pickle (no padding)
        _scan_one(reader, res, depth + 1)
        return
    align = state.get("numpy_array_alignment_bytes")
    if align is UNKNOWN or isinstance(align, (Obj, GlobalRef)):
        raise Unsupported("joblib alignment attribute that cannot be known statically")
    if align is not None:  # joblib: getattr(..., None) is not None -> one padding-length byte, then the padding
        pad = reader.read(1)
        if not pad:
            raise Truncated("joblib padding byte missing", reader.pos)
        reader.skip(pad[0], "joblib padding")
    if any(x < -(1 << 63) or x >= (1 << 63) for x in shape):
        raise Malformed("joblib array dimension outside int64")
    count = 1
    for x in shape:  # numpy.multiply.reduce over int64: wraps around like joblib's own computation
        count = _int64(count * x)
    if size == 0 or count < 0:
        raise Malformed("joblib array that numpy cannot allocate")
    reader.skip(count * size if shape else size, "joblib array data")


def _global(res: StreamResult, module: str, name: str) -> GlobalRef:
    module, name = normalise(module, name)
    full = full_name(module, name)
    res.globals[full] = classify(module, name)
    return GlobalRef(full)


def _scan_one(reader: CappedReader, res: StreamResult, depth: int = 0, *, joblib_arrays: bool = True) -> Any:
    """Parse one pickle (to its STOP) from ``reader``; add its globals to ``res``; return the value
    left by STOP (modelled; opaque objects stay opaque). Raises a ``ScanStop`` subclass otherwise.
    ``joblib_arrays``: read array data after wrapper BUILDs as joblib does (False: as a plain
    unpickler does — it reads no array bytes)."""
    if depth > MAX_DEPTH:
        raise ScanLimit(f"nested pickles deeper than {MAX_DEPTH} levels", reader.pos)
    stack: list = []
    memo: dict = {}
    ops = callables = 0
    joblib = False
    at = reader.tell()  # where the next opcode starts (the failing one, when genops raises)
    try:
        for op, arg, pos in pickletools.genops(reader):
            ops += 1
            if ops > MAX_OPS:
                raise ScanLimit(f"more than {MAX_OPS} opcodes", pos)
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
                items = [_pop(stack) for _ in range(int(name[-1]))][::-1]
                stack.append(tuple(items))
            elif name == "TUPLE":
                stack.append(tuple(_pop_mark(stack)))
            elif name == "EMPTY_LIST":
                stack.append([])
            elif name == "LIST":
                stack.append(_pop_mark(stack))
            elif name in ("APPEND", "APPENDS"):
                items = [_pop(stack)] if name == "APPEND" else _pop_mark(stack)
                if not stack or stack[-1] is MARK:
                    raise Malformed(f"{name} without a list")
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
                elif not stack or stack[-1] is MARK:
                    raise Malformed("SETITEMS without a dict")
                _set_items(stack[-1], items)
            elif name == "SETITEM":
                v, k = _pop(stack), _pop(stack)
                if not stack or stack[-1] is MARK:
                    raise Malformed("SETITEM without a dict")
                _set_items(stack[-1], [k, v])
            elif name == "POP":
                if not stack:
                    raise Malformed("stack underflow")
                stack.pop()
            elif name == "POP_MARK":
                _pop_mark(stack)
            elif name == "DUP":
                if not stack or stack[-1] is MARK:
                    raise Malformed("stack underflow")
                stack.append(stack[-1])
            elif name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                if not stack or stack[-1] is MARK:
                    raise Malformed(f"{name} on an empty stack")
                memo[len(memo) if name == "MEMOIZE" else arg] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                if arg not in memo:
                    raise Malformed(f"memo key {arg!r} read before it was written")
                stack.append(memo[arg])
            elif name in ("GLOBAL", "INST"):
                module, _, gname = str(arg).partition(" ")
                inst_args = tuple(_pop_mark(stack)) if name == "INST" else ()
                callables += 1
                ref = _global(res, module, gname)
                joblib = joblib or ref.full == JOBLIB_WRAPPER
                stack.append(Obj(ref, inst_args) if name == "INST" else ref)
            elif name == "STACK_GLOBAL":
                gname, module = _pop(stack), _pop(stack)
                callables += 1
                if isinstance(module, str) and isinstance(gname, str):
                    ref = _global(res, module, gname)
                    joblib = joblib or ref.full == JOBLIB_WRAPPER
                    stack.append(ref)
                else:
                    res.unresolved.append(f"STACK_GLOBAL at byte {pos} with operands that are not static strings")
                    stack.append(UNKNOWN)
            elif name in ("EXT1", "EXT2", "EXT4"):
                callables += 1
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
                if not stack or stack[-1] is MARK:
                    raise Malformed("BUILD without an object")
                obj = stack[-1]
                if isinstance(obj, Obj):
                    obj.state = st
                if joblib and joblib_arrays:
                    wstate = _wrapper_state(obj)
                    if wstate is not None:
                        _joblib_array(wstate, reader, res, depth)
                        stack[-1] = UNKNOWN  # joblib replaces the wrapper by the array it read
            elif name == "STOP":
                return _pop(stack)
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
            at = reader.tell()
        raise Truncated("pickle ended without STOP", reader.tell())
    except ScanStop as exc:
        exc.ops += ops
        exc.callables += callables
        if exc.pos is None:
            exc.pos = reader.tell()
        raise
    except (ValueError, EOFError, UnicodeDecodeError, OverflowError) as exc:
        msg = " ".join(str(exc).split())[:160] or type(exc).__name__
        cls = Truncated if reader.at_eof() else Malformed
        err = cls(msg, at)
        err.ops, err.callables = ops, callables
        raise err from None
    except MemoryError:
        err = ScanLimit("out of memory while modelling the stack", reader.tell())
        err.ops, err.callables = ops, callables
        raise err from None


def _set_items(target: Any, items: list) -> None:
    if not isinstance(target, dict):
        return
    for k, v in zip(items[::2], items[1::2]):
        if isinstance(k, (str, int, bytes, float, bool, type(None), tuple)):
            try:
                target[k] = v
            except TypeError:
                pass


def static_value(reader: CappedReader) -> tuple[Any, str | None]:
    """The value the next pickle in ``reader`` would build, modelled statically (never unpickled): plain
    data as Python values, ``GLOBAL`` references as :class:`GlobalRef`, calls and objects as :class:`Obj`
    (callable, args, BUILD state), anything else :data:`UNKNOWN`. Returns ``(value, None)``, or
    ``(UNKNOWN, reason)`` when the pickle cannot be walked to its STOP."""
    try:
        return _scan_one(reader, StreamResult(), joblib_arrays=False), None
    except ScanStop as exc:
        return UNKNOWN, f"not a complete pickle: {' '.join(str(exc).split())[:160]}"
