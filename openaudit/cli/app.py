"""The typer application object every command module registers on."""
from __future__ import annotations

import typer

app = typer.Typer(
    name="openaudit",
    help="Audit how open a machine-learning model really is: license, weights, code, data, "
    "reproducibility and documentation, each verdict with its evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
