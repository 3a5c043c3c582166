"""`openaudit badge REPORT.json`: a shields.io endpoint JSON or a static SVG badge."""

from __future__ import annotations

import typer

from openaudit.cli import common as c
from openaudit.cli.app import app
from openaudit.render.badge import render_badge
from openaudit.render.load import load_report


@app.command("badge")
def badge_cmd(
    report: str = typer.Argument(..., help="a JSON report written by `openaudit audit --format json`"),
    kind: str = typer.Option("grade", "--kind", help="grade | mof"),
    format: str = typer.Option("endpoint", "--format", "-f", help="endpoint (shields.io JSON) | svg"),
    output: c.OutFile = None,
) -> int:
    """Make a badge (overall grade or MOF class) from a stored report."""
    c.emit(render_badge(load_report(report), kind=kind, format=format), output)
    return 0
