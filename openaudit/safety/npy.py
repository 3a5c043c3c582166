""".npy files as ``numpy.load`` reads them: a header (a Python literal dict, parsed with
``ast.literal_eval`` as numpy does), then the array bytes — or, when the dtype has objects, a pickle.

Only dtype descriptions that are certainly numeric count as "no pickle"; anything numpy might read
as holding objects (``'O'``, ``'object'``, ``'i4,O'``, sub-arrays, names numpy spells differently) is
scanned as the pickle that follows, so a disguise can only make the file unscannable, never clean.
"""

from __future__ import annotations

import ast
import re
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

from openaudit.model import ScanCode
from openaudit.safety.results import not_pickle, unscannable

NPY_HEADER_CAP = 1024 * 1024
OBJECT_CAP = 1 << 30  # bytes of an object array's pickle walked at most
# Certainly numeric (no objects): bool, ints, floats, complex, bytes/str/void of a size, datetimes.
_NUMERIC = re.compile(r"^[<>|=]?(?:[?bBhHiIlLqQpPnNefdgFDG]|[biufc]\d{1,2}|[SUaV]\d{1,9}|[mM]8(?:\[\d*\w+\])?)$")

ScanPickle = Callable[..., dict]


def numeric_descr(descr: Any, depth: int = 0) -> bool | None:
    """True: certainly numeric; False: may hold objects; None: not a description numpy accepts
    in a form we can read (treated like "may hold objects")."""
    if depth > 32:
        return None
    if isinstance(descr, str):
        return bool(_NUMERIC.match(descr))
    if isinstance(descr, tuple):  # (base, shape): a sub-array of the base type
        if len(descr) != 2 or not isinstance(descr[1], (int, tuple)):
            return None
        return numeric_descr(descr[0], depth + 1)
    if isinstance(descr, list):
        if not descr:
            return None
        for fld in descr:
            if not (isinstance(fld, tuple) and len(fld) in (2, 3) and isinstance(fld[0], (str, tuple))):
                return None
            if len(fld) == 3 and not (isinstance(fld[2], tuple) and all(isinstance(x, int) for x in fld[2])):
                return None
            sub = numeric_descr(fld[1], depth + 1)
            if not sub:
                return sub
        return True
    return None


def read_header(f: BinaryIO) -> tuple[dict | None, str]:
    """(header dict, "") or (None, why) — read exactly as numpy's ``_read_array_header`` reads."""
    magic = f.read(8)
    if len(magic) < 8 or not magic.startswith(b"\x93NUMPY"):
        return None, "not a .npy file"
    major = magic[6]
    if major == 1:
        raw = f.read(2)
        hlen = struct.unpack("<H", raw)[0] if len(raw) == 2 else -1
    elif major in (2, 3):
        raw = f.read(4)
        hlen = struct.unpack("<I", raw)[0] if len(raw) == 4 else -1
    else:
        return None, f"unknown .npy version {major}"
    if hlen < 0 or hlen > NPY_HEADER_CAP:
        return None, ".npy header truncated or larger than the cap"
    raw = f.read(hlen)
    if len(raw) < hlen:
        return None, ".npy header truncated"
    try:
        header = ast.literal_eval(raw.decode("utf-8" if major == 3 else "latin1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError, TypeError):
        return None, ".npy header is not a literal dict"
    if not isinstance(header, dict) or "descr" not in header:
        return None, ".npy header without descr"
    return header, ""


def scan_npy(f: BinaryIO, scan_pickle: ScanPickle, *, fmt: str = "numpy", cut: bool = False) -> dict[str, Any]:
    """A .npy file: a numeric dtype holds no pickle; anything else is scanned as the pickle numpy
    would load after the header."""
    header, why = read_header(f)
    if header is None:
        return unscannable(fmt, ScanCode.MALFORMED, why)
    numeric = numeric_descr(header["descr"])
    if numeric:
        return not_pickle(fmt, f"numeric array ({str(header['descr'])[:40]})")
    out = dict(scan_pickle(f, fmt, cap=OBJECT_CAP, strict=True, cut=cut))
    what = "object array" if numeric is False else "array whose dtype may hold objects"
    out["reason"] = f"{what} ({str(header['descr'])[:40]}): {out['reason']}"
    return out
