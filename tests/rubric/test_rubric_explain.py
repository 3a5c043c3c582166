"""Every framework grade is explained (issue 13): for each OSAI dimension, MOF component and OSAID item,
the criteria, weights and findings that decided it - in the JSON report (schema 1.1) and in the
Markdown / HTML cards."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from openaudit.base.parse import load_yaml
from openaudit.model import Finding, Outcome
from openaudit.probes import CATALOG
from openaudit.resources import rubrics_dir, schema
from openaudit.rubric import evaluate_frameworks

CARD = (
    "---\nlicense: bigcode-openrail-m\ndatasets:\n- acme/corpus\n---\n# Acme\n\nA code model trained on "
    "[Corpus](https://huggingface.co/datasets/acme/corpus) for 1T tokens. Training code: https://github.com/acme/train\n"
)


def _fw(outcomes: dict[str, Outcome], default: Outcome = Outcome.PASS) -> dict:
    fs = {p: Finding(p, outcomes.get(p, default), f"{p} message <b>") for p in CATALOG}
    return evaluate_frameworks(fs)


def _spec(name: str) -> dict:
    return load_yaml((rubrics_dir() / f"{name}.yaml").read_text(encoding="utf-8"))["frameworks"]


def test_every_osai_dimension_lists_its_weighted_criteria_and_reason():
    fw = _fw({"code.training_code": Outcome.PARTIAL, "license.code_license": Outcome.NOT_AVAILABLE})
    ex = fw["explain"]["osai"]["dimensions"]
    spec = {d["id"]: d for d in _spec("osai-index")["osai"]["dimensions"]}
    assert set(ex) == set(spec) == set(fw["osai"])
    for dim, d in ex.items():
        assert d["grade"] == fw["osai"][dim]
        assert [(c["probe"], c["weight"]) for c in d["criteria"]] == [
            (c["probe"], c["weight"]) for c in spec[dim]["criteria"]
        ]
        assert set(d["decided_by"]) <= {c["probe"] for c in d["criteria"]}
        assert d["reason"].startswith(d["grade"])
    oc = ex["open_code"]
    assert oc["earned"] == 1.5 + 1 + 1 and oc["observed"] == 5  # training code 3 x 0.5, config 1, preprocessing 1
    assert (
        oc["decided_by"] == ["code.training_code"]
        and "not observed: license.code_license=not_available" in oc["reason"]
    )
    assert {c["probe"]: c["credit"] for c in oc["criteria"]}["license.code_license"] is None


def test_every_mof_component_and_osaid_item_names_what_decided_it():
    fw = _fw({"license.open": Outcome.FAIL, "data.available": Outcome.NOT_AVAILABLE})
    comps = {c["id"]: c for c in fw["explain"]["mof"]["components"]}
    assert set(comps) == {c["id"] for c in _spec("mof-1.0")["mof"]["components"]}
    assert comps["final_model_parameters"]["status"] == "not_met" and comps["final_model_parameters"]["decided_by"] == [
        "license.open"
    ]
    assert comps["datasets"]["status"] == "unverified" and comps["datasets"]["decided_by"] == ["data.available"]
    assert comps["training_code"]["status"] == "met"
    assert {c["role"] for c in comps["training_code"]["criteria"]} == {"evidence", "license"}
    items = fw["explain"]["osaid"]["items"]
    assert items["parameters"]["status"] == "not_met" and "license.open" in items["parameters"]["decided_by"]


def test_audit_report_with_explanations_validates_and_renders(tmp_path):
    from openaudit.api import audit
    from openaudit.render.html import render_html
    from openaudit.render.markdown import render_markdown

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "README.md").write_text(CARD)
    rep = json.loads(json.dumps(audit(str(tmp_path / "m"), timestamp=False)))
    assert rep["schema_version"] == "1.1"
    jsonschema.Draft202012Validator(schema("report")).validate(rep)
    assert rep["frameworks"]["explain"]["osai"]["dimensions"]["open_code"]["decided_by"] == ["code.training_code"]
    md = render_markdown(rep)
    assert "## How the framework grades were decided" in md and "| open code | open |" in md
    assert "code.training\\_code ×3: pass" in md
    html = render_html(rep)
    assert "How the framework grades were decided" in html and "<details" in html
    assert "license.open (license): partial" in html


@pytest.mark.parametrize("renderer", ["markdown", "html"])
def test_reports_without_explanations_render_without_the_section(renderer):
    from openaudit.render.html import render_html
    from openaudit.render.markdown import render_markdown

    rep = json.loads((Path(__file__).resolve().parents[1] / "render" / "sample_report.json").read_text())
    rep["frameworks"].pop("explain", None)
    out = (render_markdown if renderer == "markdown" else render_html)(rep)
    assert "How the framework grades were decided" not in out
