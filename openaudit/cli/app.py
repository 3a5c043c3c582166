"""The typer application object every command module registers on.

Help is plain text (``rich_markup_mode=None``). typer (0.15–0.19) still escapes the ``[required]`` /
``[default: ...]`` markers for rich when rich is installed, so plain help shows ``\\[required]``;
the command and group classes below undo that escaping. Every command and sub-app is created
through ``App`` so none is missed (tests/cli checks every ``--help``).
"""
from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperCommand, TyperGroup


def _unescape_help(formatter: click.HelpFormatter) -> None:
    formatter.buffer[:] = [s.replace("\\[", "[") for s in formatter.buffer]


class Command(TyperCommand):
    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help(ctx, formatter)
        _unescape_help(formatter)


class Group(TyperGroup):
    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help(ctx, formatter)
        _unescape_help(formatter)


class App(typer.Typer):
    """A Typer whose commands and sub-apps use the classes above."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("pretty_exceptions_enable", False)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["cls"] = kwargs.get("cls") or Command
        return super().command(*args, **kwargs)


app = App(
    name="openaudit",
    help="Audit how open a machine-learning model really is: license, weights, code, data, "
    "reproducibility and documentation, each verdict with its evidence.",
    no_args_is_help=True,
)


# Configuration ([tool.openaudit] in pyproject.toml, openaudit.toml, or --config PATH), loaded once
# per invocation by the callback below; commands read it through ``config()``.
_CONFIG: dict = {}


def config() -> dict:
    return _CONFIG


@app.callback()
def _global_options(
    config_path: str = typer.Option(
        None, "--config", help="Configuration file (default: ./openaudit.toml, else [tool.openaudit] in ./pyproject.toml)."
    ),
) -> None:
    """Audit how open a machine-learning model really is."""
    from pathlib import Path

    from openaudit.config import load_config

    _CONFIG.clear()
    _CONFIG.update(load_config(Path.cwd(), config_path))
