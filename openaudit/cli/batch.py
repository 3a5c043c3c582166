"""`openaudit batch TARGETS.txt | --author ORG`: audit many models in parallel, resumably."""

from __future__ import annotations

import sys

import typer

from openaudit.batch import list_author, read_targets, run_batch, summary_table
from openaudit.cli import common as c
from openaudit.cli.app import app, config
from openaudit.errors import UsageError


@app.command("batch")
def batch_cmd(
    targets_file: str | None = typer.Argument(None, help="text file: one target per line, # comments"),
    author: str | None = typer.Option(None, "--author", help="audit every model of this Hub author / org"),
    limit: int | None = typer.Option(None, "--limit", help="with --author: at most N models"),
    out: str | None = typer.Option(
        None,
        "--out",
        help="output folder (reports/, state.jsonl, summary.csv, summary.json) [default: batch.out from the configuration, else openaudit-batch]",
        show_default=False,
    ),
    jobs: int | None = typer.Option(
        None,
        "--jobs",
        "-j",
        help="parallel audits [default: batch.jobs from the configuration, else 2]",
        show_default=False,
    ),
    rubric: c.RubricOpt = None,
    offline: c.Offline = False,
    token: c.Token = None,
) -> int:
    """Audit many models; rerunning with the same --out skips the ones already done.
    Exit 0 when at least one target was audited (failures are error rows), 2 when all failed."""
    if (targets_file is None) == (author is None):
        raise UsageError("give either a TARGETS file or --author ORG")
    cfg = config().get("batch") or {}
    token = c.hub_token(token)
    targets = read_targets(targets_file) if targets_file else list_author(author or "", token=token, limit=limit)
    result = run_batch(
        targets,
        out or cfg.get("out") or "openaudit-batch",
        jobs=jobs or cfg.get("jobs") or 2,
        audit_kwargs={
            "rubric": c.rubric_name(rubric),
            "offline": c.offline_mode(offline),
            "token": token,
            "timestamp": False,
        },
    )
    sys.stdout.write(summary_table(result.rows))
    return result.exit_code
