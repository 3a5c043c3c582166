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


# Configuration ([tool.openaudit] in pyproject.toml, openaudit.toml, or --config PATH), loaded once
# per invocation by the callback below; commands read it through ``config()``.
_CONFIG: dict = {}


def config() -> dict:
    return _CONFIG


@app.callback()
def _global_options(
    config_path: str = typer.Option(
        None, "--config", help="Configuration file (default: ./openaudit.toml or [tool.openaudit] in ./pyproject.toml)."
    ),
) -> None:
    """Audit how open a machine-learning model really is."""
    from pathlib import Path

    from openaudit.config import load_config

    _CONFIG.clear()
    _CONFIG.update(load_config(Path.cwd(), config_path))
