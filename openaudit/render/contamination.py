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
    for col in (
        "benchmark",
        "status",
        "n",
        "items",
        "contaminated",
        "rate",
        "clean",
        "not clean",
        "not dirty",
        "dirty",
        "q only",
        "q+a",
    ):
        summary.add_column(col, justify="left" if col in ("benchmark", "status") else "right")
    for b in report["benchmarks"]:
        k = b["buckets"]
        summary.add_row(
            terminal_safe(b["name"]),
            b.get("status", "complete"),
            str(b["ngram"]),
            str(b["items_total"]),
            str(b["items_contaminated"]),
            f"{100 * b['rate']:.1f}%",
            str(k["clean"]),
            str(k["not_clean"]),
            str(k["not_dirty"]),
            str(k["dirty"]),
            str(b["question_only"]),
            str(b["question_answer"]),
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
            where = evidence_location(ev) if ev else ""
            t.add_row(
                terminal_safe(it["id"]),
                it["bucket"],
                it["kind"] or "",
                f"{it['coverage']:.2f}",
                str(it["longest_match"]),
                f"{it['jaccard']:.2f}",
                terminal_safe(where),
            )
        if len(hits) > max_items:
            t.caption = f"{len(hits) - max_items} more; use --format json for all"
        con.print(t)
    for b in report["benchmarks"]:
        if b["frequent_ngrams"]:
            con.print(
                f"{terminal_safe(b['name'])}: {len(b['frequent_ngrams'])} frequent n-gram(s) ignored for coverage, e.g. "
                f'"{terminal_safe(b["frequent_ngrams"][0]["ngram"])}" ({b["frequent_ngrams"][0]["docs"]} documents)'
            )
    for line in problem_lines(report):
        con.print(terminal_safe(line))
    return buf.getvalue()


def evidence_location(ev: dict[str, Any]) -> str:
    """``source:line · doc [start:end]`` (no line for parquet rows)."""
    line = ev.get("line")
    where = f"{ev['source']}:{line}" if line is not None else ev["source"]
    return f"{where} · {ev['doc']} [{ev['start']}:{ev['end']}]"


def status_lines(c: dict[str, Any]) -> list[str]:
    """Plain-text lines on how far a contamination block got, for the report cards: why it did not
    run, which repository files were (not) used, what was skipped. Empty for a complete --train run."""
    out = []
    if c.get("status") == "not_run":
        out.append(f"Not run ({c.get('reason')}): {c.get('message')}")
    files = c.get("training_files") if isinstance(c.get("training_files"), dict) else {}
    if files.get("origin") == "repository":
        used = ", ".join(str(u.get("path")) for u in files.get("used") or []) or "none"
        out.append(f"Training data from the repository: {used}")
        for e in files.get("excluded") or []:
            out.append(f"Not used: {e.get('path')} ({e.get('reason')}: {e.get('why')})")
    if isinstance(c.get("benchmarks"), list):
        out.extend(problem_lines(c))
    return out


def problem_lines(report: dict[str, Any]) -> list[str]:
    """What was not read (capped or skipped), one line per benchmark that is incomplete."""
    out = []
    for b in report["benchmarks"]:
        probs = b.get("problems") or {}
        if b.get("status", "complete") == "complete" or not probs.get("counts"):
            continue
        counts = ", ".join(f"{n} x {code}" for code, n in probs["counts"].items())
        first = probs["listed"][0] if probs.get("listed") else None
        eg = f"; e.g. {first['source']}: {first['message']}" if first else ""
        out.append(f"{b['name']}: INCOMPLETE, not verified clean — skipped: {counts}{eg}")
    return out


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "table":
        return to_table(report)
    raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
