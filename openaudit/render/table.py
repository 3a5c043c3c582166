"""Rich table for terminals, rendered to a string (fixed width, no colour codes unless asked)."""

from __future__ import annotations

import io
from typing import Any

from openaudit.base.text import terminal_safe
from openaudit.render._common import (
    LEGEND,
    OUTCOME_ICON,
    OUTCOME_LABEL,
    as_dict,
    dimensions,
    evidence,
    evidence_location,
    findings,
    findings_counts,
    frameworks,
    score_text,
    target_id,
    text,
)


def _s(value: Any, default: str = "") -> str:
    """Untrusted text made terminal-safe and free of rich markup interpretation."""
    return terminal_safe(text(value, default))


def render_table(
    report: dict[str, Any], *, width: int = 100, color: bool = False, details: bool = True, **_opts: Any
) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        legacy_windows=False,
    )

    overall = as_dict(report.get("overall"))
    lic = as_dict(report.get("license"))
    tgt = as_dict(report.get("target"))
    head = Text()
    head.append(f"openaudit report: {_s(target_id(report))}", style="bold")
    rev = tgt.get("commit_sha") or tgt.get("revision")
    if rev:
        head.append(f" @ {_s(rev)}")
    console.print(head)
    console.print(
        Text(
            f"Overall: {score_text(overall.get('score'))}/10  grade {_s(overall.get('grade'), 'n/a')}"
            f"  confidence {_s(overall.get('confidence'), 'n/a')}"
        )
    )
    console.print(
        Text(
            f"License: {_s(lic.get('spdx') or lic.get('declared'), 'none declared')}"
            f"  ({_s(lic.get('category'), 'unknown category')};"
            f" commercial use: {_s(lic.get('commercial_use'), 'unknown')})"
        )
    )

    dims = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False)
    for col, just in (
        ("Dimension", "left"),
        ("Score", "right"),
        ("Grade", "center"),
        ("Confidence", "right"),
        ("Findings", "left"),
    ):
        dims.add_column(col, justify=just)  # type: ignore[arg-type]
    for d in dimensions(report):
        dims.add_row(
            Text(_s(d.get("name") or d.get("id"))),
            score_text(d.get("score")),
            Text(_s(d.get("grade"), "-")),
            Text(_s(d.get("confidence"), "-")),
            Text(findings_counts(d)),
        )
    console.print(dims)
    console.print(Text(LEGEND, style="dim"))

    mof, osaid, osai = frameworks(report)
    if mof or osaid or osai:
        fw = Text("Frameworks: ")
        fw.append(f"MOF class {_s(mof.get('class'), 'none')}; ")
        fw.append(f"OSAID {_s(osaid.get('verdict'), 'n/a')}")
        if osai:
            fw.append(
                "; OSAI " + ", ".join(f"{_s(k)}={_s(v)}" for k, v in sorted(osai.items(), key=lambda kv: str(kv[0])))
            )
        console.print(fw)

    if details:
        ft = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
        ft.add_column("Probe", no_wrap=True)
        ft.add_column("Outcome", no_wrap=True)
        ft.add_column("Message / evidence", ratio=1)
        for d in dimensions(report):
            for f in findings(d):
                msg = Text(_s(f.get("message")))
                for ev in evidence(f)[:3]:
                    loc = evidence_location(ev)
                    if loc:
                        msg.append("\n  " + _s(loc), style="dim")
                outcome = str(f.get("outcome"))
                ft.add_row(
                    Text(_s(f.get("probe"))),
                    Text(f"{OUTCOME_ICON.get(outcome, '?')} {OUTCOME_LABEL.get(outcome, _s(outcome))}"),
                    msg,
                )
        console.print(ft)
    return buf.getvalue()
