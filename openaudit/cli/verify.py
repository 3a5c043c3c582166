"""`openaudit verify TARGET|RECIPE`: replay a published training segment and give a verdict."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from openaudit.cli.app import app
from openaudit.errors import ExitCode, UsageError


@app.command("verify")
def verify(
    target: str = typer.Argument(..., help="model folder with the artifacts, a recipe .yaml, a GPT-NeoX/OLMo config, or a Hub id"),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present), cpu or cuda"),
    budget: Optional[float] = typer.Option(None, "--budget", help="skip the replay when its estimate exceeds SECONDS"),
    steps: Optional[int] = typer.Option(None, "--steps", help="replay at most this many optimizer steps"),
    deterministic: bool = typer.Option(False, "--deterministic", help="force deterministic kernels (slower)"),
    fmt: str = typer.Option("table", "--format", help="table or json"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="write the result to FILE instead of stdout"),
) -> int:
    """Replay a published training segment and compare it with the published losses and checkpoints."""
    from openaudit.verify.api import run
    from openaudit.verify.report import to_json, to_table

    if fmt not in ("table", "json"):
        raise UsageError(f"--format must be table or json, got {fmt!r}")
    if device not in ("auto", "cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, got {device!r}")
    result = run(target, device=device, budget_seconds=budget, steps=steps, deterministic=deterministic)
    text = to_json(result) if fmt == "json" else to_table(result)
    from openaudit.render.output import emit

    emit(text, None if output is None else str(output))
    if output is not None:
        sys.stderr.write(f"wrote {output}\n")
    return int(ExitCode.OK)
