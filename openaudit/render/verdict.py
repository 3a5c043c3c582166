"""A policy verdict (``Verdict.to_dict()``) as the lines `openaudit check` prints: one status line,
one line per violation and per unverified rule. Each line is terminal-safe on its own, so the line
breaks between them stay real line breaks."""

from __future__ import annotations

from typing import Any

from openaudit.base.text import terminal_safe
from openaudit.render._common import as_dict, as_list, text, unverified_text


def verdict_text(target_id: str, policy: str, verdict: dict[str, Any]) -> str:
    ok = bool(as_dict(verdict).get("ok"))
    lines = [f"policy {'met' if ok else 'VIOLATED'}: {target_id} ({policy})"]
    for v in map(as_dict, as_list(as_dict(verdict).get("violations"))):
        lines.append(f"  violation [{text(v.get('rule'))}]: {text(v.get('message'))}")
    for u in as_list(as_dict(verdict).get("unverified")):
        lines.append(f"  unverified: {unverified_text(u)}")
    return "".join(terminal_safe(line) + "\n" for line in lines)
