"""The batch runner with the real openaudit.api.audit on the genuine MiniLM snapshot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from openaudit.batch import run_batch


def test_batch_with_real_audit_on_minilm(minilm: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("openaudit.api") is None:
        pytest.skip("openaudit.api is not importable yet")
    res = run_batch(
        [str(minilm)],
        tmp_path,
        jobs=1,
        executor="thread",
        audit_kwargs={"offline": True, "timestamp": False},
        progress=False,
    )
    row = res.rows[0]
    assert (tmp_path / "summary.csv").is_file() and (tmp_path / "state.jsonl").is_file()
    if row["status"] == "error":
        pytest.skip(f"openaudit.api.audit cannot audit the MiniLM folder yet: {row['error']}")
    assert row["license"] == "Apache-2.0"
    assert isinstance(row["score"], (int, float))
    # resumable: a second run audits nothing
    again = run_batch([str(minilm)], tmp_path, jobs=1, executor="thread", progress=False)
    assert again.skipped == 1 and again.audited == 0
