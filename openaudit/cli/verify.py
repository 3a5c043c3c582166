"""`openaudit verify TARGET|RECIPE`: replay a published training segment and give a verdict."""

from __future__ import annotations

import typer

from openaudit.cli import common as c
from openaudit.cli.app import app
from openaudit.errors import ExitCode, UsageError
from openaudit.render.verification import to_json, to_table
from openaudit.sources import is_offline, token_or_env

FORMATS = ("table", "json")


@app.command("verify")
def verify(
    target: str = typer.Argument(
        ..., help="model folder, Trainer output_dir, recipe .yaml, GPT-NeoX/OLMo config, or Hub id"
    ),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present), cpu or cuda"),
    budget: float | None = typer.Option(None, "--budget", help="skip the replay when its estimate exceeds SECONDS"),
    steps: int | None = typer.Option(None, "--steps", help="replay at most this many optimizer steps"),
    deterministic: bool = typer.Option(False, "--deterministic", help="force deterministic kernels (slower)"),
    threads: int | None = typer.Option(
        None, "--threads", help="CPU threads (default: the recipe's environment.threads, else torch's)"
    ),
    fmt: str | None = typer.Option(None, "--format", "-f", help="table (terminal default) or json"),
    output: c.OutFile = None,
    revision: c.Revision = None,
    offline: c.Offline = False,
    token: c.Token = None,
) -> int:
    """Replay a published training segment and compare it with the published losses and checkpoints."""
    from openaudit.verify.api import run

    fmt = fmt or c.terminal_format(output)
    if fmt not in FORMATS:
        raise UsageError(f"--format must be table or json, got {fmt!r}")
    if device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, got {device!r}")
    offline = is_offline(offline)
    result = run(
        target,
        device=device,
        budget_seconds=budget,
        steps=steps,
        deterministic=deterministic,
        revision=revision,
        token=token_or_env(token),
        offline=offline,
        threads=threads,
    )
    c.emit(to_json(result) if fmt == "json" else to_table(result), output)
    return int(ExitCode.OK)
