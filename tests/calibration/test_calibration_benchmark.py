"""benchmarks/calibration.py: the report -> label mapping, abstentions counted as disagreements, the
slices and framework comparisons, and (when ../shared is present) the agreement it measures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_SET = ROOT.parent / "shared" / "calibration"


def _bench():
    spec = importlib.util.spec_from_file_location("oa_calibration_bench", ROOT / "benchmarks" / "calibration.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _report(license_outcome: str, data: str, code: str) -> dict:
    return {
        "dimensions": [{"findings": [{"probe": "license.open", "outcome": license_outcome}]}],
        "frameworks": {"osai": {"data": data, "open_code": code}},
    }


@pytest.mark.parametrize(
    "lic, data, code, want",
    [
        ("pass", "open", "open", (True, True, True)),
        ("partial", "partial", "closed", (False, False, False)),
        ("fail", "closed", "partial", (False, False, False)),
        ("not_available", "not_available", "not_available", (None, None, None)),
        ("error", "open", "not_available", (None, True, None)),
    ],
)
def test_mapping(lic, data, code, want):
    got = _bench().tool_labels(_report(lic, data, code))
    assert (got["license_open"], got["data_open"], got["code_open"]) == want


def test_abstentions_count_as_disagreements():
    b = _bench()
    rows = [
        {"want": True, "got": True},
        {"want": False, "got": None},
        {"want": True, "got": None},
        {"want": None, "got": True},
    ]
    s = b.stats(rows)
    assert s["n"] == 3 and s["agree"] == 1 and s["agreement"] == pytest.approx(1 / 3)
    assert s["answered_agreement"] == 1.0 and s["abstained"] == 2 and s["recall_open"] == 0.5


CARD = "---\nlicense: apache-2.0\n---\n# M\n\nTrained on [C4](https://huggingface.co/datasets/c4) for 1T tokens.\n"
RATINGS = """model: "acme/m"
match: exact
mot:
  - path: "models/M.yml"
    content: |
      release:
        license:
          distribution: {name: Apache-2.0}
        components:
          - {name: 'Model parameters (Final)', license: Apache-2.0}
          - {name: 'Training code', license: unlicensed}
osai:
  - path: "M.yaml"
    role: end
    content: |
      trainingcode: {class: closed}
      datasources_basemodel: {class: open}
      datasources_endmodel: {class: partial}
      licenses: {class: open}
"""
LABELS = """licence_table: {open: ["Apache-2.0"], not_open: ["unlicensed"], no_licence_named: []}
models:
  "acme/m":
    dir: "models/acme__m"
    match: exact
    license_open: true
    data_open: false
    code_open: false
    provenance:
      license_open: {source: both, weak: false, disagree: false}
      data_open: {source: osai, weak: false, disagree: false}
      code_open: {source: osai, weak: true, disagree: false}
"""


def test_runs_on_a_set_of_the_same_layout(tmp_path, capsys):
    d = tmp_path / "set"
    (d / "models" / "acme__m").mkdir(parents=True)
    (d / "models" / "acme__m" / "README.md").write_text(CARD)
    (d / "models" / "acme__m" / "ratings.yaml").write_text(RATINGS)
    (d / "labels.yaml").write_text(LABELS)
    b = _bench()
    assert b.main(["--set", str(d), "--show-misses"]) == 0
    out = capsys.readouterr().out
    assert "license_open  strong" in out and "final_model_parameters" in out and "open_code" in out
    _labels, _reports, recs = b.run(d)
    got = {r["label"]: r["got"] for r in recs}
    assert got["license_open"] is True
    assert (
        b.osai_grades(
            {"datasources_basemodel": {"class": "open"}, "datasources_endmodel": {"class": "partial"}}, "end"
        )["data"]
        == "partial"
    )
    assert (
        b.osai_grades(
            {"datasources_basemodel": {"class": "open"}, "datasources_endmodel": {"class": "closed"}}, "base"
        )["data"]
        == "open"
    )


def test_missing_set_exits_2(tmp_path, capsys):
    assert _bench().main(["--set", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.skipif(not (SHARED_SET / "labels.yaml").is_file(), reason="../shared/calibration is absent")
def test_agreement_on_the_shared_calibration_set():
    """Regression guard for the measured figures (docs/calibration.md): strong labels >= 0.85 with
    abstentions counted as misses, and abstaining stays rare."""
    b = _bench()
    _, _, recs = b.run(SHARED_SET)
    strong = b.stats([r for r in recs if not r["weak"]])
    assert strong["agreement"] >= 0.85, strong
    assert strong["abstention_rate"] <= 0.05, strong
