"""Small read-only helpers shared by the renderers: tolerant access to the report dict.

Renderers never compute verdicts; these helpers only pick values out of the JSON report and format
them, treating every optional key as possibly absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

OUTCOME_LABEL = {
    "pass": "pass",
    "fail": "FAIL",
    "partial": "partial",
    "not_applicable": "n/a",
    "not_available": "not available",
    "error": "ERROR",
}
OUTCOME_ICON = {  # in the order counts and the legend list them
    "pass": "✔",
    "partial": "◐",
    "fail": "✘",
    "not_available": "?",
    "not_applicable": "–",
    "error": "!",
}
# The legend of the outcome icons, shown wherever the icons are.
LEGEND = "✔ pass  ◐ partial  ✘ fail  ? not available (unobserved: lowers confidence)  – n/a  ! error"
GRADE_COLOR = {  # shields.io / HTML colours per grade
    "A": "#2e7d32",
    "B": "#7cb342",
    "C": "#f9a825",
    "D": "#ef6c00",
    "E": "#d84315",
    "F": "#c62828",
}
NEUTRAL_COLOR = "#757575"


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any, default: str = "") -> str:
    """A value as display text (None -> default; bools as yes/no; lists joined)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value) or default
    if isinstance(value, dict):
        return ", ".join(f"{k}: {text(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) or default
    return str(value)


def score_text(score: Any) -> str:
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return "n/a"
    return f"{float(score):.1f}"


def grade_color(grade: Any) -> str:
    return GRADE_COLOR.get(str(grade or "")[:1].upper(), NEUTRAL_COLOR)


def target_id(report: dict[str, Any]) -> str:
    return text(as_dict(report.get("target")).get("id"), "unknown target")


def dimensions(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in as_list(report.get("dimensions")) if isinstance(d, dict)]


def findings(dim: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in as_list(dim.get("findings")) if isinstance(f, dict)]


def iter_findings(report: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for dim in dimensions(report):
        for f in findings(dim):
            yield dim, f


def evidence(finding: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in as_list(finding.get("evidence")) if isinstance(e, dict)]


def evidence_location(ev: dict[str, Any]) -> str:
    """``path:line`` / ``field`` / url — where a piece of evidence points, as one short string."""
    parts = []
    if ev.get("path"):
        loc = str(ev["path"])
        if isinstance(ev.get("line"), int):
            loc += f":{ev['line']}"
        parts.append(loc)
    if ev.get("field"):
        parts.append(f"[{ev['field']}]")
    if not parts and ev.get("url"):
        parts.append(str(ev["url"]))
    return " ".join(parts)


def policy_violations(verdict: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [v for v in as_list(as_dict(verdict).get("violations")) if isinstance(v, dict)]


def frameworks(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    fw = as_dict(report.get("frameworks"))
    return as_dict(fw.get("mof")), as_dict(fw.get("osaid")), as_dict(fw.get("osai"))


class MofClass(NamedTuple):
    cls: str  # "III", "II", "I"
    name: str  # "Class III - Open Model"
    share: str  # "met/required"
    own_missing: list[Any]  # the gaps among this class's own components
    lower_missing: int  # gaps inherited from the classes below (MOF classes are cumulative)


def _required(prog: Any) -> float:
    r = as_dict(prog).get("required", as_dict(prog).get("total"))
    return float(r) if isinstance(r, (int, float)) and not isinstance(r, bool) else float("inf")


def mof_classes(mof: dict[str, Any]) -> list[MofClass]:
    """MOF progress per class, from the least demanding class (fewest required components, Class
    III) to the most (Class I) — the same order whether the report came straight from ``audit`` or
    was read back from its JSON file. Each class lists only its own gaps; ``missing`` in the report
    is cumulative, so the lower classes' gaps are counted, not repeated."""
    rows = []
    for cls, prog in sorted(as_dict(mof.get("progress")).items(), key=lambda kv: (_required(kv[1]), str(kv[0]))):
        p = as_dict(prog)
        met, total = p.get("met"), p.get("required", p.get("total"))
        share = f"{met}/{total}" if met is not None and total is not None else text(prog, "n/a")
        missing = as_list(p.get("missing"))
        own = [m for m in missing if not isinstance(m, dict) or m.get("class") in (None, cls)]
        rows.append(MofClass(str(cls), text(p.get("name"), f"Class {cls}"), share, own, len(missing) - len(own)))
    return rows


def findings_counts(dim: dict[str, Any]) -> str:
    """``✔4 ◐1 ?1``: how many findings of each outcome a dimension has (see ``LEGEND``)."""
    counts: dict[str, int] = {}
    for f in findings(dim):
        counts[str(f.get("outcome"))] = counts.get(str(f.get("outcome")), 0) + 1
    order = list(OUTCOME_ICON)
    return " ".join(
        f"{OUTCOME_ICON.get(k, '?')}{v}"
        for k, v in sorted(counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    )


def unverified_text(item: Any) -> str:
    """A policy verdict's unverified entry (a rule name or {rule, message, ...}) as text."""
    if isinstance(item, dict):
        return text(item.get("message") or item.get("rule") or item)
    return text(item)
