"""`openaudit bom TARGET --format spdx|cyclonedx`: an AI bill of materials for a model."""
from __future__ import annotations

from typing import Optional

import typer

from openaudit.cli.app import app


@app.command("bom")
def bom_cmd(
    target: str = typer.Argument(..., help="Hub model id, local folder, cache snapshot, or a JSON report file"),
    format: str = typer.Option("cyclonedx", "--format", "-f", help="spdx (SPDX 2.3 JSON) | cyclonedx (1.6 ML-BOM)"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="write to FILE (atomically) instead of stdout"),
    revision: Optional[str] = typer.Option(None, "--revision", help="branch, tag or commit (Hub targets)"),
    offline: bool = typer.Option(False, "--offline", help="no network: use local folders / the HF cache only"),
    token: Optional[str] = typer.Option(None, "--token", help="Hugging Face token (default: HF_TOKEN)"),
) -> int:
    """Write an SPDX or CycloneDX document describing the model, its license and training data."""
    from openaudit.render.bom import bom_for_target
    from openaudit.render.output import emit

    emit(bom_for_target(target, format, revision=revision, offline=offline, token=token), output)
    return 0
