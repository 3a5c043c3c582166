"""MOF cumulative classes, OSAID verdicts, OSAI grades - each carrying its probe ids."""

from __future__ import annotations

import pytest

from openaudit.model import Finding, Outcome
from openaudit.probes import CATALOG
from openaudit.rubric import evaluate_frameworks, load_rubric


def F(probe: str, outcome: str, score_: float | None = None) -> Finding:
    return Finding(probe=probe, outcome=Outcome(outcome), message=f"{probe} is {outcome}", score=score_)


def everything(outcome: str) -> dict[str, Finding]:
    return {p: F(p, outcome) for p in CATALOG}


def with_(base: dict[str, Finding], outcome: str, *probes: str) -> dict[str, Finding]:
    out = dict(base)
    for p in probes:
        out[p] = F(p, outcome)
    return out


def test_everything_open():
    r = evaluate_frameworks(everything("pass"))
    assert r["mof"]["class"] == "I"
    assert r["osaid"] == {**r["osaid"], "verdict": "open-source-ai", "missing": []}
    assert all(g == "open" for k, g in r["osai"].items() if k != "api")
    assert r["osai"]["api"] == "not_available"
    assert len(r["osai"]) == 12
    assert r["mof"]["progress"]["I"] == {**r["mof"]["progress"]["I"], "met": 17, "required": 17, "missing": []}


def test_nothing_observed_is_never_closed_or_not_met():
    r = evaluate_frameworks(everything("not_available"))
    assert r["mof"]["class"] is None
    assert all(p["status"] == "unverified" for p in r["mof"]["progress"].values())
    assert r["osaid"]["verdict"] == "insufficient-evidence"
    assert {m["item"] for m in r["osaid"]["missing"]} == {"data_information", "code", "parameters"}
    assert set(r["osai"].values()) == {"not_available"}


def test_empty_findings_same_as_unobserved():
    r = evaluate_frameworks({})
    assert r["mof"]["class"] is None and r["osaid"]["verdict"] == "insufficient-evidence"


def test_mof_classes_are_cumulative():
    # every class II and class I component met, but class III misses its data card
    fs = with_(everything("pass"), "fail", "data.data_card")
    r = evaluate_frameworks(fs)["mof"]
    assert r["class"] is None  # no class II or I without class III
    assert r["progress"]["III"]["status"] == "not_met"
    assert r["progress"]["II"]["status"] == "not_met"  # cumulative: II includes III's requirements
    assert r["progress"]["II"]["required"] == 12 and r["progress"]["II"]["met"] == 11
    miss = r["progress"]["III"]["missing"]
    assert [m["component"] for m in miss] == ["data_card"]
    assert "data.data_card" in miss[0]["probes"] and "data.data_card: fail" in miss[0]["reason"]


def test_mof_class_iii_only():
    fs = with_(everything("pass"), "fail", "code.training_code")
    r = evaluate_frameworks(fs)["mof"]
    assert r["class"] == "III"
    assert r["progress"]["III"]["status"] == "met"
    assert "training_code" in [m["component"] for m in r["progress"]["II"]["missing"]]


def test_mof_license_requirement_blocks_component():
    fs = with_(everything("pass"), "fail", "license.code_license")
    r = evaluate_frameworks(fs)["mof"]
    assert r["class"] == "III"  # code components need an OSI license
    reasons = {m["component"]: m["reason"] for m in r["progress"]["II"]["missing"]}
    assert reasons["training_code"].startswith("license: license.code_license: fail")
    fs = with_(everything("pass"), "fail", "license.no_use_restrictions")
    assert evaluate_frameworks(fs)["mof"]["class"] is None  # weights under a RAIL-style license


def test_mof_unverified_blocks_class_but_is_not_a_fail():
    fs = with_(everything("pass"), "not_available", "repro.paper")
    r = evaluate_frameworks(fs)["mof"]
    assert r["class"] is None
    assert r["progress"]["III"]["status"] == "unverified"
    assert r["progress"]["III"]["missing"][0]["status"] == "unverified"


def test_mof_any_of_and_not_applicable():
    fs = with_(everything("pass"), "fail", "code.inference_code")
    comps = {c["id"]: c for c in evaluate_frameworks(fs)["mof"]["components"]}
    assert comps["model_architecture"]["status"] == "met"  # any_of: training code suffices
    fs = with_(everything("pass"), "not_applicable", "code.no_remote_code")
    comps = {c["id"]: c for c in evaluate_frameworks(fs)["mof"]["components"]}
    assert comps["inference_code"]["status"] == "met"


def test_osaid_verdicts():
    fs = with_(everything("pass"), "not_available", "data.documented")
    r = evaluate_frameworks(fs)["osaid"]
    assert r["verdict"] == "insufficient-evidence"
    assert r["missing"][0]["item"] == "data_information" and "data.documented" in r["missing"][0]["reason"]
    fs = with_(fs, "fail", "license.open")  # one observed failure outweighs missing evidence
    r = evaluate_frameworks(fs)["osaid"]
    assert r["verdict"] == "not-open-source-ai"
    assert {m["item"] for m in r["missing"]} == {"data_information", "parameters"}
    par = next(m for m in r["missing"] if m["item"] == "parameters")
    assert "terms: license.open: fail" in par["reason"]
    assert r["items"]["code"]["status"] == "met" and "license.code_license" in r["items"]["code"]["probes"]


def test_osai_grades_and_thresholds():
    fw = load_rubric("osai-index").frameworks["osai"]
    fs = everything("pass")
    fs = with_(fs, "fail", "data.available")  # data: 3 of 6 weight lost -> share 0.5 -> partial
    fs = with_(fs, "fail", "weights.present", "weights.ungated")  # closed
    fs = with_(fs, "not_available", "repro.paper")  # preprint: not observed
    r = evaluate_frameworks(fs)
    assert r["osai"]["data"] == "partial"
    assert r["osai"]["weights"] == "closed"
    assert r["osai"]["preprint"] == "not_available"
    assert r["osai"]["model_card"] == "open"
    ev = r["osai_evidence"]["dimensions"]
    assert ev["data"]["share"] == 0.5 and "data.available" in ev["data"]["probes"]
    assert fw["thresholds"]["partial"] <= 0.5 < fw["thresholds"]["open"]


def test_custom_framework_rubric_with_closed_absence(tmp_path):
    import yaml

    from openaudit.resources import rubrics_dir

    d = yaml.safe_load((rubrics_dir() / "osai-index.yaml").read_text())
    d["frameworks"]["osai"]["dimensions"][0]["unobserved"] = "closed"
    p = tmp_path / "osai.yaml"
    p.write_text(yaml.safe_dump(d))
    r = evaluate_frameworks({}, rubrics=[load_rubric(str(p))])
    assert set(r) == {"osai", "osai_evidence", "explain"} and set(r["explain"]) == {"osai"}
    assert r["osai"]["open_code"] == "closed" and r["osai"]["data"] == "not_available"


@pytest.mark.parametrize("outcome", ["error", "not_available"])
def test_error_findings_are_unverified(outcome):
    fs = with_(everything("pass"), outcome, "weights.present")
    r = evaluate_frameworks(fs)
    assert r["osaid"]["verdict"] == "insufficient-evidence"
    assert r["mof"]["progress"]["III"]["status"] == "unverified"
