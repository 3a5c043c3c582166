"""`openaudit audit TARGET`: the openness report card."""

from __future__ import annotations

from typing import Annotated

import typer

from openaudit.cli import common as c
from openaudit.cli.app import app
from openaudit.errors import UsageError
from openaudit.render import FORMATS, render


@app.command("audit")
def audit_cmd(
    target: Annotated[
        str, typer.Argument(help="Hub model id (org/name), local folder, HF cache snapshot or capture folder.")
    ],
    revision: c.Revision = None,
    rubric: c.RubricOpt = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="table (terminal default), json, markdown, html, sarif, junit.")
    ] = None,
    output: c.OutFile = None,
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
) -> None:
    """Audit a model repository and print its openness report card."""
    c.ignore_config_inside(target)
    output = c.default_output(output)
    fmt = c.default_format(fmt, output)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
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
    c.emit(render(report, fmt), output)
