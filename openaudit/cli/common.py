"""Options and helpers shared by the commands that run an audit (audit, check, bom)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from openaudit import api
from openaudit.base.text import terminal_safe
from openaudit.cli.app import config, ignore_config_inside  # noqa: F401  (re-exported for the commands)
from openaudit.errors import UsageError
from openaudit.model import RunStatus
from openaudit.render.output import emit as _emit
from openaudit.rubric.load import DEFAULT_RUBRIC
from openaudit.sources import is_offline, token_or_env

Revision = Annotated[str | None, typer.Option("--revision", "-r", help="Branch, tag or commit to audit (Hub targets).")]
RubricOpt = Annotated[
    str | None,
    typer.Option(
        "--rubric",
        help="Rubric name (see `rubric list`) or path to a rubric YAML [default: openaudit].",
        show_default=False,
    ),
]
Offline = Annotated[
    bool, typer.Option("--offline", help="No network: Hub ids resolve from the local HF cache (also HF_HUB_OFFLINE=1).")
]
Token = Annotated[str | None, typer.Option("--token", help="Hub token (default: HF_TOKEN).", show_default=False)]
OutFile = Annotated[str | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")]
NoTimestamp = Annotated[
    bool, typer.Option("--no-timestamp", help="Omit generated_at: same input gives byte-identical JSON.")
]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Progress, requests and bytes transferred on stderr.")]
Verify = Annotated[
    bool, typer.Option("--verify", help="Replay a published training segment (needs the [verify] extra).")
]
Device = Annotated[str, typer.Option("--device", help="Device for --verify: auto, cpu or cuda.")]
Benchmark = Annotated[
    list[str] | None,
    typer.Option("--benchmark", help="Benchmark file or Hub dataset id to probe for contamination (repeatable)."),
]
FollowLinks = Annotated[
    bool | None,
    typer.Option(
        "--follow-links/--no-follow-links",
        help="Follow the card's links (GitHub repos, Hub datasets/models, papers) [default: Hub targets only; never offline].",
        show_default=False,
    ),
]
Train = Annotated[
    list[str] | None,
    typer.Option("--train", help="Training data file/folder/glob (repeatable; default: data files in a local repo)."),
]
Capture = Annotated[
    bool,
    typer.Option(
        "--capture",
        help="TARGET is a capture folder written by `openaudit snapshot`: audit its stored evidence (checked against its files).",
    ),
]


def default_format(fmt: str | None, out: str | None) -> str:
    """--format, else the configured format, else table on a terminal and json otherwise."""
    return fmt or config().get("format") or terminal_format(out)


def terminal_format(out: str | None) -> str:
    """table when the result goes to a terminal (stdout, no -o), json otherwise."""
    return "table" if out is None and sys.stdout.isatty() else "json"


def default_output(out: str | None) -> str | None:
    return out or config().get("output")


def rubric_name(rubric: str | None) -> str:
    """--rubric, else the configured rubric, else the default one."""
    return rubric or config().get("rubric") or DEFAULT_RUBRIC


def hub_token(token: str | None) -> str | None:
    """--token, else the variable the configuration names (token_env), else HF_TOKEN."""
    env = config().get("token_env", "HF_TOKEN")
    return token or os.environ.get(env) or token_or_env()


def offline_mode(offline: bool) -> bool:
    """--offline, or `offline = true` in the configuration, or HF_HUB_OFFLINE=1."""
    return is_offline(offline or bool(config().get("offline")))


def stderr(msg: str) -> None:
    sys.stderr.write(terminal_safe(msg) + "\n")


def run_audit(
    target: str,
    *,
    revision: str | None,
    rubric: str | None,
    offline: bool,
    token: str | None,
    no_timestamp: bool,
    verbose: bool,
    verify: bool = False,
    device: str = "auto",
    benchmark: list[str] | None = None,
    train: list[str] | None = None,
    capture: bool = False,
    follow_links: bool | None = None,
) -> dict[str, Any]:
    cfg = config()
    if device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {device!r}")
    if train and not benchmark:
        raise UsageError("--train needs at least one --benchmark")
    rubric = rubric_name(rubric)
    token = hub_token(token)
    offline = offline_mode(offline)
    no_timestamp = no_timestamp or cfg.get("timestamp") is False
    verify = verify or bool(cfg.get("verify"))
    cfg_cont = cfg.get("contamination") or {}
    benchmark = benchmark or cfg_cont.get("benchmarks")
    train = train or cfg_cont.get("train")
    contamination = {"benchmarks": list(benchmark), "train": list(train or [])} if benchmark else None
    walk = _WalkProgress(verbose)
    report = api.audit(
        target,
        revision=revision,
        rubric=rubric,
        offline=offline,
        token=token,
        verify=verify,
        device=device,
        contamination=contamination,
        timestamp=not no_timestamp,
        progress=stderr if verbose else (lambda _m: None),
        capture=capture,
        walk_progress=walk,
        follow_links=follow_links,
    )
    walk.finish()
    if verbose and report.get("network"):
        net = report["network"]
        stderr(f"network: {net.get('requests', 0)} requests, {net.get('bytes', 0)} bytes")
    warn_contamination(report.get("contamination"))
    return report


class _WalkProgress:
    """Progress of a long local walk on stderr (the walker calls it every 1,000 files): a live line
    on a terminal (rich), one line per 10,000 files with -v otherwise."""

    def __init__(self, verbose: bool):
        self.verbose, self.console, self.shown = verbose, None, False
        if sys.stderr.isatty():
            from rich.console import Console

            self.console = Console(stderr=True, highlight=False)

    def __call__(self, done: int, total: int | None) -> None:
        what = f"listing: {done:,} files" if total is None else f"reading: {done:,}/{total:,} files"
        if self.console is not None:
            self.console.print(f"[dim]{what}[/dim]", end="\r")
            self.shown = True
        elif self.verbose and done % 10_000 == 0:
            stderr(what)

    def finish(self) -> None:
        if self.shown and self.console is not None:
            self.console.print(" " * 40, end="\r")


def warn_contamination(block: Any) -> None:
    """Say on stderr (always, not only with -v) when --benchmark was asked for but the screen did
    not run, or did not read everything."""
    if not isinstance(block, dict):
        return
    if block.get("status") == RunStatus.NOT_RUN.value:
        stderr(f"warning: contamination not run ({block.get('reason')}): {block.get('message')}")
    elif block.get("status") == RunStatus.INCOMPLETE.value:
        stderr(
            "warning: contamination scan incomplete: inputs were capped or skipped (listed under contamination "
            "problems in the report), so it is not verified clean"
        )


def emit(text: str, out: str | None) -> None:
    """The command's result to stdout, or atomically to the file ``out``."""
    _emit(text, out)
