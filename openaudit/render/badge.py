"""Badges: shields.io endpoint JSON (https://shields.io/badges/endpoint-badge) and a static SVG."""

from __future__ import annotations

from typing import Any

from openaudit.errors import UsageError
from openaudit.render._common import as_dict, frameworks, grade_color, score_text, text
from openaudit.render.jsonfmt import json_text
from openaudit.render.svg import flat_badge

KINDS = ("grade", "mof")
BADGE_FORMATS = ("endpoint", "svg")
_MOF_COLOR = {"I": "#2e7d32", "II": "#7cb342", "III": "#f9a825"}


def badge_fields(report: dict[str, Any], kind: str = "grade") -> tuple[str, str, str]:
    """(label, message, colour) for the badge ``kind``."""
    if kind == "grade":
        overall = as_dict(report.get("overall"))
        grade = text(overall.get("grade"))
        if not grade:
            return "openness", "not rated", "#9e9e9e"
        return "openness", f"{grade} ({score_text(overall.get('score'))}/10)", grade_color(grade)
    if kind == "mof":
        mof, _, _ = frameworks(report)
        cls = text(mof.get("class"))
        if not cls:
            return "MOF", "no class", "#9e9e9e"
        cls = cls.removeprefix("Class ").removeprefix("class ")
        return "MOF", f"Class {cls}", _MOF_COLOR.get(cls, "#757575")
    raise UsageError(f"unknown badge kind {kind!r}; choose one of: {', '.join(KINDS)}")


def render_badge(report: dict[str, Any], *, kind: str = "grade", format: str = "endpoint", **_opts: Any) -> str:
    label, message, color = badge_fields(report, kind)
    if format == "endpoint":
        doc = {"schemaVersion": 1, "label": label, "message": message, "color": color.lstrip("#")}
        return json_text(doc)
    if format == "svg":
        return flat_badge(label, message, color)
    raise UsageError(f"unknown badge format {format!r}; choose one of: {', '.join(BADGE_FORMATS)}")
