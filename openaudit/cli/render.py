"""`openaudit render REPORT.json --format F`: re-render a stored JSON report without re-auditing."""
from __future__ import annotations

from typing import Optional

import typer

from openaudit.cli.app import app


@app.command("render")
def render_cmd(
    report: str = typer.Argument(..., help="a JSON report written by `openaudit audit --format json`"),
    format: str = typer.Option("table", "--format", "-f",
                               help="table | json | markdown | html | sarif | junit"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="write to FILE (atomically) instead of stdout"),
    policy_verdict: Optional[str] = typer.Option(
        None, "--policy-verdict", help="a policy verdict JSON (`openaudit check --format json`) to include"),
) -> int:
    """Render a stored JSON report in another format."""
    from openaudit.render import render
    from openaudit.render.load import load_report, load_verdict
    from openaudit.render.output import emit

    doc = load_report(report)
    verdict = load_verdict(policy_verdict) if policy_verdict else None
    emit(render(doc, format, policy_verdict=verdict), output)
    return 0
