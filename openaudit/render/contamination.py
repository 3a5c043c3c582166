"""Render a contamination report (``openaudit contamination``): JSON (deterministic) or a rich table.

Writing the result to stdout or a file is ``openaudit.render.output``'s job."""
from __future__ import annotations

import io
import json
from typing import Any

from openaudit.base.text import terminal_safe
from openaudit.errors import UsageError

FORMATS = ("table", "json")


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_table(report: dict[str, Any], *, width: int | None = None, max_items: int = 50) -> str:
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    con = Console(file=buf, width=width or 120, force_terminal=False, color_system=None, highlight=False)
    summary = Table(title="Benchmark contamination", show_lines=False)
    for col in ("benchmark", "n", "items", "contaminated", "rate", "clean", "not clean", "not dirty", "dirty", "q only", "q+a"):
        summary.add_column(col, justify="left" if col == "benchmark" else "right")
    for b in report["benchmarks"]:
        k = b["buckets"]
        summary.add_row(
            terminal_safe(b["name"]), str(b["ngram"]), str(b["items_total"]), str(b["items_contaminated"]),
            f"{100 * b['rate']:.1f}%", str(k["clean"]), str(k["not_clean"]), str(k["not_dirty"]), str(k["dirty"]),
            str(b["question_only"]), str(b["question_answer"]),
        )
    con.print(summary)
    for b in report["benchmarks"]:
        hits = [i for i in b["items"] if i["contaminated"]]
        if not hits:
            continue
        t = Table(title=f"{terminal_safe(b['name'])}: contaminated items", show_lines=False)
        for col in ("item", "bucket", "kind", "coverage", "longest", "jaccard", "evidence"):
            t.add_column(col, overflow="fold")
        for it in hits[:max_items]:
            ev = it["evidence"][0] if it["evidence"] else None
            where = f"{ev['source']} · {ev['doc']} [{ev['start']}:{ev['end']}]" if ev else ""
            t.add_row(
                terminal_safe(it["id"]), it["bucket"], it["kind"] or "", f"{it['coverage']:.2f}",
                str(it["longest_match"]), f"{it['jaccard']:.2f}", terminal_safe(where),
            )
        if len(hits) > max_items:
            t.caption = f"{len(hits) - max_items} more; use --format json for all"
        con.print(t)
    for b in report["benchmarks"]:
        if b["frequent_ngrams"]:
            con.print(f"{terminal_safe(b['name'])}: {len(b['frequent_ngrams'])} frequent n-gram(s) ignored for coverage, e.g. "
                      f"\"{terminal_safe(b['frequent_ngrams'][0]['ngram'])}\" ({b['frequent_ngrams'][0]['docs']} documents)")
    return buf.getvalue()


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "table":
        return to_table(report)
    raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
