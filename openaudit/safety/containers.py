"""Containers that carry pickles: zip archives (torch checkpoints, .npz, keras), numpy .npy files
with object dtype, and zip checkpoints read by byte ranges. Members are streamed in memory with
caps; nothing is extracted to disk, nothing is unpickled."""
from __future__ import annotations

import ast
import io
import posixpath
import struct
import zipfile
import zlib
from typing import Any, BinaryIO, Callable

MAX_MEMBERS = 10_000
MEMBER_CAP = 512 * 1024 * 1024  # uncompressed bytes of one pickle/npy member
MAX_RATIO = 200  # compression ratio above which a big member is a zip bomb
NPY_HEADER_CAP = 1024 * 1024
_RANK = {"dangerous": 3, "unscannable": 2, "clean": 1, "not_pickle": 0}

ScanPickle = Callable[[BinaryIO, str, int], dict]


class OverBudget(Exception):
    pass


def _res(fmt: str, status: str, reason: str) -> dict[str, Any]:
    return {"format": fmt, "status": status, "globals": [], "dangerous": [], "suspicious": [], "reason": reason}


def merge(fmt: str, parts: list[tuple[str, dict]], empty_reason: str) -> dict[str, Any]:
    """Combine member results: worst status wins; globals are unioned; reasons name the member."""
    if not parts:
        return _res(fmt, "not_pickle", empty_reason)
    status = max((p["status"] for _, p in parts), key=lambda s: _RANK.get(s, 2))
    out = _res(fmt, status, "")
    for key in ("globals", "dangerous", "suspicious"):
        out[key] = sorted({g for _, p in parts for g in p.get(key, [])})
    shown = [f"{name}: {p['reason']}" for name, p in parts if p["status"] == status][:5]
    out["reason"] = "; ".join(shown)
    return out


def _is_pickle_member(name: str) -> bool:
    low = name.lower()
    return low.endswith((".pkl", ".pickle")) or posixpath.basename(low) in ("data.pkl", "constants.pkl")


def scan_zip(f: BinaryIO, scan_pickle: ScanPickle) -> dict[str, Any]:
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return _res("zip", "unscannable", f"corrupt zip: {' '.join(str(exc).split())[:120]}")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            return _res("zip", "unscannable", f"zip with more than {MAX_MEMBERS} members")
        names = [i.filename for i in infos]
        fmt = "torch-zip" if any(posixpath.basename(n) == "data.pkl" for n in names) else "zip"
        parts: list[tuple[str, dict]] = []
        code = [n for n in names if "/code/" in f"/{n}" and n.endswith(".py")]
        if code and fmt == "torch-zip":
            parts.append(("code/", {**_res(fmt, "unscannable", f"TorchScript archive with {len(code)} code file(s) run by torch.jit.load"), "suspicious": ["torchscript code"]}))
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename
            is_pkl, is_npy = _is_pickle_member(name), name.lower().endswith(".npy")
            if not (is_pkl or is_npy):
                continue
            if info.flag_bits & 0x1:
                parts.append((name, _res(fmt, "unscannable", "encrypted member")))
                continue
            if info.file_size > MEMBER_CAP:
                parts.append((name, _res(fmt, "unscannable", f"member larger than {MEMBER_CAP} bytes")))
                continue
            if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                parts.append((name, _res(fmt, "unscannable", "compression ratio of a zip bomb")))
                continue
            try:
                with zf.open(info) as m:
                    if is_pkl:
                        parts.append((name, scan_pickle(m, fmt, info.file_size + 1)))
                    else:
                        parts.append((name, scan_npy(m, scan_pickle, fmt=fmt)))
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, zlib.error, ValueError) as exc:
                parts.append((name, _res(fmt, "unscannable", f"unreadable member: {' '.join(str(exc).split())[:120]}")))
    return merge(fmt, parts, "zip without pickle members")


def _descr_has_object(descr: Any, depth: int = 0) -> bool | None:
    if depth > 32:
        return None
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, list):
        out = False
        for field in descr:
            if not (isinstance(field, tuple) and len(field) >= 2):
                return None
            sub = _descr_has_object(field[1], depth + 1)
            if sub is None:
                return None
            out = out or sub
        return out
    return None


def scan_npy(f: BinaryIO, scan_pickle: ScanPickle, *, fmt: str = "numpy") -> dict[str, Any]:
    """A .npy file: object dtype means the payload is a pickle (scanned); otherwise no pickle."""
    magic = f.read(8)
    if len(magic) < 8 or not magic.startswith(b"\x93NUMPY"):
        return _res(fmt, "unscannable", "not a .npy file")
    major = magic[6]
    if major == 1:
        raw = f.read(2)
        hlen = struct.unpack("<H", raw)[0] if len(raw) == 2 else -1
    elif major in (2, 3):
        raw = f.read(4)
        hlen = struct.unpack("<I", raw)[0] if len(raw) == 4 else -1
    else:
        return _res(fmt, "unscannable", f"unknown .npy version {major}")
    if hlen < 0 or hlen > NPY_HEADER_CAP:
        return _res(fmt, "unscannable", ".npy header truncated or too large")
    raw = f.read(hlen)
    if len(raw) < hlen:
        return _res(fmt, "unscannable", ".npy header truncated")
    try:
        header = ast.literal_eval(raw.decode("utf-8" if major == 3 else "latin1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError, TypeError):
        return _res(fmt, "unscannable", ".npy header is not a literal dict")
    if not isinstance(header, dict) or "descr" not in header:
        return _res(fmt, "unscannable", ".npy header without descr")
    has_obj = _descr_has_object(header["descr"])
    if has_obj is None:
        return _res(fmt, "unscannable", ".npy dtype description not understood")
    if not has_obj:
        return _res(fmt, "not_pickle", f"numeric array ({str(header['descr'])[:40]})")
    out = scan_pickle(f, fmt, 1 << 30)
    out["reason"] = "object array pickle: " + out["reason"]
    return out


# ---- zip by byte ranges ------------------------------------------------------------------------


class _Budget:
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


def _central_directory(b: _Budget) -> list[dict]:
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


def scan_ranged(size: int, read: Callable[[int, int], bytes], budget: int, scan_pickle: ScanPickle) -> dict[str, Any]:
    if not isinstance(size, int) or size <= 0:
        return _res("unknown", "unscannable", "unknown or empty file size")
    b = _Budget(read, size, budget)
    head = b.get(0, min(size, 64))
    from openaudit.base.formats import sniff

    fmt = sniff(head)
    if fmt in ("safetensors", "gguf", "onnx", "hdf5"):
        return _res(fmt, "not_pickle", f"{fmt} file: holds no pickle")
    if fmt not in ("zip", "torch-zip"):
        n = min(size, b.left + 64) - 64
        data = head + (b.get(64, n) if n > 0 else b"")
        if fmt == "numpy":
            out = scan_npy(io.BytesIO(data), scan_pickle)
        else:
            out = scan_pickle(io.BytesIO(data), "pickle" if fmt == "pickle" else "unknown", len(data) + 1)
        if len(data) < size and out["status"] == "unscannable" and "not a parsable pickle" in out["reason"]:
            out["reason"] = f"pickle longer than the {budget}-byte budget or not a pickle: " + out["reason"]
        reason = out.get("reason", "")
        if len(data) < size and out["status"] == "clean" and ("non-pickle data" not in reason or "cut off at the end" in reason):
            # The window ended inside the pickle stream: what follows was never seen, so never "clean".
            return _res(out["format"], "unscannable",
                        f"only the first {len(data)} of {size} bytes fit the {budget}-byte budget and the pickle stream continues")
        if fmt == "unknown" and out["status"] == "clean":
            if len(data) < size or "non-pickle data" in out["reason"]:
                out = _res("unknown", "unscannable", "content is neither a pickle nor a known format")
            else:
                out["format"] = "pickle"
        return out
    entries = _central_directory(b)
    fmt = "torch-zip" if any(posixpath.basename(e["name"]) == "data.pkl" for e in entries) else "zip"
    parts: list[tuple[str, dict]] = []
    for e in sorted(entries, key=lambda e: e["name"]):
        if not _is_pickle_member(e["name"]):
            continue
        if e["flags"] & 1:
            parts.append((e["name"], _res(fmt, "unscannable", "encrypted member")))
            continue
        local = b.get(e["off"], 30)
        if local[:4] != b"PK\x03\x04":
            raise ValueError("corrupt local header")
        nlen, elen = struct.unpack_from("<HH", local, 26)
        raw = b.get(e["off"] + 30 + nlen + elen, e["csize"])
        if e["method"] == 0:
            data = raw
        elif e["method"] == 8:
            d = zlib.decompressobj(-15)
            data = d.decompress(raw, MEMBER_CAP)
            if d.unconsumed_tail:
                data = b""
                parts.append((e["name"], _res(fmt, "unscannable", "member decompresses beyond the cap")))
                continue
        else:
            parts.append((e["name"], _res(fmt, "unscannable", f"compression method {e['method']} not supported")))
            continue
        parts.append((e["name"], scan_pickle(io.BytesIO(data), fmt, len(data) + 1)))
    return merge(fmt, parts, "zip without pickle members")
