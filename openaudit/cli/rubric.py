"""`openaudit rubric list|show|validate`: the rubric data the scores come from (thin: library + render)."""

from __future__ import annotations

import sys

import typer

from openaudit.api import validate_document
from openaudit.base.text import terminal_safe
from openaudit.cli.app import App, app
from openaudit.errors import ExitCode, InvalidDocument, InvalidInput, UsageError
from openaudit.render.jsonfmt import json_text
from openaudit.render.rubricdoc import rubric_list_text, rubric_show_text
from openaudit.rubric.describe import list_rubrics, show

rubric_app = App(help="List, show and validate rubric, policy and license-facts files.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")

_FORMATS = ("table", "json")


def _fmt(value: str) -> str:
    if value not in _FORMATS:
        raise UsageError(f"unknown format {value!r} (use one of: {', '.join(_FORMATS)})")
    return value


@rubric_app.command("list")
def list_cmd(fmt: str = typer.Option("table", "--format", "-f", help="table | json")) -> None:
    """List the shipped rubrics with id, kind, version and description."""
    rows = list_rubrics()
    sys.stdout.write(json_text(rows) if _fmt(fmt) == "json" else rubric_list_text(rows))


@rubric_app.command("show")
def show_cmd(
    rubric: str = typer.Argument(
        ..., help="a shipped rubric name (openaudit, mof-1.0, osaid-1.0, osai-index) or a path"
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Show a rubric: dimensions, criteria, the probe questions and weights (or framework items)."""
    d = show(rubric)
    sys.stdout.write(json_text(d) if _fmt(fmt) == "json" else rubric_show_text(d))


@rubric_app.command("validate")
def validate_cmd(files: list[str] = typer.Argument(..., help="rubric, policy or license-facts YAML files")) -> None:
    """Validate rubric, policy and license-facts files: exit 0 when all are valid, 2 naming file, path and reason."""
    bad = 0
    for f in files:
        try:
            info = validate_document(f)
        except (InvalidDocument, InvalidInput) as exc:
            bad += 1
            sys.stderr.write(f"invalid: {terminal_safe(exc.message)}\n")
            continue
        version = f" {info['version']}" if info["version"] else ""
        sys.stdout.write(terminal_safe(f"ok: {info['file']}: {info['type']} {info['id']}{version}") + "\n")
    if bad:
        raise typer.Exit(code=int(ExitCode.CANNOT_EVALUATE))
