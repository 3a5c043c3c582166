"""Scan results: the one shape every scanner returns and the one way parts are combined.

A result is a plain JSON-able dict (it is stored in ``Snapshot.scans`` and in captures)::

    {"format", "status": ScanStatus value, "code": ScanCode value, "reason": human sentence,
     "globals": [...], "dangerous": [...], "suspicious": [...], optional "offset" (byte), "member"}

``status`` and ``code`` are what callers decide on; ``reason`` is derived from them for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openaudit.model import ScanCode, ScanStatus

_BASE_KEYS = ("format", "status", "code", "reason", "globals", "dangerous", "suspicious")
_RANK = {
    ScanStatus.DANGEROUS.value: 3,
    ScanStatus.UNSCANNABLE.value: 2,
    ScanStatus.CLEAN.value: 1,
    ScanStatus.NOT_PICKLE.value: 0,
}


def result(
    fmt: str,
    status: ScanStatus,
    code: ScanCode,
    reason: str,
    *,
    globals_: Iterable[str] = (),
    dangerous: Iterable[str] = (),
    suspicious: Iterable[str] = (),
    **fields: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": fmt,
        "status": status.value,
        "code": code.value,
        "reason": reason,
        "globals": sorted(set(globals_)),
        "dangerous": sorted(set(dangerous)),
        "suspicious": sorted(set(suspicious)),
    }
    out.update({k: v for k, v in fields.items() if v is not None})
    return out


def unscannable(fmt: str, code: ScanCode, reason: str, **fields: Any) -> dict[str, Any]:
    return result(fmt, ScanStatus.UNSCANNABLE, code, reason, **fields)


def not_pickle(fmt: str, reason: str) -> dict[str, Any]:
    return result(fmt, ScanStatus.NOT_PICKLE, ScanCode.NOT_PICKLE, reason)


def rank(res: dict[str, Any]) -> int:
    return _RANK.get(str(res.get("status")), 2)


def status_of(res: Any) -> ScanStatus:
    """The typed status of a stored result; anything unrecognised is UNSCANNABLE (fail closed)."""
    try:
        return ScanStatus(res.get("status")) if isinstance(res, dict) else ScanStatus.UNSCANNABLE
    except ValueError:
        return ScanStatus.UNSCANNABLE


def code_of(res: Any) -> ScanCode:
    """The typed code of a stored result (a result without a known code is a SCANNER_ERROR)."""
    try:
        return ScanCode(res.get("code")) if isinstance(res, dict) else ScanCode.SCANNER_ERROR
    except ValueError:
        return ScanCode.SCANNER_ERROR


def worst(
    fmt: str | None, parts: list[tuple[str, dict[str, Any]]], empty: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Combine the results of the parts of one file (archive members, or the several ways one file
    can be read): the worst status wins with its code; globals are unioned; the reason names the
    parts that decided. ``fmt`` None: the deciding part's format. ``empty`` is returned when there
    are no parts."""
    if not parts:
        return empty if empty is not None else not_pickle(fmt or "unknown", "holds nothing a pickle loader reads")
    top = max(rank(p) for _, p in parts)
    deciding = [(name, p) for name, p in parts if rank(p) == top]
    first = deciding[0][1]
    shown = [f"{name}: {p['reason']}" if name else str(p["reason"]) for name, p in deciding[:5]]
    extra = {k: v for k, v in first.items() if k not in _BASE_KEYS}
    if "member" not in extra and deciding[0][0]:
        extra["member"] = deciding[0][0]
    out = result(
        fmt or str(first.get("format", "unknown")),
        status_of(first),
        code_of(first),
        "; ".join(shown),
        globals_=(g for _, p in parts for g in p.get("globals", [])),
        dangerous=(g for _, p in parts for g in p.get("dangerous", [])),
        suspicious=(g for _, p in parts for g in p.get("suspicious", [])),
        **extra,
    )
    return out
