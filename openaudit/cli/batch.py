"""`openaudit batch TARGETS.txt | --author ORG`: audit many models in parallel, resumably."""
from __future__ import annotations

import os
from typing import Optional

import typer

from openaudit.cli.app import app


@app.command("batch")
def batch_cmd(
    targets_file: Optional[str] = typer.Argument(None, help="text file: one target per line, # comments"),
    author: Optional[str] = typer.Option(None, "--author", help="audit every model of this Hub author / org"),
    limit: Optional[int] = typer.Option(None, "--limit", help="with --author: at most N models"),
    out: str = typer.Option("openaudit-batch", "--out", help="output folder (reports/, state.json, summary.*)"),
    jobs: int = typer.Option(2, "--jobs", "-j", help="parallel audits"),
    rubric: str = typer.Option("openaudit", "--rubric", help="rubric name or path"),
    offline: bool = typer.Option(False, "--offline", help="no network: local folders / HF cache only"),
    token: Optional[str] = typer.Option(None, "--token", help="Hub token (default: HF_TOKEN)"),
) -> int:
    """Audit many models; rerunning with the same --out skips the ones already done.
    Exit 0 when at least one target was audited (failures are error rows), 2 when all failed."""
    from openaudit.batch import list_author, read_targets, run_batch, summary_table
    from openaudit.errors import UsageError

    if (targets_file is None) == (author is None):
        raise UsageError("give either a TARGETS file or --author ORG")
    token = token or os.environ.get("HF_TOKEN") or None
    targets = read_targets(targets_file) if targets_file else list_author(author or "", token=token, limit=limit)
    result = run_batch(targets, out, jobs=jobs,
                       audit_kwargs={"rubric": rubric, "offline": offline, "token": token, "timestamp": False})
    typer.echo(summary_table(result.rows), nl=False)
    return result.exit_code
