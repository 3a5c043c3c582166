"""Scoring math: weighted credit over observed criteria; not_available never fails; null when nothing counts."""

from __future__ import annotations

import math

import pytest

from openaudit.errors import InvalidDocument
from openaudit.model import Finding, Outcome
from openaudit.probes import CATALOG
from openaudit.rubric import load_rubric
from openaudit.rubric.score import score, score_dimension


def F(probe: str, outcome: str, score_: float | None = None) -> Finding:
    return Finding(probe=probe, outcome=Outcome(outcome), message=f"{probe} {outcome}", score=score_)


def everything(outcome: str) -> dict[str, Finding]:
    return {p: F(p, outcome) for p in CATALOG}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("openaudit")


def _dim(result, dim_id):
    return next(d for d in result.dimensions if d.id == dim_id)


def test_all_pass_is_ten_a(rubric):
    r = score(rubric, everything("pass"))
    assert all(d.score == 10.0 and d.confidence == 1.0 for d in r.dimensions)
    assert r.overall == {"score": 10.0, "grade": "A", "confidence": 1.0}


def test_all_fail_is_zero_f(rubric):
    r = score(rubric, everything("fail"))
    assert all(d.score == 0.0 and d.grade == "F" for d in r.dimensions)
    assert r.overall["score"] == 0.0 and r.overall["grade"] == "F"


@pytest.mark.parametrize("outcome", ["not_available", "not_applicable"])
def test_unobserved_outcomes_never_fail(rubric, outcome):
    fs = everything("pass")
    lic = rubric.dimensions[0]
    # make every license criterion but license.open unobserved: the score stays 10, confidence drops
    for c in lic.criteria:
        if c.probe != "license.open":
            fs[c.probe] = F(c.probe, outcome)
    d = _dim(score(rubric, fs), "license")
    total = sum(c.weight for c in lic.criteria)
    assert d.score == 10.0
    assert math.isclose(d.confidence, 4 / total)


def test_an_error_never_scores_higher_than_a_fail(rubric):
    """Issue 11 rule 6: making probes raise must not lift a dimension (restricted-weights' license went
    5.8 -> 10.0 when its failing license probes were made to crash)."""
    lic = rubric.dimensions[0]
    others = [c.probe for c in lic.criteria if c.probe != "license.open"]
    with_fail, with_error = everything("pass"), everything("pass")
    for p in others:
        with_fail[p] = F(p, "fail")
        with_error[p] = F(p, "error")
    failed, errored = _dim(score(rubric, with_fail), "license"), _dim(score(rubric, with_error), "license")
    assert errored.score is not None and errored.score <= failed.score
    assert errored.confidence < failed.confidence  # an error is not an observation
    assert errored.errors == tuple(others) and errored.unverified and not failed.unverified
    d = errored.to_dict()
    assert d["errors"] == others and d["unverified"] is True
    r = score(rubric, with_error)
    assert r.overall["errors"] == others and r.overall["unverified"] is True
    assert "errors" not in score(rubric, with_fail).overall


def test_unrun_probes_are_marked(rubric):
    fs = everything("pass")
    gone = rubric.dimensions[1].criteria[0].probe
    del fs[gone]
    d = _dim(score(rubric, fs), rubric.dimensions[1].id)
    assert d.unrun == (gone,) and d.unverified and d.to_dict()["unrun"] == [gone] and d.confidence < 1


def test_all_unavailable_gives_null_score_and_grade(rubric):
    r = score(rubric, everything("not_available"))
    assert all(d.score is None and d.grade is None and d.confidence == 0.0 for d in r.dimensions)
    assert r.overall == {"score": None, "grade": None, "confidence": 0.0}


def test_no_findings_at_all_are_stand_ins_not_fails(rubric):
    r = score(rubric, {})
    d = _dim(r, "weights")
    assert d.score is None
    assert {f.outcome for f in d.findings} == {Outcome.NOT_AVAILABLE}
    assert [f.probe for f in d.findings] == [c.probe for c in rubric.dimensions[1].criteria]


def test_partial_credit_and_explicit_partial_score(rubric):
    lic = rubric.dimensions[0]
    fs = {c.probe: F(c.probe, "not_available") for c in lic.criteria}
    fs["license.open"] = F("license.open", "partial")  # default 0.5
    fs["license.declared"] = F("license.declared", "pass")
    d = score_dimension(lic, fs, rubric)
    w = {c.probe: c.weight for c in lic.criteria}
    expect = 10 * (w["license.open"] * 0.5 + w["license.declared"]) / (w["license.open"] + w["license.declared"])
    assert math.isclose(d.score, expect)
    fs["license.open"] = F("license.open", "partial", 0.25)
    d = score_dimension(lic, fs, rubric)
    expect = 10 * (w["license.open"] * 0.25 + w["license.declared"]) / (w["license.open"] + w["license.declared"])
    assert math.isclose(d.score, expect)


def test_weights_matter(rubric):
    """Failing the open-license criterion costs more than failing the LICENSE-file criterion."""
    a = everything("pass")
    a["license.open"] = F("license.open", "fail")
    b = everything("pass")
    b["license.file_present"] = F("license.file_present", "fail")
    assert _dim(score(rubric, a), "license").score < _dim(score(rubric, b), "license").score


def test_overall_is_weighted_mean_of_available_dimensions(rubric):
    fs = everything("pass")
    for c in next(d for d in rubric.dimensions if d.id == "data").criteria:
        fs[c.probe] = F(c.probe, "not_available")  # data: null, excluded from overall
    for c in next(d for d in rubric.dimensions if d.id == "code").criteria:
        fs[c.probe] = F(c.probe, "fail")
    r = score(rubric, fs)
    w = rubric.overall_weights
    avail = [d for d in r.dimensions if d.score is not None]
    assert "data" not in {d.id for d in avail}
    expect = sum(w[d.id] * d.score for d in avail) / sum(w[d.id] for d in avail)
    assert r.overall["score"] == round(expect, 2)
    assert r.overall["grade"] == rubric.grade_for(round(expect, 2))
    assert r.overall["confidence"] < 1.0


def test_findings_carried_into_dimension_results(rubric):
    fs = everything("pass")
    r = score(rubric, fs)
    assert _dim(r, "code").findings[0] is fs[rubric.dimensions[2].criteria[0].probe]
    d = r.to_dict()
    assert d["overall"]["grade"] == "A" and d["dimensions"][0]["findings"][0]["outcome"] == "pass"


def test_framework_rubric_cannot_score():
    with pytest.raises(InvalidDocument, match="not a scoring rubric"):
        score(load_rubric("mof-1.0"), {})


def test_llama_like_profile_scores_low_on_license_and_data(rubric):
    """Open weights, restrictive license, no data: a careful rater gives license and data low marks."""
    fs = everything("pass")
    for p in (
        "license.open",
        "license.no_use_restrictions",
        "license.data_license",
        "data.available",
        "data.documented",
        "data.data_card",
        "code.training_code",
        "code.preprocessing_code",
        "repro.training_log",
        "repro.data_order",
        "weights.intermediate_checkpoints",
        "weights.ungated",
        "code.training_config",
        "code.evaluation_code",
        "license.code_license",
        "repro.seed",
    ):
        fs[p] = F(p, "fail")
    fs["license.commercial_use"] = F("license.commercial_use", "partial")  # user threshold
    fs["data.contamination"] = F("data.contamination", "not_available")
    fs["repro.replay"] = F("repro.replay", "not_available")
    r = score(rubric, fs)
    assert _dim(r, "license").score < 5.5
    assert _dim(r, "data").score < 5
    assert _dim(r, "documentation").score == 10
    assert r.overall["grade"] in {"D", "E", "F"}
