"""Golden files for every output format (refresh deliberately with --update-golden)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from openaudit.render import render
from openaudit.render.badge import render_badge
from openaudit.render.bom import render_bom

HERE = Path(__file__).resolve().parent
GOLDEN = HERE.parent / "golden"
VERDICT = {
    "ok": False,
    "violations": [
        {
            "rule": "min_grade",
            "expected": "A",
            "actual": "B",
            "message": "overall grade B is below A",
            "evidence": [{"kind": "card_field", "path": "README.md", "line": 2, "field": "license"}],
        }
    ],
    "unverified": ["data.available"],
}


def sample() -> dict:
    return json.loads((HERE / "sample_report.json").read_text(encoding="utf-8"))


CASES = {
    "render_sample.table.txt": lambda r: render(r, "table"),
    "render_sample.json": lambda r: render(r, "json"),
    "render_sample.md": lambda r: render(r, "markdown", policy_verdict=VERDICT),
    "render_sample.html": lambda r: render(r, "html", policy_verdict=VERDICT),
    "render_sample.sarif": lambda r: render(r, "sarif", policy_verdict=VERDICT),
    "render_sample.junit.xml": lambda r: render(r, "junit", policy_verdict=VERDICT),
    "render_sample.badge.json": lambda r: render_badge(r, kind="grade", format="endpoint"),
    "render_sample.badge-mof.svg": lambda r: render_badge(r, kind="mof", format="svg"),
    "render_sample.spdx.json": lambda r: render_bom(r, "spdx"),
    "render_sample.cdx.json": lambda r: render_bom(r, "cyclonedx"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, update_golden: bool) -> None:
    report = sample()
    before = copy.deepcopy(report)
    out = CASES[name](report)
    assert report == before, "renderers must not mutate the report"
    assert out == CASES[name](sample()), "output must be deterministic"
    path = GOLDEN / name
    if update_golden or not path.exists():
        path.write_text(out, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"golden file {name} was missing and has been written; rerun")
    assert out == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (--update-golden)"
