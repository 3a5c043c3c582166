"""Tar archives (``.nemo``, ``.tar``, legacy torch tars, a tar inside a compressed stream, or any file
whose first block is a tar header ``tarfile`` accepts): every member is judged by its bytes like a file
of its own, read in place through ``tarfile`` — never extracted.

Legacy torch tars (``torch.load`` tries them first on any non-zip file) hold ``storages`` and
``tensors`` members that interleave pickles with raw records, read as torch reads them, and a
``pickle`` member. A link member a loader would follow under one of those names is unscannable.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from typing import Any, BinaryIO

from openaudit.model import ScanCode
from openaudit.safety.results import not_pickle, unscannable, worst
from openaudit.safety.roles import PICKLE_NAMES
from openaudit.safety.streams import scan_legacy_member

MAX_MEMBERS = 10_000
MEMBER_CAP = 512 * 1024 * 1024

ScanMember = Callable[..., "dict[str, Any] | None"]


def _msg(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__


def scan_tar(
    f: BinaryIO, scan_member: ScanMember, *, depth: int, stream: bool = False, cut: bool = False
) -> dict[str, Any]:
    """``stream``: ``f`` can only be read forward (a decompressed stream): members are read in order."""
    parts: list[tuple[str, dict]] = []
    fmt = "tar"
    try:
        tf = tarfile.open(fileobj=f, mode="r|" if stream else "r:")  # noqa: SIM115  (closed by the `with tf:` below)
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        return unscannable(
            fmt, ScanCode.BUDGET if cut else ScanCode.CORRUPT_CONTAINER, f"tar that cannot be read: {_msg(exc)}"
        )
    try:
        with tf:
            for n, m in enumerate(tf, 1):
                if n > MAX_MEMBERS:
                    parts.append(
                        ("", unscannable(fmt, ScanCode.CAP_REACHED, f"tar with more than {MAX_MEMBERS} members"))
                    )
                    break
                if m.name in PICKLE_NAMES:
                    fmt = "torch-tar"
                if m.issym() or m.islnk():
                    if m.name in PICKLE_NAMES:
                        parts.append(
                            (
                                m.name,
                                unscannable(
                                    fmt,
                                    ScanCode.LINK_MEMBER,
                                    f"link member {m.name!r} -> {m.linkname[:80]!r} that torch.load follows",
                                ),
                            )
                        )
                    continue
                if not m.isfile():
                    continue
                fo = tf.extractfile(m)
                if fo is None:
                    continue
                with fo:
                    got = _member(fo, m, scan_member, depth, stream)
                if got is not None:
                    parts.append((m.name, got))
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        parts.append(
            ("", unscannable(fmt, ScanCode.BUDGET if cut else ScanCode.TRUNCATED, f"tar cut short: {_msg(exc)}"))
        )
    return worst(fmt, parts, not_pickle(fmt, "tar archive without pickle members"))


def _member(fo: BinaryIO, m: tarfile.TarInfo, scan_member: ScanMember, depth: int, stream: bool) -> dict | None:
    if m.name in ("storages", "tensors"):
        if m.size > MEMBER_CAP:
            return unscannable("torch-tar", ScanCode.CAP_REACHED, f"member larger than {MEMBER_CAP} bytes")
        return scan_legacy_member(fo, m.name, m.size)
    return scan_member(fo, m.name, m.size, depth=depth + 1, seekable=not stream, cap=MEMBER_CAP)
