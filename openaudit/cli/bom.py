"""`openaudit bom TARGET --format spdx|cyclonedx`: an AI bill of materials for a model."""

from __future__ import annotations

import typer

from openaudit import api
from openaudit.cli import common as c
from openaudit.cli.app import app


@app.command("bom")
def bom_cmd(
    target: str = typer.Argument(..., help="Hub model id, local folder, cache snapshot, or a JSON report file"),
    format: str = typer.Option("cyclonedx", "--format", "-f", help="spdx (SPDX 2.3 JSON) | cyclonedx (1.6 ML-BOM)"),
    output: c.OutFile = None,
    revision: c.Revision = None,
    offline: c.Offline = False,
    token: c.Token = None,
) -> int:
    """Write an SPDX or CycloneDX document describing the model, its license and training data."""
    c.emit(
        api.bom(target, format, revision=revision, offline=c.offline_mode(offline), token=c.hub_token(token)), output
    )
    return 0
