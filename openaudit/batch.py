"""Audit many models: parallel, resumable, with a per-target JSON report and a summary.

Layout of the output folder::

    OUT/reports/<slug>.json   one JSON report per target that was audited
    OUT/state.jsonl           one line per finished target {target, status: done|error, report, error},
                              appended (and fsynced) as each target finishes
    OUT/summary.csv, OUT/summary.json

A rerun with the same OUT skips targets already ``done`` (their report file present) and retries the
ones that failed. A failing target never stops the batch: it becomes an ``error`` row.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaudit import api
from openaudit.base.net import NetFailure, to_error
from openaudit.base.net import hub as hubnet
from openaudit.base.text import json_safe, read_user_text, terminal_safe
from openaudit.errors import (
    InvalidDocument,
    InvalidInput,
    InvalidTargets,
    OpenAuditError,
    OutputError,
    UsageError,
)
from openaudit.render._common import as_dict, frameworks, score_text, text
from openaudit.render.jsonfmt import json_text
from openaudit.render.output import write_atomic

AuditFn = Callable[..., Any]
STATE_FILE = "state.jsonl"
SUMMARY_FIELDS = (
    "target",
    "status",
    "score",
    "grade",
    "confidence",
    "mof_class",
    "osaid",
    "license",
    "report",
    "error",
)
MAX_TARGETS_FILE = 16 * 1024 * 1024


@dataclass
class BatchResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    audited: int = 0  # audited in this run
    skipped: int = 0  # already done by an earlier run

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r["status"] == "error")

    @property
    def exit_code(self) -> int:
        """0 when at least one target was audited (errors are rows, not a failed batch); 2 when all failed."""
        return 2 if not self.rows or self.failed == len(self.rows) else 0


def read_targets(path: str | Path) -> list[str]:
    """Targets from a text file: one per line; blank lines and ``#`` comments ignored; duplicates once."""
    p = Path(path)
    raw = read_user_text(p, what="targets file", max_bytes=MAX_TARGETS_FILE)
    out: list[str] = []
    for n, line in enumerate(raw.split("\n"), 1):  # not splitlines(): \x85 and U+2028 are not line ends here
        t = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not t:
            continue
        if terminal_safe(t) != t:
            raise InvalidTargets(f"{terminal_safe(str(p))}:{n}: target contains control, bidi or invisible characters")
        if t not in out:
            out.append(t)
    if not out:
        raise InvalidTargets(f"{p} names no targets")
    return out


def list_author(author: str, *, token: str | None = None, limit: int | None = None) -> list[str]:
    """Model ids of a Hub author/organisation (Hub listing API, through ``openaudit.base.net.hub``)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}", author):
        raise UsageError(f"not a Hub author or organisation name: {author!r}")
    try:
        ids = hubnet.list_models(author, token=token, limit=limit)
    except NetFailure as exc:
        raise to_error(exc.failure, f"listing models of {author}") from None
    if not ids:
        raise InvalidInput(f"the Hub lists no models for author {author!r}")
    return ids


def slug(target: str) -> str:
    """A file name for ``target``: readable part + short hash (distinct targets never collide)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", target.strip("/"))[-80:].strip("._") or "target"
    return f"{base}-{hashlib.sha256(target.encode('utf-8')).hexdigest()[:10]}"


def _default_audit(target: str, **kwargs: Any) -> Any:
    return api.audit(target, **kwargs)


def audit_one(target: str, audit_fn: AuditFn | None, kwargs: dict[str, Any]) -> tuple[str, Any, str | None]:
    """Run one audit; never raises: returns (target, report dict | None, error message | None)."""
    fn = audit_fn or _default_audit
    try:
        report = fn(target, **kwargs)
        if hasattr(report, "to_dict"):
            report = report.to_dict()
        if not isinstance(report, dict):
            return target, None, f"audit returned {type(report).__name__}, not a report"
        return target, report, None
    except OpenAuditError as exc:
        return target, None, exc.message
    except Exception as exc:  # one broken target must not stop the batch
        return target, None, " ".join(f"internal error: {type(exc).__name__}: {exc}".split())[:300]


def _load_state(out: Path) -> dict[str, dict[str, Any]]:
    """Replay the append-only state log (last line per target wins; a torn last line is ignored)."""
    p = out / STATE_FILE
    if not p.exists():
        return {}
    try:
        lines = p.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidDocument(f"{p} is not a batch state file ({exc}); use another --out folder") from exc
    state: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            if n == len(lines):  # interrupted while appending: that target simply runs again
                break
            raise InvalidDocument(f"{p}:{n} is not a batch state line; use another --out folder") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("target"), str):
            raise InvalidDocument(f"{p}:{n} is not a batch state line; use another --out folder")
        state[entry["target"]] = entry
    return state


def _append_state(out: Path, entry: dict[str, Any]) -> None:
    with open(out / STATE_FILE, "a", encoding="utf-8") as fh:
        fh.write(json_safe(json.dumps(entry, sort_keys=True, ensure_ascii=False)) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def summary_row(
    target: str, report: dict[str, Any] | None, error: str | None, report_file: str | None
) -> dict[str, Any]:
    row: dict[str, Any] = {k: None for k in SUMMARY_FIELDS}
    row.update(target=target, status="error" if report is None else "done", error=error, report=report_file)
    if report is not None:
        overall = as_dict(report.get("overall"))
        mof, osaid, _ = frameworks(report)
        lic = as_dict(report.get("license"))
        row.update(
            score=overall.get("score"),
            grade=overall.get("grade"),
            confidence=overall.get("confidence"),
            mof_class=mof.get("class"),
            osaid=osaid.get("verdict"),
            license=lic.get("spdx") or lic.get("declared"),
        )
    return row


def _progress(total: int, enabled: bool | None) -> Any:
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    prog = Progress(
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )
    prog.start()
    prog.add_task("", total=total)
    return prog


def run_batch(
    targets: Iterable[str],
    out_dir: str | Path,
    *,
    audit_fn: AuditFn | None = None,
    jobs: int = 2,
    audit_kwargs: dict[str, Any] | None = None,
    executor: str = "process",
    progress: bool | None = None,
) -> BatchResult:
    """Audit ``targets`` into ``out_dir`` with ``jobs`` workers (``executor`` "process" or "thread")."""
    targets = list(dict.fromkeys(targets))
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if executor not in ("process", "thread"):
        raise UsageError(f"executor must be 'process' or 'thread', not {executor!r}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out is not a folder: {out}")
    (out / "reports").mkdir(parents=True, exist_ok=True)
    state = _load_state(out)
    kwargs = dict(audit_kwargs or {})
    result = BatchResult()
    reports: dict[str, tuple[dict[str, Any] | None, str | None, str | None]] = {}
    todo = []
    for t in targets:
        st = state.get(t, {})
        rel = st.get("report")
        if st.get("status") == "done" and isinstance(rel, str) and (out / rel).is_file():
            try:
                reports[t] = (json.loads((out / rel).read_text(encoding="utf-8")), None, rel)
                result.skipped += 1
                continue
            except (OSError, ValueError):
                pass  # damaged report: audit again
        todo.append(t)
    prog = _progress(len(todo), progress)
    pool_cls = cf.ProcessPoolExecutor if executor == "process" and jobs > 1 else cf.ThreadPoolExecutor
    try:
        with pool_cls(max_workers=jobs) as pool:
            futures = {pool.submit(audit_one, t, audit_fn, kwargs): t for t in todo}
            try:
                for fut in cf.as_completed(futures):
                    t = futures[fut]
                    try:
                        _, report, err = fut.result()
                    except Exception as exc:  # a worker process died
                        report, err = None, f"worker failed: {type(exc).__name__}: {exc}"[:300]
                    rel = None
                    if report is not None:
                        rel = f"reports/{slug(t)}.json"
                        write_atomic(out / rel, json_text(report))
                        state[t] = {"target": t, "status": "done", "report": rel}
                    else:
                        state[t] = {"target": t, "status": "error", "error": err}
                    _append_state(out, state[t])
                    reports[t] = (report, err, rel)
                    result.audited += 1
                    if prog is not None:
                        prog.update(prog.task_ids[0], advance=1, description=t[-40:])
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        if prog is not None:
            prog.stop()
    result.rows = [summary_row(t, *reports[t]) for t in targets if t in reports]
    write_summaries(out, result.rows)
    return result


def summary_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(SUMMARY_FIELDS), lineterminator="\n")
    w.writeheader()
    for r in rows:
        # neutralise spreadsheet formulas in untrusted text (CSV injection)
        w.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in r.items()})
    return buf.getvalue()


def write_summaries(out: Path, rows: list[dict[str, Any]]) -> None:
    write_atomic(out / "summary.csv", summary_csv(rows))
    doc = {
        "targets": len(rows),
        "done": sum(r["status"] == "done" for r in rows),
        "errors": sum(r["status"] == "error" for r in rows),
        "rows": rows,
    }
    write_atomic(out / "summary.json", json_text(doc))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_table(rows: list[dict[str, Any]], *, width: int | None = None) -> str:
    """The batch summary for a terminal, ``width`` columns wide (default: the terminal's, at least 80):
    one row per target (grades, classes and licenses never wrapped or cut; a target folds only when
    it cannot fit on the line at all), then one ``error:`` line per failed target."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    width = width or max(80, shutil.get_terminal_size((120, 24)).columns)
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, no_color=True, highlight=False, emoji=False)
    t = Table(box=box.SIMPLE_HEAVY, show_edge=False, pad_edge=False, collapse_padding=True)
    cells = [
        [
            terminal_safe(x)
            for x in (
                text(r["target"]),
                r["status"],
                score_text(r["score"]) if r["status"] == "done" else "",
                text(r["grade"]),
                text(r["mof_class"]),
                text(r["osaid"]),
                text(r["license"]),
            )
        ]
        for r in rows
    ]
    for i, col in enumerate(("Target", "Status", "Score", "Grade", "MOF", "OSAID", "License")):
        if i == 0:  # the target takes what is left, folding only when it cannot fit at all
            t.add_column(col, overflow="fold", ratio=1)
        else:  # short values: exactly as wide as the widest, never wrapped or cut
            t.add_column(col, no_wrap=True, min_width=max([len(col)] + [len(c[i]) for c in cells]))
    for c in cells:
        t.add_row(*(Text(x) for x in c))
    console.print(t)
    for r in rows:
        if r["status"] == "error":
            console.print(Text(f"error: {terminal_safe(text(r['target']))}: {terminal_safe(text(r['error']))}"))
    done = sum(r["status"] == "done" for r in rows)
    console.print(Text(f"{_plural(len(rows), 'target')}: {done} audited, {_plural(len(rows) - done, 'error')}"))
    return buf.getvalue()
