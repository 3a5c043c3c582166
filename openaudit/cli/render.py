"""`openaudit render REPORT.json --format F`: re-render a stored JSON report without re-auditing."""

from __future__ import annotations

import typer

from openaudit.cli import common as c
from openaudit.cli.app import app
from openaudit.render import FORMATS, render
from openaudit.render.load import load_report, load_verdict


@app.command("render")
def render_cmd(
    report: str = typer.Argument(..., help="a JSON report written by `openaudit audit --format json`"),
    format: str = typer.Option("table", "--format", "-f", help=" | ".join(FORMATS)),
    output: c.OutFile = None,
    policy_verdict: str | None = typer.Option(
        None,
        "--policy-verdict",
        help="a policy verdict JSON written by `openaudit check --verdict-output FILE`, shown with the report",
    ),
) -> int:
    """Render a stored JSON report in another format."""
    doc = load_report(report)
    verdict = load_verdict(policy_verdict) if policy_verdict else None
    c.emit(render(doc, format, policy_verdict=verdict), output)
    return 0
