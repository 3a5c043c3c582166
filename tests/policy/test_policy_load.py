"""Policy files: schema-validated, unknown keys are errors, every bad input is InvalidDocument."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaudit.errors import FileMissing, InvalidDocument
from openaudit.policy import load_policy

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["permissive-commercial", "open-science", "registry-default", "strict-safety"])
def test_example_policies_load(name):
    p = load_policy(REPO / "examples" / "policies" / f"{name}.yaml")
    assert p.name == name and len(p.sha256) == 64


def _write(tmp_path, text):
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    "body,path,reason",
    [
        ("kind: policy\nname: x\nmin_overall_scor: 5\n", "$", "min_overall_scor"),
        ("kind: policy\nname: x\nmin_overall_score: 12\n", "$.min_overall_score", "greater than the maximum"),
        (
            "kind: policy\nname: x\nmin_dimension_scores: {licence: 5}\n",
            "$.min_dimension_scores.licence",
            "unknown dimension",
        ),
        (
            "kind: policy\nname: x\nrequired_probes_pass: [license.opn]\n",
            "$.required_probes_pass[0]",
            "unknown probe id",
        ),
        (
            "kind: policy\nname: x\nforbid_outcomes: {weights.present: [broken]}\n",
            "$.forbid_outcomes.weights.present[0]",
            "",
        ),
        (
            "kind: policy\nname: x\nforbid_outcomes: {weights.nope: [fail]}\n",
            "$.forbid_outcomes.weights.nope",
            "unknown probe",
        ),
        ("kind: policy\nname: x\nmin_mof_class: IV\n", "$.min_mof_class", ""),
        ("kind: policy\nname: x\nrequire_osai: {data: closed}\n", "$.require_osai.data", ""),
        ("kind: policy\nname: x\nlicense: {allow: [MIT], deny: [mit]}\n", "$.license", "both allowed and denied"),
        ("kind: policy\nname: x\nlicense: {alow: [MIT]}\n", "$.license", "alow"),
        ("kind: policy\nname: x\ntreat_not_available_as: maybe\n", "$.treat_not_available_as", ""),
        ("kind: policy\nname: x\nmax_contamination_rate: 5\n", "$.max_contamination_rate", ""),
        ("kind: policy\nname: x\nfail_on_error: maybe\n", "$.fail_on_error", ""),
        ("kind: policy\nname: x\nmin_confidence: 1.5\n", "$.min_confidence", ""),
        ("kind: rubric\nname: x\n", "$.kind", ""),
        ("name: x\n", "$", "kind"),
        ("[1, 2]\n", "$", "must be a mapping"),
        ("kind: policy\nname: [x\n", "line", "invalid YAML"),
    ],
)
def test_bad_policies(tmp_path, body, path, reason):
    p = _write(tmp_path, body)
    with pytest.raises(InvalidDocument) as ei:
        load_policy(p)
    msg = ei.value.message
    assert msg.startswith(f"{p}: {path}"), msg
    assert reason in msg, msg


def test_policy_defaults(tmp_path):
    p = load_policy(_write(tmp_path, "kind: policy\nname: empty\n"))
    assert p.treat_not_available_as == "unverified" and p.min_overall_score is None and not p.require_osaid
    assert p.fail_on_error is False and p.min_confidence is None


def test_missing_and_huge_policy(tmp_path):
    with pytest.raises(FileMissing, match=r"^no such file: .*nope\.yaml$"):
        load_policy(tmp_path / "nope.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("kind: policy\nname: x\ndescription: " + "y" * 2_000_000 + "\n")
    with pytest.raises(InvalidDocument, match="larger than"):
        load_policy(big)


_vals = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=15),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=12), c, max_size=3),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "kind",
        "name",
        "min_overall_score",
        "min_dimension_scores",
        "required_probes_pass",
        "forbid_outcomes",
        "license",
        "require_commercial_use",
        "min_mof_class",
        "require_osai",
        "max_contamination_rate",
        "require_verification",
        "treat_not_available_as",
        "zzz",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(_keys, _vals, max_size=8))
def test_arbitrary_policies_only_raise_invalid_document(tmp_path, doc):
    doc.setdefault("kind", "policy")
    p = tmp_path / "fuzz.yaml"
    p.write_text(yaml.safe_dump(doc))
    try:
        load_policy(p)
    except InvalidDocument as exc:
        assert "\n" not in exc.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_arbitrary_text_only_raises_invalid_document(tmp_path, text):
    p = tmp_path / "fuzz.yaml"
    p.write_bytes(text.encode("utf-8", "replace"))
    try:
        load_policy(p)
    except InvalidDocument:
        pass
