"""Framework explanations for the report cards: for every OSAI dimension, MOF component and OSAID
item, the criteria (probe, weight or role, outcome) and the findings that decided the grade.

Reads ``frameworks.explain`` of the JSON report (schema 1.1; absent in older reports, then nothing
is rendered). Renderers call ``markdown_lines(report, md)`` / ``html_lines(report, h)`` with their
own escaping of untrusted text; nothing here computes a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openaudit.render._common import OUTCOME_LABEL, as_dict, as_list, text

TITLE = "How the framework grades were decided"


def _explain(report: dict[str, Any]) -> dict[str, Any]:
    return as_dict(as_dict(report.get("frameworks")).get("explain"))


def _criteria(item: dict[str, Any]) -> list[str]:
    """One short label per criterion: ``code.training_code ×3: partial`` / ``license.open (license): pass``."""
    out = []
    for c in as_list(item.get("criteria")):
        c = as_dict(c)
        how = (
            f" ×{text(c.get('weight'))}"
            if c.get("weight") is not None
            else (f" ({text(c.get('role'))})" if c.get("role") else "")
        )
        out.append(f"{text(c.get('probe'))}{how}: {OUTCOME_LABEL.get(text(c.get('outcome')), text(c.get('outcome')))}")
    return out


def _share(d: dict[str, Any]) -> str:
    obs = d.get("observed")
    if not obs:
        return "–"
    return f"{float(d.get('earned') or 0) / float(obs):.2f} ({text(d.get('earned'))}/{text(obs)})"


def _rows(report: dict[str, Any]) -> list[tuple[str, list[str], list[tuple[str, ...]]]]:
    """(heading, column names, rows of plain text) per framework present."""
    ex = _explain(report)
    out = []
    osai = as_dict(as_dict(ex.get("osai")).get("dimensions"))
    if osai:
        rows = [
            (
                k.replace("_", " "),
                text(d.get("grade")),
                _share(d),
                "; ".join(_criteria(d)) or "–",
                text(d.get("decided_by"), "–"),
                text(d.get("reason")),
            )
            for k, d in sorted((k, as_dict(v)) for k, v in osai.items())
        ]
        out.append(
            (
                "European Open Source AI Index",
                ["Dimension", "Grade", "Share", "Criteria (weight: outcome)", "Decided by", "Why"],
                rows,
            )
        )
    mof = as_list(as_dict(ex.get("mof")).get("components"))
    if mof:
        rows = [
            (
                text(c.get("name") or c.get("id")),
                text(c.get("class")),
                text(c.get("status")),
                "; ".join(_criteria(c)) or "–",
                text(c.get("decided_by"), "–"),
            )
            for c in map(as_dict, mof)
        ]
        out.append(
            (
                "Model Openness Framework",
                ["Component", "Class", "Status", "Criteria (role: outcome)", "Decided by"],
                rows,
            )
        )
    osaid = as_dict(as_dict(ex.get("osaid")).get("items"))
    if osaid:
        rows = [
            (
                text(i.get("name") or k),
                text(i.get("status")),
                "; ".join(_criteria(i)) or "–",
                text(i.get("decided_by"), "–"),
            )
            for k, i in sorted((k, as_dict(v)) for k, v in osaid.items())
        ]
        out.append(
            ("OSI Open Source AI Definition", ["Item", "Status", "Criteria (role: outcome)", "Decided by"], rows)
        )
    return out


def markdown_lines(report: dict[str, Any], md: Callable[[Any], str]) -> list[str]:
    """Markdown tables (``md`` escapes untrusted text); [] when the report has no explanations."""
    parts = _rows(report)
    if not parts:
        return []
    out = [f"## {TITLE}", ""]
    for heading, cols, rows in parts:
        out += [f"### {heading}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
        out.append("")
    return out


def html_lines(report: dict[str, Any], esc: Callable[[Any], str]) -> list[str]:
    """A collapsible section per framework (``esc`` escapes untrusted text for HTML text and
    attributes); [] when the report has no explanations."""
    parts = _rows(report)
    if not parts:
        return []
    out = [f"<h2>{esc(TITLE)}</h2>"]
    for heading, cols, rows in parts:
        out.append(f'<details class="card"><summary><strong>{esc(heading)}</strong></summary><table>')
        out.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in cols) + "</tr>")
        for row in rows:
            cells = [
                f'<td class="{esc(v)}">{esc(v)}</td>' if i == 1 else f"<td>{esc(v)}</td>" for i, v in enumerate(row)
            ]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table></details>")
    return out
