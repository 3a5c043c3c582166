"""`rubric list` / `rubric show` as terminal tables (the plain data comes from ``rubric.describe``).
A rubric given by path is the user's file: every cell is made terminal-safe."""

from __future__ import annotations

import io
import shutil
from typing import Any

from openaudit.base.text import terminal_safe


def _console(buf: io.StringIO, width: int | None) -> Any:
    from rich.console import Console  # rich: start-up cost paid only when a table is printed

    return Console(
        file=buf,
        width=width or shutil.get_terminal_size((100, 24)).columns,
        soft_wrap=False,
        highlight=False,
        markup=False,
        emoji=False,
        color_system=None,
    )


def _table(*columns: str, title: str | None = None) -> Any:
    """The first (id) column is never wrapped; other cells fold instead of being cut off."""
    from rich.table import Table

    t = Table(title=terminal_safe(title) if title else None)
    for i, c in enumerate(columns):
        t.add_column(c, overflow="fold", no_wrap=(i == 0))
    return t


def _row(t: Any, *cells: Any) -> None:
    t.add_row(*(terminal_safe(str(c)) for c in cells))


def _probes(req: Any) -> str:
    return "; ".join(f"{k}: {', '.join(p['probe'] for p in v)}" for k, v in (req or {}).items())


def rubric_list_text(rows: list[dict[str, Any]], *, width: int | None = None) -> str:
    buf = io.StringIO()
    t = _table("name", "kind", "version", "description", title="shipped rubrics")
    for r in rows:
        _row(t, r["name"], r["kind"], r["version"], r["description"])
    _console(buf, width).print(t)
    return buf.getvalue()


def rubric_show_text(d: dict[str, Any], *, width: int | None = None) -> str:
    buf = io.StringIO()
    con = _console(buf, width)
    con.print(terminal_safe(f"{d['name']}  ({d['id']} {d['version']}, {d['kind']})"))
    con.print(terminal_safe(d["description"]))
    for dim in d.get("dimensions", ()):
        t = _table(
            "probe", "weight", "question", title=f"{dim['name']} [{dim['id']}] - overall weight {dim['weight']:g}"
        )
        for c in dim["criteria"]:
            _row(t, c["probe"], f"{c['weight']:g}", c["question"])
        con.print(t)
    if "grades" in d:
        con.print("grades: " + ", ".join(f"{terminal_safe(g['grade'])} >= {g['min']:g}" for g in d["grades"]))
    for key, title in (("components", "MOF components"), ("items", "OSAID items")):
        if key in d:
            t = _table("id", "class" if key == "components" else "name", "evidence", "license / terms", title=title)
            for c in d[key]:
                terms = c.get("license") if key == "components" else c.get("terms")
                _row(
                    t,
                    c["id"],
                    c["class"] if key == "components" else c["name"],
                    _probes(c["evidence"]),
                    _probes(terms) or "-",
                )
            con.print(t)
    if "osai_dimensions" in d:
        th = d["thresholds"]
        t = _table(
            "dimension",
            "group",
            "probes (weight)",
            "unobserved",
            title=f"OSAI index (open >= {th['open']}, partial >= {th['partial']})",
        )
        for x in d["osai_dimensions"]:
            _row(
                t,
                x["id"],
                x["group"],
                ", ".join(f"{c['probe']} ({c['weight']:g})" for c in x["criteria"]) or "-",
                x["unobserved"],
            )
        con.print(t)
    return buf.getvalue()
