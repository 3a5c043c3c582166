"""The typer application object every command module registers on.

Help is plain text (``rich_markup_mode=None``). typer (0.15–0.19) still escapes the ``[required]`` /
``[default: ...]`` markers for rich when rich is installed, so plain help shows ``\\[required]``;
the command and group classes below undo that escaping. Every command and sub-app is created
through ``App`` so none is missed (tests/cli checks every ``--help``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperCommand, TyperGroup

from openaudit.base.text import terminal_safe
from openaudit.config import discover, inside, load_config
from openaudit.errors import OpenAuditError


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
_FOUND: list = []  # the configuration file discovered in the working directory (not given by --config)
_DEFERRED: list = []  # why a discovered configuration could not be loaded (raised when it is used)
_TARGET_COMMANDS = ("audit", "check")  # commands that may audit the folder holding the configuration


def config() -> dict:
    if _DEFERRED:
        raise _DEFERRED[0]
    return _CONFIG


def ignore_config_inside(target: str) -> None:
    """Drop a discovered configuration that lies inside the folder being audited, and say so:
    the audited repository never configures its own audit (output path, rubric, policy ...)."""
    if _FOUND and (_CONFIG or _DEFERRED) and inside(_FOUND[0], target):
        sys.stderr.write(
            terminal_safe(
                f"note: ignoring {_FOUND[0]}: a configuration inside the audited folder "
                "does not configure its own audit (pass --config to use one)"
            )
            + "\n"
        )
        _CONFIG.clear()
        _DEFERRED.clear()


@app.callback()
def _global_options(
    ctx: typer.Context,
    config_path: str = typer.Option(
        None,
        "--config",
        help="Configuration file (default: ./openaudit.toml, else [tool.openaudit] in ./pyproject.toml).",
    ),
) -> None:
    """Audit how open a machine-learning model really is."""
    _CONFIG.clear()
    _FOUND.clear()
    _DEFERRED.clear()
    found = discover(Path.cwd()) if config_path is None else None
    if found is not None:
        _FOUND.append(found)
    try:
        _CONFIG.update(load_config(Path.cwd(), config_path))
    except OpenAuditError as exc:
        # A broken configuration found in the folder about to be audited must not stop its audit:
        # the audit command decides (ignore_config_inside) before anything reads it.
        if found is None or ctx.invoked_subcommand not in _TARGET_COMMANDS:
            raise
        _DEFERRED.append(exc)
