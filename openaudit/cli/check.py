"""`openaudit check TARGET --policy FILE`: the CI gate (exit 0 met, 1 violated, 2 cannot evaluate)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from openaudit.api import check
from openaudit.cli import common as c
from openaudit.cli.app import app, config
from openaudit.errors import ExitCode, UsageError
from openaudit.policy import load_policy
from openaudit.render import render
from openaudit.render.jsonfmt import json_text
from openaudit.render.verdict import verdict_text


@app.command("check")
def check_cmd(
    target: Annotated[str, typer.Argument(help="Hub model id, local folder, HF cache snapshot or capture folder.")],
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            "-p",
            help="Policy YAML file (see examples/policies/); default: `policy` from the configuration.",
        ),
    ] = None,
    revision: c.Revision = None,
    rubric: c.RubricOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="Report format written with -o: json, markdown, html, sarif, junit."),
    ] = None,
    output: c.OutFile = None,
    verdict_out: Annotated[
        str | None,
        typer.Option("--verdict-output", help="Also write the policy verdict as JSON (for `render --policy-verdict`)."),
    ] = None,
    offline: c.Offline = False,
    token: c.Token = None,
    no_timestamp: c.NoTimestamp = False,
    verbose: c.Verbose = False,
    verify: c.Verify = False,
    device: c.Device = "auto",
    benchmark: c.Benchmark = None,
    train: c.Train = None,
    capture: c.Capture = False,
    follow_links: c.FollowLinks = None,
) -> int:
    """Gate a model on a policy: exit 0 when it holds, 1 when violated (each violation listed)."""
    c.ignore_config_inside(target)
    policy = policy or config().get("policy")
    if not policy:
        raise UsageError("check needs --policy FILE (or `policy` in the configuration)")
    load_policy(policy)  # a bad policy is exit 2 before any audit work
    report = c.run_audit(
        target,
        revision=revision,
        rubric=rubric,
        offline=offline,
        token=token,
        no_timestamp=no_timestamp,
        verbose=verbose,
        verify=verify,
        device=device,
        benchmark=benchmark,
        train=train,
        capture=capture,
        follow_links=follow_links,
    )
    verdict = check(report, policy).to_dict()
    if verdict_out:
        c.emit(json_text(verdict), verdict_out)
    summary = verdict_text(report["target"]["id"], policy, verdict)
    if output or fmt:  # the report goes to stdout or -o: the verdict lines go to stderr
        c.emit(render(report, fmt or "json", policy_verdict=verdict), output)
        sys.stderr.write(summary)
    else:
        sys.stdout.write(summary)
    return int(ExitCode.OK if verdict["ok"] else ExitCode.POLICY_VIOLATED)
