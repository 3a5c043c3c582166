"""Renderers: report dict (the JSON report) -> text. Renderers never compute, they only present.

``render(report, fmt)`` dispatches to ``render_<fmt>``; every renderer is a pure function of the
report dict (and, for markdown/html/sarif/junit, an optional policy verdict dict
``{ok, violations[{rule, expected, actual, message, evidence[]}], unverified[]}``).
"""

from __future__ import annotations

import importlib
from typing import Any

from openaudit.errors import UsageError

FORMATS = ("table", "json", "markdown", "html", "sarif", "junit")
_MODULES = {
    "table": ("openaudit.render.table", "render_table"),
    "json": ("openaudit.render.jsonfmt", "render_json"),
    "markdown": ("openaudit.render.markdown", "render_markdown"),
    "html": ("openaudit.render.html", "render_html"),
    "sarif": ("openaudit.render.sarif", "render_sarif"),
    "junit": ("openaudit.render.junit", "render_junit"),
}
_TAKES_VERDICT = {"markdown", "html", "sarif", "junit"}


def render(report: dict[str, Any], fmt: str, *, policy_verdict: dict[str, Any] | None = None, **opts: Any) -> str:
    """Render ``report`` in format ``fmt`` (one of ``FORMATS``)."""
    if fmt not in _MODULES:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if not isinstance(report, dict):
        raise UsageError("render() takes the JSON report as a dict (Report.to_dict())")
    mod, fn = _MODULES[fmt]
    func = getattr(importlib.import_module(mod), fn)
    if fmt in _TAKES_VERDICT:
        return func(report, policy_verdict=policy_verdict, **opts)
    return func(report, **opts)


__all__ = ["FORMATS", "render"]
