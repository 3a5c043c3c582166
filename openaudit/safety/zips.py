"""Zip archives (torch checkpoints, .npz, any zip whatever its name): every member is judged by its
bytes like a file of its own (``scan_member``), streamed from memory with caps — never extracted.

Loader facts this follows: ``torch.load`` unpickles ``<record>/data.pkl`` (and TorchScript's
``constants.pkl`` / ``code/``); ``numpy.load`` returns every ``.npz`` member that starts with the .npy
magic through ``read_array`` whatever its name (object dtypes unpickle); raw tensor records
(``<record>/data/<n>`` of a torch zip) are read as bytes only.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

from openaudit.model import ScanCode
from openaudit.safety.results import not_pickle, unscannable, worst
from openaudit.safety.roles import wanted

MAX_MEMBERS = 10_000
MEMBER_CAP = 512 * 1024 * 1024  # uncompressed bytes of one member that is scanned to its end
MAX_RATIO = 200  # compression ratio above which a big member is a zip bomb
HEAD = 64 * 1024

ScanMember = Callable[..., "dict[str, Any] | None"]


class OverBudget(Exception):
    """A ranged scan needs more bytes than its budget."""


def _msg(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__


def _fmt(names: list[str]) -> str:
    return "torch-zip" if any(posixpath.basename(n) == "data.pkl" for n in names) else "zip"


def _raw_record(name: str, fmt: str) -> bool:
    """A torch zip's tensor storage record: read by torch as raw bytes, never unpickled."""
    parts = name.split("/")
    return fmt == "torch-zip" and len(parts) >= 3 and parts[-2] == "data" and parts[-1].isdigit()


def scan_zip(f: BinaryIO, scan_member: ScanMember, *, depth: int, cut: bool = False) -> dict[str, Any]:
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        code = ScanCode.BUDGET if cut else ScanCode.CORRUPT_CONTAINER
        return unscannable("zip", code, f"zip that cannot be read: {_msg(exc)}")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            return unscannable("zip", ScanCode.CAP_REACHED, f"zip with more than {MAX_MEMBERS} members")
        fmt = _fmt([i.filename for i in infos])
        parts: list[tuple[str, dict]] = []
        code = [i.filename for i in infos if "/code/" in f"/{i.filename}" and i.filename.endswith(".py")]
        if code and fmt == "torch-zip":
            parts.append(
                (
                    "code/",
                    {
                        **unscannable(
                            fmt,
                            ScanCode.TORCHSCRIPT,
                            f"TorchScript archive with {len(code)} code file(s) run by torch.jit.load",
                        ),
                        "suspicious": ["torchscript code"],
                    },
                )
            )
        for info in sorted(infos, key=lambda i: i.filename):
            if info.is_dir() or _raw_record(info.filename, fmt):
                continue
            got = _member(zf, info, fmt, scan_member, depth)
            if got is not None:
                parts.append((info.filename, got))
    return worst(fmt, parts, not_pickle(fmt, "zip without pickle members"))


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, fmt: str, scan_member: ScanMember, depth: int) -> dict | None:
    if info.flag_bits & 0x1:
        return unscannable(fmt, ScanCode.ENCRYPTED, "encrypted member")
    if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return unscannable(fmt, ScanCode.ZIP_BOMB, "compression ratio of a zip bomb")
    try:
        with zf.open(info) as m:
            return scan_member(m, info.filename, info.file_size, depth=depth + 1, seekable=False, cap=MEMBER_CAP)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, zlib.error, ValueError) as exc:
        return unscannable(fmt, ScanCode.CORRUPT_CONTAINER, f"unreadable member: {_msg(exc)}")


# ---- zip by byte ranges (remote files) ----------------------------------------------------------


class Budget:
    def __init__(self, read: Callable[[int, int], bytes], size: int, budget: int):
        self._read, self.size, self.left = read, size, budget

    def get(self, off: int, n: int) -> bytes:
        if off < 0 or n < 0 or off + n > self.size:
            raise ValueError("range outside the file")
        if n > self.left:
            raise OverBudget(f"scanning needs more than the byte budget ({self.left} bytes left)")
        self.left -= n
        data = self._read(off, n)
        if not isinstance(data, (bytes, bytearray)) or len(data) != n:
            raise ValueError("short or invalid range read")
        return bytes(data)


def _central_directory(b: Budget) -> list[dict]:
    tail_len = min(b.size, 65_557)
    tail = b.get(b.size - tail_len, tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise ValueError("no zip end-of-central-directory record")
    entries, cd_size, cd_off = struct.unpack_from("<HII", tail, at + 10)
    if 0xFFFFFFFF in (cd_size, cd_off) or entries == 0xFFFF:
        loc = at - 20
        if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
            raise ValueError("zip64 locator missing")
        z64_off = struct.unpack_from("<Q", tail, loc + 8)[0]
        rec = b.get(z64_off, 56)
        if rec[:4] != b"PK\x06\x06":
            raise ValueError("zip64 end record missing")
        entries, cd_size, cd_off = struct.unpack_from("<QQQ", rec, 32)
    if entries > MAX_MEMBERS:
        raise ValueError(f"zip with more than {MAX_MEMBERS} members")
    start = b.size - tail_len
    cd = tail[cd_off - start : cd_off - start + cd_size] if cd_off >= start else b.get(cd_off, cd_size)
    out, p = [], 0
    for _ in range(entries):
        if cd[p : p + 4] != b"PK\x01\x02":
            raise ValueError("corrupt central directory")
        flags, method = struct.unpack_from("<HH", cd, p + 8)
        csize, usize = struct.unpack_from("<II", cd, p + 20)
        nlen, elen, clen = struct.unpack_from("<HHH", cd, p + 28)
        loff = struct.unpack_from("<I", cd, p + 42)[0]
        name = cd[p + 46 : p + 46 + nlen].decode("utf-8", "replace")
        extra = cd[p + 46 + nlen : p + 46 + nlen + elen]
        q = 0
        while q + 4 <= len(extra):  # zip64 extended information
            tag, ln = struct.unpack_from("<HH", extra, q)
            if tag == 1:
                vals = list(struct.unpack_from(f"<{ln // 8}Q", extra, q + 4))
                if usize == 0xFFFFFFFF and vals:
                    usize = vals.pop(0)
                if csize == 0xFFFFFFFF and vals:
                    csize = vals.pop(0)
                if loff == 0xFFFFFFFF and vals:
                    loff = vals.pop(0)
            q += 4 + ln
        out.append({"name": name, "flags": flags, "method": method, "csize": csize, "usize": usize, "off": loff})
        p += 46 + nlen + elen + clen
    return out


def _inflate(raw: bytes, method: int, limit: int) -> bytes | None:
    """The first ``limit`` bytes of a member's data (None: it holds more than ``limit``)."""
    if method == 0:
        return raw if len(raw) <= limit else None
    d = zlib.decompressobj(-15)
    out = d.decompress(raw, limit)
    return None if d.unconsumed_tail else out


def scan_zip_ranged(b: Budget, scan_member: ScanMember) -> dict[str, Any]:
    """A zip read by ranges: the central directory, then each member's first bytes; members that
    need scanning are fetched whole (within the budget). Over budget -> OverBudget."""
    entries = _central_directory(b)
    fmt = _fmt([e["name"] for e in entries])
    parts: list[tuple[str, dict]] = []
    for e in sorted(entries, key=lambda e: e["name"]):
        if e["name"].endswith("/") or _raw_record(e["name"], fmt):
            continue
        if e["flags"] & 1:
            parts.append((e["name"], unscannable(fmt, ScanCode.ENCRYPTED, "encrypted member")))
            continue
        if e["method"] not in (0, 8):
            parts.append(
                (e["name"], unscannable(fmt, ScanCode.UNSUPPORTED, f"compression method {e['method']} not supported"))
            )
            continue
        if e["usize"] > MEMBER_CAP or (e["usize"] > 1024 * 1024 and e["usize"] > MAX_RATIO * max(e["csize"], 1)):
            parts.append(
                (e["name"], unscannable(fmt, ScanCode.ZIP_BOMB, "member over the size cap or with a zip bomb's ratio"))
            )
            continue
        local = b.get(e["off"], 30)
        if local[:4] != b"PK\x03\x04":
            raise ValueError("corrupt local header")
        nlen, elen = struct.unpack_from("<HH", local, 26)
        data_at = e["off"] + 30 + nlen + elen
        first = b.get(data_at, min(e["csize"], 4096))
        if len(first) < e["csize"]:
            head = zlib.decompressobj(-15).decompress(first, HEAD) if e["method"] == 8 else first
            if not wanted(e["name"], head):
                continue
            first += b.get(data_at + len(first), e["csize"] - len(first))
        data = _inflate(first, e["method"], MEMBER_CAP)
        if data is None:
            parts.append((e["name"], unscannable(fmt, ScanCode.CAP_REACHED, "member decompresses beyond the cap")))
            continue
        got = scan_member(io.BytesIO(data), e["name"], len(data), depth=1, seekable=True, cap=MEMBER_CAP)
        if got is not None:
            parts.append((e["name"], got))
    return worst(fmt, parts, not_pickle(fmt, "zip without pickle members"))
