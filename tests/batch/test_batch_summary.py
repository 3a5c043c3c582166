"""The batch summary table (issue 10 item 5): ids and targets are never wrapped at 120 columns,
counts are pluralised; targets and state lines with line-breaking or invisible characters never
split or hide a line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openaudit.batch import read_targets, run_batch, summary_table
from openaudit.errors import InvalidDocument

TARGETS = [
    "sentence-transformers/all-MiniLM-L6-v2",
    "meta-llama/Llama-2-7b-chat-hf",
    "/home/someone/models/tiny-open-checkpoint-final",
    "EleutherAI/pythia-160m-deduped",
]


def row(target: str, ok: bool = True) -> dict:
    return {
        "target": target,
        "status": "done" if ok else "error",
        "score": 6.53 if ok else None,
        "grade": "B" if ok else None,
        "confidence": 0.8,
        "mof_class": "III" if ok else None,
        "osaid": "not-open-source-ai" if ok else None,
        "license": "LicenseRef-llama2" if ok else None,
        "report": None,
        "error": None if ok else "target not found: no such folder and not a Hub id (org/name)",
    }


def test_targets_and_ids_stay_on_one_line_at_120_columns() -> None:
    rows = [row(t) for t in TARGETS[:3]] + [row(TARGETS[3], ok=False)]
    out = summary_table(rows, width=120)
    lines = out.splitlines()
    assert all(len(line) <= 120 for line in lines)
    for t in TARGETS[:3]:
        assert any(
            line.startswith(t) and "LicenseRef-llama2" in line and "not-open-source-ai" in line for line in lines
        ), (t, out)
    assert any(line.startswith(TARGETS[3]) and " error" in line for line in lines)
    assert f"error: {TARGETS[3]}: target not found" in out.replace("\n", " ")


def test_counts_are_pluralised() -> None:
    assert summary_table([row("a"), row("b", ok=False)], width=100).splitlines()[-1] == "2 targets: 1 audited, 1 error"
    assert summary_table([row("a")], width=100).splitlines()[-1] == "1 target: 1 audited, 0 errors"


def test_terminal_width_is_used_by_default(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "150")
    assert max(len(line) for line in summary_table([row("x" * 120)]).splitlines()) > 120


@pytest.mark.parametrize("bad", ["org/a\x85b", "org/a\u2028b", "org/\u202ea", "org/a\u200bb"])
def test_targets_with_invisible_or_line_breaking_characters_are_refused(tmp_path: Path, bad: str) -> None:
    p = tmp_path / "t.txt"
    p.write_text(f"org/ok\n{bad}\n", encoding="utf-8")
    with pytest.raises(InvalidDocument, match=r":2: target contains"):
        read_targets(p)


def test_state_lines_survive_unusual_characters(tmp_path: Path) -> None:
    odd = "org/model\u0085\u2028name"

    def audit(target: str, **_kw) -> dict:
        return {"schema_version": "1.0", "target": {"id": target, "source": "local"}, "dimensions": []}

    run_batch([odd], tmp_path, audit_fn=audit, jobs=1, executor="thread", progress=False)
    raw = (tmp_path / "state.jsonl").read_text(encoding="utf-8")
    assert raw.count("\n") == 1 and "\\u2028" in raw and "\u2028" not in raw
    assert json.loads(raw)["target"] == odd
    again = run_batch([odd], tmp_path, audit_fn=audit, jobs=1, executor="thread", progress=False)
    assert again.skipped == 1
