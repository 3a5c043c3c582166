"""`openaudit rubric list|show|validate`: the rubric data the scores come from (thin: library + render)."""
from __future__ import annotations

import json
import sys

import typer

from openaudit.cli.app import app
from openaudit.errors import ExitCode, InvalidDocument, UsageError

rubric_app = typer.Typer(help="List, show and validate rubric and policy files.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")

_FORMATS = ("table", "json")


def _fmt(value: str) -> str:
    if value not in _FORMATS:
        raise UsageError(f"unknown format {value!r} (use one of: {', '.join(_FORMATS)})")
    return value


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _table(*columns: str, title: str | None = None):
    """A rich table: the first (id) column is never wrapped; other cells fold instead of being cut off."""
    from rich.table import Table

    t = Table(title=title)
    for i, c in enumerate(columns):
        t.add_column(c, overflow="fold", no_wrap=(i == 0))
    return t


def _console():
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False, markup=False)


@rubric_app.command("list")
def list_cmd(fmt: str = typer.Option("table", "--format", "-f", help="table | json")) -> None:
    """List the shipped rubrics with id, kind, version and description."""
    from openaudit.rubric.describe import list_rubrics

    rows = list_rubrics()
    if _fmt(fmt) == "json":
        _print_json(rows)
        return
    t = _table("name", "kind", "version", "description", title="shipped rubrics")
    for r in rows:
        t.add_row(r["name"], r["kind"], r["version"], r["description"])
    _console().print(t)


@rubric_app.command("show")
def show_cmd(
    rubric: str = typer.Argument(..., help="a shipped rubric name (openaudit, mof-1.0, osaid-1.0, osai-index) or a path"),
    fmt: str = typer.Option("table", "--format", "-f", help="table | json"),
) -> None:
    """Show a rubric: dimensions, criteria, the probe questions and weights (or framework items)."""
    from openaudit.rubric.describe import show

    d = show(rubric)
    if _fmt(fmt) == "json":
        _print_json(d)
        return
    con = _console()
    con.print(f"{d['name']}  ({d['id']} {d['version']}, {d['kind']})")
    con.print(d["description"])
    if "dimensions" in d:
        for dim in d["dimensions"]:
            t = _table("probe", "weight", "question", title=f"{dim['name']} [{dim['id']}] - overall weight {dim['weight']:g}")
            for c in dim["criteria"]:
                t.add_row(c["probe"], f"{c['weight']:g}", c["question"])
            con.print(t)
        con.print("grades: " + ", ".join(f"{g['grade']} >= {g['min']:g}" for g in d["grades"]))
    for key, title in (("components", "MOF components"), ("items", "OSAID items")):
        if key in d:
            t = _table("id", "class" if key == "components" else "name", "evidence", "license / terms", title=title)
            for c in d[key]:
                ev = "; ".join(f"{k}: {', '.join(p['probe'] for p in v)}" for k, v in c["evidence"].items())
                lic = c.get("license") if key == "components" else c.get("terms")
                lic_s = "; ".join(f"{k}: {', '.join(p['probe'] for p in v)}" for k, v in (lic or {}).items())
                t.add_row(c["id"], c["class"] if key == "components" else c["name"], ev, lic_s or "-")
            con.print(t)
    if "osai_dimensions" in d:
        t = _table("dimension", "group", "probes (weight)", "unobserved", title=f"OSAI index (open >= {d['thresholds']['open']}, partial >= {d['thresholds']['partial']})")
        for x in d["osai_dimensions"]:
            t.add_row(x["id"], x["group"], ", ".join(f"{c['probe']} ({c['weight']:g})" for c in x["criteria"]) or "-", x["unobserved"])
        con.print(t)


@rubric_app.command("validate")
def validate_cmd(files: list[str] = typer.Argument(..., help="rubric or policy YAML files")) -> None:
    """Validate rubric and policy files: exit 0 when all are valid, 2 naming file, path and reason."""
    from openaudit.rubric.describe import validate_file

    bad = 0
    for f in files:
        try:
            info = validate_file(f)
        except InvalidDocument as exc:
            bad += 1
            sys.stderr.write(f"invalid: {exc.message}\n")
            continue
        version = f" {info['version']}" if info["version"] else ""
        sys.stdout.write(f"ok: {info['file']}: {info['type']} {info['id']}{version}\n")
    if bad:
        raise typer.Exit(code=int(ExitCode.CANNOT_EVALUATE))
