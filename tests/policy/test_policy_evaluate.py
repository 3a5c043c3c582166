"""evaluate(report_dict, policy): every rule type, both directions, and the unverified handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openaudit.errors import InvalidDocument
from openaudit.model import Finding, Outcome, Report
from openaudit.policy import evaluate, load_policy
from openaudit.policy.load import policy_from_data
from openaudit.probes import CATALOG
from openaudit.rubric import evaluate_frameworks, load_rubric, rubric_info
from openaudit.rubric.score import score

REPO = Path(__file__).resolve().parents[2]


def report(overrides: dict[str, str] | None = None, license_: dict | None = None, **extra) -> dict:
    """A real report dict: every probe passes unless overridden (probe -> outcome)."""
    fs = {p: Finding(p, Outcome.PASS, f"{p} ok") for p in CATALOG}
    for p, o in (overrides or {}).items():
        fs[p] = Finding(p, Outcome(o), f"{p} is {o}")
    rub = load_rubric("openaudit")
    s = score(rub, fs)
    lic = {
        "declared": "apache-2.0",
        "spdx": "Apache-2.0",
        "category": "permissive",
        "commercial_use": True,
        "restrictions": [],
        "mismatch": False,
    }
    lic.update(license_ or {})
    r = Report(
        schema_version="1.0",
        tool={"name": "openaudit", "version": "0"},
        target={"id": "org/m", "source": "local"},
        rubric=rubric_info(rub),
        license=lic,
        dimensions=s.dimensions,
        overall=s.overall,
        frameworks=evaluate_frameworks(fs),
        **extra,
    )
    return json.loads(json.dumps(r.to_dict()))


def pol(**rules) -> object:
    return policy_from_data({"kind": "policy", "name": "t", **rules}, "test-policy")


def rules_of(v) -> set[str]:
    return {x.rule for x in v.violations}


def test_empty_policy_passes():
    v = evaluate(report(), pol())
    assert v.ok and not v.violations and not v.unverified


def test_min_overall_score():
    assert evaluate(report(), pol(min_overall_score=9)).ok
    v = evaluate(
        report({"license.open": "fail", "data.available": "fail", "code.training_code": "fail"}),
        pol(min_overall_score=9.5),
    )
    assert not v.ok and rules_of(v) == {"min_overall_score"}
    assert v.violations[0].expected == 9.5 and v.violations[0].actual < 9.5


def test_min_dimension_scores_names_failing_probes():
    v = evaluate(report({"license.open": "fail"}), pol(min_dimension_scores={"license": 8, "data": 5}))
    assert rules_of(v) == {"min_dimension_scores.license"}
    assert "license.open" in v.violations[0].evidence
    assert evaluate(report(), pol(min_dimension_scores={"license": 8})).ok


def test_unobserved_dimension_is_unverified_by_default_and_follows_treat_as():
    data_probes = [c.probe for c in load_rubric("openaudit").dimensions[3].criteria]
    r = report({p: "not_available" for p in data_probes})
    v = evaluate(r, pol(min_dimension_scores={"data": 5}))
    assert v.ok and [u.rule for u in v.unverified] == ["min_dimension_scores.data"]
    v = evaluate(r, pol(min_dimension_scores={"data": 5}, treat_not_available_as="fail"))
    assert not v.ok and rules_of(v) == {"min_dimension_scores.data"} and not v.unverified
    v = evaluate(r, pol(min_dimension_scores={"data": 5}, treat_not_available_as="pass"))
    assert v.ok and not v.unverified


def test_required_probes_pass():
    p = pol(required_probes_pass=["license.declared", "weights.safe_format", "weights.index_complete"])
    assert evaluate(report({"weights.index_complete": "not_applicable"}), p).ok
    v = evaluate(report({"weights.safe_format": "fail"}), p)
    assert rules_of(v) == {"required_probes_pass.weights.safe_format"} and v.violations[0].evidence == (
        "weights.safe_format",
    )
    v = evaluate(report({"license.declared": "error"}), p)
    assert v.ok and v.unverified[0].rule == "required_probes_pass.license.declared"
    v = evaluate(report({"weights.safe_format": "partial"}), p)
    assert not v.ok


def test_forbid_outcomes():
    p = pol(forbid_outcomes={"weights.no_dangerous_pickles": ["fail", "error"]})
    assert evaluate(report(), p).ok
    assert not evaluate(report({"weights.no_dangerous_pickles": "error"}), p).ok
    assert evaluate(report({"weights.no_dangerous_pickles": "not_available"}), p).ok


@pytest.mark.parametrize(
    "spdx,category,allow,ok",
    [
        ("Apache-2.0", "permissive", ["Apache-2.0"], True),
        ("apache-2.0", None, ["Apache-2.0"], True),
        ("LicenseRef-llama3", "restricted-model", ["Apache-2.0", "MIT"], False),
        ("LicenseRef-llama3", "restricted-model", ["restricted-model"], True),
        ("GPL-3.0-only OR MIT", "copyleft", ["MIT"], True),
        ("GPL-3.0-only AND MIT", "copyleft", ["MIT"], False),
    ],
)
def test_license_allow(spdx, category, allow, ok):
    v = evaluate(report(license_={"spdx": spdx, "category": category}), pol(license={"allow": allow}))
    assert v.ok is ok
    if not ok:
        assert rules_of(v) == {"license.allow"} and spdx in v.violations[0].message


@pytest.mark.parametrize(
    "spdx,category,deny,ok",
    [
        ("CC-BY-NC-4.0", "non-commercial", ["CC-BY-NC-4.0"], False),
        ("CC-BY-4.0", "open-content", ["CC-BY-NC-4.0"], True),
        ("MIT", "permissive", ["permissive"], False),
        ("GPL-3.0-only OR MIT", "copyleft", ["GPL-3.0-only"], True),
        ("GPL-3.0-only AND MIT", "copyleft", ["GPL-3.0-only"], False),
    ],
)
def test_license_deny(spdx, category, deny, ok):
    assert evaluate(report(license_={"spdx": spdx, "category": category}), pol(license={"deny": deny})).ok is ok


def test_unknown_license_is_unverified():
    r = report(license_={"spdx": None, "category": None, "commercial_use": None})
    v = evaluate(r, pol(license={"allow": ["MIT"], "deny": ["GPL-3.0-only"]}, require_commercial_use=True))
    assert v.ok and {u.rule for u in v.unverified} == {"license.allow", "license.deny", "require_commercial_use"}


def test_require_commercial_use():
    assert evaluate(report(), pol(require_commercial_use=True)).ok
    v = evaluate(report(license_={"commercial_use": False, "spdx": "CC-BY-NC-4.0"}), pol(require_commercial_use=True))
    assert rules_of(v) == {"require_commercial_use"} and "CC-BY-NC-4.0" in v.violations[0].message


def test_conditional_commercial_use_needs_explicit_acceptance():
    llama = {
        "commercial_use": "conditional",
        "spdx": "LicenseRef-llama2",
        "commercial_use_conditions": "700M monthly active users need a separate license",
    }
    v = evaluate(report(license_=llama), pol(require_commercial_use=True))
    assert rules_of(v) == {"require_commercial_use"} and "700M" in v.violations[0].message
    assert evaluate(report(license_=llama), pol(require_commercial_use=True, accept_conditional_commercial_use=True)).ok


def test_min_mof_class():
    assert evaluate(report(), pol(min_mof_class="I")).ok
    r = report({"code.training_code": "fail"})  # class III only
    assert evaluate(r, pol(min_mof_class="III")).ok
    v = evaluate(r, pol(min_mof_class="II"))
    assert rules_of(v) == {"min_mof_class"} and "training_code" in v.violations[0].evidence
    v = evaluate(report({"repro.paper": "not_available"}), pol(min_mof_class="III"))
    assert v.ok and v.unverified[0].rule == "min_mof_class" and "technical_report" in v.unverified[0].message


def test_require_osaid():
    assert evaluate(report(), pol(require_osaid=True)).ok
    v = evaluate(report({"license.open": "fail"}), pol(require_osaid=True))
    assert rules_of(v) == {"require_osaid"} and "parameters" in v.violations[0].evidence
    v = evaluate(report({"data.documented": "not_available"}), pol(require_osaid=True))
    assert v.ok and v.unverified[0].actual == "insufficient-evidence"


def test_require_osai():
    r = report({"data.available": "fail"})  # data: partial
    assert evaluate(r, pol(require_osai={"data": "partial", "weights": "open"})).ok
    v = evaluate(r, pol(require_osai={"data": "open"}))
    assert rules_of(v) == {"require_osai.data"} and "data.available" in v.violations[0].evidence
    v = evaluate(r, pol(require_osai={"api": "partial"}))
    assert v.ok and v.unverified[0].actual == "not_available"


def test_max_contamination_rate():
    p = pol(max_contamination_rate=0.05)
    r = report(contamination={"benchmarks": [{"name": "humaneval", "rate": 0.01}, {"name": "gsm8k", "rate": 0.2}]})
    v = evaluate(r, p)
    assert (
        rules_of(v) == {"max_contamination_rate"}
        and v.violations[0].actual == 0.2
        and "gsm8k" in v.violations[0].message
    )
    assert evaluate(report(contamination={"benchmarks": [{"name": "humaneval", "rate": 0.01}]}), p).ok
    v = evaluate(report(), p)
    assert v.ok and v.unverified[0].rule == "max_contamination_rate"


def test_require_verification():
    p = pol(require_verification=["REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE"])
    assert evaluate(report(verification={"verdict": "REPRODUCED_WITHIN_TOLERANCE"}), p).ok
    v = evaluate(report(verification={"verdict": "DIVERGED"}), p)
    assert rules_of(v) == {"require_verification"}
    assert evaluate(report(), p).unverified[0].rule == "require_verification"


def test_example_policies_on_open_and_closed_reports():
    open_r = report(
        contamination={"benchmarks": [{"name": "h", "rate": 0.0}]}, verification={"verdict": "REPRODUCED_EXACT"}
    )
    closed_r = report(
        {
            "license.open": "fail",
            "license.commercial_use": "fail",
            "license.no_use_restrictions": "fail",
            "data.available": "fail",
            "code.training_code": "fail",
            "docs.model_card": "fail",
        },
        license_={"spdx": "LicenseRef-llama3", "category": "restricted-model", "commercial_use": False},
    )
    for name in ("permissive-commercial", "open-science", "registry-default"):
        p = load_policy(REPO / "examples" / "policies" / f"{name}.yaml")
        assert evaluate(open_r, p).ok, (name, evaluate(open_r, p))
        assert not evaluate(closed_r, p).ok, name


def test_malformed_reports_never_crash():
    p = load_policy(REPO / "examples" / "policies" / "open-science.yaml")
    for bad in (
        {},
        {"dimensions": "x", "overall": [], "frameworks": 3, "license": None},
        {"dimensions": [None, {"findings": [1, {"probe": 2}]}], "contamination": {"benchmarks": [None]}},
    ):
        v = evaluate(bad, p)
        assert not v.ok  # treat_not_available_as: fail
    with pytest.raises(InvalidDocument):
        evaluate([], p)  # type: ignore[arg-type]


def test_verdict_to_dict_round_trips_json():
    v = evaluate(report({"license.open": "fail"}), pol(min_dimension_scores={"license": 9}, require_osaid=True))
    d = json.loads(json.dumps(v.to_dict()))
    assert d["ok"] is False and {x["rule"] for x in d["violations"]} == {
        "min_dimension_scores.license",
        "require_osaid",
    }


from hypothesis import given, settings
from hypothesis import strategies as st

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=10), c, max_size=3),
    max_leaves=15,
)
_report_keys = st.sampled_from(["dimensions", "overall", "frameworks", "license", "contamination", "verification"])


@settings(max_examples=200, deadline=None)
@given(doc=st.dictionaries(_report_keys, _json, max_size=6))
def test_arbitrary_report_shapes_never_crash(doc):
    p = load_policy(REPO / "examples" / "policies" / "open-science.yaml")
    v = evaluate(doc, p)
    assert isinstance(v.ok, bool)
    q = load_policy(REPO / "examples" / "policies" / "permissive-commercial.yaml")
    evaluate(doc, q)


_fw = st.fixed_dictionaries(
    {},
    optional={
        "mof": st.dictionaries(st.sampled_from(["class", "progress"]), _json, max_size=2),
        "osaid": st.dictionaries(st.sampled_from(["verdict", "missing"]), _json, max_size=2),
        "osai": st.dictionaries(st.sampled_from(["data", "weights"]), _json, max_size=2),
        "osai_evidence": _json,
    },
)


@settings(max_examples=200, deadline=None)
@given(fw=_fw, lic=st.dictionaries(st.sampled_from(["spdx", "category", "commercial_use"]), _json, max_size=3))
def test_arbitrary_framework_and_license_blocks_never_crash(fw, lic):
    p = pol(
        min_mof_class="II",
        require_osaid=True,
        require_osai={"data": "open", "weights": "partial"},
        license={"allow": ["MIT"], "deny": ["GPL-3.0-only"]},
        require_commercial_use=True,
    )
    v = evaluate({"frameworks": fw, "license": lic}, p)
    assert isinstance(v.ok, bool)


def test_fail_on_error_makes_any_failed_check_a_violation():
    errs = report({"license.open": "error", "weights.no_dangerous_pickles": "error"})
    assert evaluate(errs, pol()).ok  # without the rule an error alone gates nothing
    v = evaluate(errs, pol(fail_on_error=True))
    assert not v.ok and rules_of(v) == {"fail_on_error"}
    assert v.violations[0].actual == ["license.open", "weights.no_dangerous_pickles"]
    assert set(v.violations[0].evidence) == {"license.open", "weights.no_dangerous_pickles"}
    assert evaluate(report(), pol(fail_on_error=True)).ok


def test_an_erroring_probe_never_turns_a_policy_green():
    """The issue's example: crashing license probes lifted a score over the policy's minimum."""
    failing = report({"license.open": "fail", "license.commercial_use": "fail", "license.no_use_restrictions": "fail"})
    erroring = report(
        {"license.open": "error", "license.commercial_use": "error", "license.no_use_restrictions": "error"}
    )
    p = pol(min_dimension_scores={"license": 8})
    assert not evaluate(failing, p).ok
    assert not evaluate(erroring, p).ok


def test_min_confidence():
    thin = report({p: "not_available" for p in CATALOG if not p.startswith("license.")})
    assert thin["overall"]["confidence"] < 0.5
    v = evaluate(thin, pol(min_confidence=0.5))
    assert not v.ok and rules_of(v) == {"min_confidence"} and v.violations[0].actual == thin["overall"]["confidence"]
    assert evaluate(report(), pol(min_confidence=0.5)).ok
    no_conf = report()
    del no_conf["overall"]["confidence"]
    v = evaluate(no_conf, pol(min_confidence=0.5))
    assert v.ok and [u.rule for u in v.unverified] == ["min_confidence"]
    assert not evaluate(no_conf, pol(min_confidence=0.5, treat_not_available_as="fail")).ok


def test_strict_safety_example_policy_fails_closed():
    p = load_policy(REPO / "examples" / "policies" / "strict-safety.yaml")
    assert evaluate(report(), p).ok
    for outcome in ("fail", "not_available", "error"):
        for probe in ("weights.no_dangerous_pickles", "code.no_remote_code"):
            assert not evaluate(report({probe: outcome}), p).ok, (probe, outcome)
