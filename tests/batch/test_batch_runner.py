"""Batch: parallel audits with an injected audit function, resume, error rows, summaries."""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path

import pytest

from openaudit.batch import read_targets, run_batch, slug, summary_csv, summary_table
from openaudit.errors import InvalidDocument, InvalidInput, TargetNotFound, UsageError

CALLS: list[str] = []
LOCK = threading.Lock()


def fake_report(target: str) -> dict:
    score = float(len(target) % 10)
    return {
        "schema_version": "1.0",
        "tool": {"name": "openaudit", "version": "0"},
        "target": {"id": target, "source": "local"},
        "dimensions": [],
        "overall": {"score": score, "grade": "B", "confidence": 0.5},
        "license": {"spdx": "MIT", "declared": "mit"},
        "frameworks": {"mof": {"class": "III", "progress": {}}, "osaid": {"verdict": "open-source-ai", "missing": []}},
    }


def fake_audit(target: str, **kwargs) -> dict:
    with LOCK:
        CALLS.append(target)
    if target.startswith("bad"):
        raise TargetNotFound(f"{target}: no such folder")
    if target.startswith("crash"):
        raise RuntimeError("probe exploded")
    assert kwargs == {"offline": True}
    return fake_report(target)


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()


def test_batch_writes_reports_state_and_summaries(tmp_path: Path) -> None:
    targets = [f"org/m{i}" for i in range(6)] + ["bad/x", "crash/y"]
    res = run_batch(
        targets,
        tmp_path,
        audit_fn=fake_audit,
        jobs=3,
        executor="thread",
        audit_kwargs={"offline": True},
        progress=False,
    )
    assert sorted(CALLS) == sorted(targets)
    assert [r["target"] for r in res.rows] == targets  # input order, not completion order
    assert res.failed == 2 and res.audited == 8 and res.exit_code == 0
    errs = {r["target"]: r["error"] for r in res.rows if r["status"] == "error"}
    assert errs["bad/x"] == "bad/x: no such folder"
    assert errs["crash/y"].startswith("internal error: RuntimeError: probe exploded")
    done = [r for r in res.rows if r["status"] == "done"]
    for r in done:
        rep = json.loads((tmp_path / r["report"]).read_text(encoding="utf-8"))
        assert rep["target"]["id"] == r["target"]
        assert r["license"] == "MIT" and r["mof_class"] == "III"
    rows = list(csv.DictReader((tmp_path / "summary.csv").open(encoding="utf-8")))
    assert len(rows) == 8 and rows[6]["status"] == "error"
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert (summary["targets"], summary["done"], summary["errors"]) == (8, 6, 2)
    lines = (tmp_path / "state.jsonl").read_text(encoding="utf-8").splitlines()
    state = {e["target"]: e for e in map(json.loads, lines)}
    assert len(lines) == 8 and state["bad/x"]["status"] == "error" and state["org/m0"]["status"] == "done"
    assert "6 audited, 2 errors" in summary_table(res.rows)


def test_rerun_skips_done_and_retries_errors(tmp_path: Path) -> None:
    run_batch(
        ["org/a", "bad/b"],
        tmp_path,
        audit_fn=fake_audit,
        jobs=1,
        executor="thread",
        audit_kwargs={"offline": True},
        progress=False,
    )
    CALLS.clear()
    res = run_batch(
        ["org/a", "bad/b", "org/c"],
        tmp_path,
        audit_fn=fake_audit,
        jobs=2,
        executor="thread",
        audit_kwargs={"offline": True},
        progress=False,
    )
    assert sorted(CALLS) == ["bad/b", "org/c"]
    assert res.skipped == 1 and res.audited == 2
    assert [r["status"] for r in res.rows] == ["done", "error", "done"]
    # a deleted report file is audited again instead of trusting the state
    (tmp_path / res.rows[0]["report"]).unlink()
    CALLS.clear()
    run_batch(
        ["org/a"], tmp_path, audit_fn=fake_audit, executor="thread", audit_kwargs={"offline": True}, progress=False
    )
    assert CALLS == ["org/a"]


def test_all_failing_is_exit_2_and_process_pool_works(tmp_path: Path) -> None:
    res = run_batch(
        ["bad/1", "bad/2"],
        tmp_path,
        audit_fn=fake_audit,
        jobs=2,
        executor="process",
        audit_kwargs={"offline": True},
        progress=False,
    )
    assert res.exit_code == 2 and res.failed == 2


def test_bad_arguments_and_damaged_state(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        run_batch(["a"], tmp_path, audit_fn=fake_audit, jobs=0)
    with pytest.raises(UsageError):
        run_batch(["a"], tmp_path, audit_fn=fake_audit, executor="gpu")
    f = tmp_path / "file"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInput):
        run_batch(["a"], f, audit_fn=fake_audit)
    out = tmp_path / "out"
    out.mkdir()
    (out / "state.jsonl").write_text(
        "{broken\n" + json.dumps({"target": "a", "status": "done"}) + "\n", encoding="utf-8"
    )
    with pytest.raises(InvalidDocument):
        run_batch(["a"], out, audit_fn=fake_audit, executor="thread", progress=False)
    # a torn last line (interrupted append) is ignored: that target runs again
    (out / "state.jsonl").write_text(
        json.dumps({"target": "z", "status": "error", "error": "x"}) + '\n{"targ', encoding="utf-8"
    )
    res = run_batch(
        ["org/a"], out, audit_fn=fake_audit, executor="thread", audit_kwargs={"offline": True}, progress=False
    )
    assert res.rows[0]["status"] == "done"


def test_read_targets(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("# models\norg/a\n\n  org/b  # trailing comment\norg/a\n./local/folder\n", encoding="utf-8")
    assert read_targets(p) == ["org/a", "org/b", "./local/folder"]
    p.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(InvalidDocument):
        read_targets(p)
    p.write_bytes(b"\xff\xfeorg/a")
    with pytest.raises(InvalidInput):
        read_targets(p)
    with pytest.raises(InvalidInput):
        read_targets(tmp_path / "missing.txt")
    p.write_text("org/a\x1b[2J\n", encoding="utf-8")
    with pytest.raises(InvalidDocument):
        read_targets(p)


def test_slug_is_unique_and_safe() -> None:
    assert slug("org/model") != slug("org_model")
    s = slug("../../etc/passwd")
    assert "/" not in s and not s.startswith(".")


def test_summary_csv_neutralises_formulas() -> None:
    rows = [
        {
            "target": '=HYPERLINK("x")',
            "status": "error",
            "score": None,
            "grade": None,
            "confidence": None,
            "mof_class": None,
            "osaid": None,
            "license": None,
            "report": None,
            "error": "+cmd",
        }
    ]
    out = summary_csv(rows)
    assert "'=HYPERLINK" in out and "'+cmd" in out


def test_author_listing_validates_name() -> None:
    from openaudit.batch import list_author

    with pytest.raises(UsageError):
        list_author("../etc")


def test_cli_batch_with_file_of_missing_targets(tmp_path: Path, capsys) -> None:
    from openaudit.cli.main import main

    t = tmp_path / "t.txt"
    t.write_text(f"{tmp_path / 'nope1'}\n{tmp_path / 'nope2'}\n", encoding="utf-8")
    rc = main(["batch", str(t), "--out", str(tmp_path / "o"), "--jobs", "1", "--offline"])
    out, err = capsys.readouterr()
    assert rc == 2 and "2 errors" in out and "Traceback" not in err
    rc = main(["batch", "--out", str(tmp_path / "o")])
    assert rc == 2 and "either a TARGETS file or --author" in capsys.readouterr().err
