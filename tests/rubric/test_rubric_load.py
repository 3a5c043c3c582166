"""Rubric loading: every shipped rubric validates; bad rubrics are InvalidDocument with file + path + reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaudit.errors import FileMissing, InvalidDocument
from openaudit.probes import CATALOG
from openaudit.resources import rubrics_dir, schema
from openaudit.rubric import load_rubric, rubric_info
from openaudit.rubric.docload import MAX_DOC_BYTES, parse_text, validate
from openaudit.rubric.load import shipped_rubric_files

SHIPPED = ["openaudit", "mof-1.0", "osaid-1.0", "osai-index"]


def _minimal() -> dict:
    return {
        "schema_version": "1.0",
        "kind": "score",
        "id": "mini",
        "name": "mini",
        "version": "1.0",
        "description": "a tiny rubric",
        "dimensions": [{"id": "license", "name": "License", "criteria": [{"probe": "license.open", "weight": 2}]}],
        "grades": [{"grade": "A", "min": 8}, {"grade": "F", "min": 0}],
        "overall": {"weights": {"license": 1}},
    }


def _write(tmp_path: Path, data, name="r.yaml") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return p


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rubrics_load_and_validate(name):
    r = load_rubric(name)
    assert r.id == name
    raw = yaml.safe_load((rubrics_dir() / f"{name}.yaml").read_text())
    validate(raw, schema("rubric"), name)  # raises on error
    assert set(r.probes()) <= set(CATALOG)
    info = rubric_info(r)
    assert info["id"] == name and len(info["sha256"]) == 64


def test_shipped_files_are_exactly_the_four():
    assert sorted(p.stem for p in shipped_rubric_files()) == sorted(SHIPPED)


def test_schema_is_versioned_draft_2020_12():
    s = schema("rubric")
    assert s["$schema"].endswith("2020-12/schema") and "/1.0/" in s["$id"]
    assert s["additionalProperties"] is False


def test_default_rubric_shape():
    r = load_rubric("openaudit")
    assert [d.id for d in r.dimensions] == ["license", "weights", "code", "data", "reproducibility", "documentation"]
    # every catalogue probe is used somewhere in the default rubric
    assert set(r.probes()) == set(CATALOG)
    w = {d.id: {c.probe: c.weight for c in d.criteria} for d in r.dimensions}
    assert w["license"]["license.open"] > w["license"]["license.file_present"]
    assert w["data"]["data.available"] > w["documentation"]["docs.citation"]
    assert r.overall_weights["data"] > r.overall_weights["documentation"]
    assert r.grade_for(9) == "A" and r.grade_for(0) == "F" and r.grade_for(None) is None


def test_mof_has_17_components_in_cumulative_classes():
    fw = load_rubric("mof-1.0").frameworks["mof"]
    comps = fw["components"]
    assert len(comps) == 17
    by = {}
    for c in comps:
        by.setdefault(c["class"], set()).add(c["id"])
    assert by["III"] == {
        "model_architecture",
        "final_model_parameters",
        "technical_report",
        "evaluation_results",
        "model_card",
        "data_card",
        "sample_model_outputs",
    }
    assert by["II"] == {"training_code", "inference_code", "evaluation_code", "evaluation_data", "supporting_libraries"}
    assert by["I"] == {
        "research_paper",
        "datasets",
        "data_preprocessing_code",
        "intermediate_model_parameters",
        "model_metadata",
    }
    assert [c["id"] for c in fw["classes"]] == ["III", "II", "I"]
    for c in comps:  # each component carries a license requirement from the license probes
        assert set(c["license"]["all_of"]) <= {
            "license.open",
            "license.code_license",
            "license.data_license",
            "license.no_use_restrictions",
        }


def test_osai_has_12_dimensions():
    fw = load_rubric("osai-index").frameworks["osai"]
    assert len(fw["dimensions"]) == 12


def test_load_by_path(tmp_path):
    p = _write(tmp_path, _minimal())
    r = load_rubric(str(p))
    assert r.id == "mini" and r.path == str(p)


BAD = [
    (
        "unknown probe",
        lambda d: d["dimensions"][0]["criteria"][0].update(probe="license.nope"),
        "$.dimensions[0].criteria[0].probe",
        "unknown probe id",
    ),
    (
        "zero weight",
        lambda d: d["dimensions"][0]["criteria"][0].update(weight=0),
        "$.dimensions[0].criteria[0].weight",
        "less than or equal to the minimum",
    ),
    (
        "negative weight",
        lambda d: d["dimensions"][0]["criteria"][0].update(weight=-1),
        "$.dimensions[0].criteria[0].weight",
        "",
    ),
    (
        "string weight",
        lambda d: d["dimensions"][0]["criteria"][0].update(weight="heavy"),
        "$.dimensions[0].criteria[0].weight",
        "not of type",
    ),
    ("missing key", lambda d: d.pop("grades"), "$", "grades"),
    ("extra key", lambda d: d.update(colour="red"), "$", "colour"),
    (
        "overall names unknown dimension",
        lambda d: d["overall"]["weights"].update(speed=1),
        "$.overall.weights.speed",
        "no dimension",
    ),
    (
        "duplicate dimension",
        lambda d: d["dimensions"].append(copy.deepcopy(d["dimensions"][0])),
        "$.dimensions[1].id",
        "duplicate",
    ),
    ("no zero grade band", lambda d: d.update(grades=[{"grade": "A", "min": 5}]), "$.grades", "min 0"),
    ("framework section in a score rubric", lambda d: d.update(frameworks={"osaid": {"items": []}}), "$", ""),
]


@pytest.mark.parametrize("label,mutate,path,reason", BAD, ids=[b[0] for b in BAD])
def test_bad_rubrics_name_file_path_reason(tmp_path, label, mutate, path, reason):
    d = _minimal()
    mutate(d)
    p = _write(tmp_path, d)
    with pytest.raises(InvalidDocument) as ei:
        load_rubric(str(p))
    msg = ei.value.message
    assert msg.startswith(str(p) + ": "), msg
    assert f": {path}:" in msg, msg
    assert reason in msg, msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    "text,reason",
    [
        ("id: [unclosed\n", "invalid YAML"),
        ("- just\n- a list\n", "must be a mapping, not list"),
        ("", "must be a mapping, not empty"),
        ("a: &x 1\nb: *x\n", "anchors are not allowed"),
        ("a: 1\na: 2\n", "duplicate key"),
        ("released: 2024-01-01\n", "a date"),
        ("x: .nan\n", "NaN"),
    ],
)
def test_bad_yaml_is_invalid_document(tmp_path, text, reason):
    p = _write(tmp_path, text)
    with pytest.raises(InvalidDocument) as ei:
        load_rubric(str(p))
    assert str(p) in ei.value.message and reason in ei.value.message


def test_huge_and_binary_and_missing_files(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (MAX_DOC_BYTES + 10))
    with pytest.raises(InvalidDocument, match="larger than"):
        load_rubric(str(big))
    binf = tmp_path / "bin.yaml"
    binf.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidDocument, match="not UTF-8"):
        load_rubric(str(binf))
    with pytest.raises(FileMissing, match=r"^no such file: .*absent\.yaml$"):
        load_rubric(str(tmp_path / "absent.yaml"))
    with pytest.raises(InvalidDocument, match="a folder, not a file"):
        load_rubric(str(tmp_path))  # a folder
    with pytest.raises(InvalidDocument, match="no shipped rubric"):
        load_rubric("nonexistent-rubric")
    with pytest.raises(InvalidDocument, match="no shipped rubric"):
        load_rubric("licenses")  # license data is not a rubric
    with pytest.raises(InvalidDocument):
        load_rubric("   ")


def test_framework_rubric_with_unknown_probe_and_class(tmp_path):
    d = yaml.safe_load((rubrics_dir() / "mof-1.0.yaml").read_text())
    d["frameworks"]["mof"]["components"][2]["evidence"] = {"any_of": ["repro.papers"]}
    with pytest.raises(
        InvalidDocument, match=r"\$\.frameworks\.mof\.components\[2\]\.evidence\.any_of\[0\]: unknown probe"
    ):
        load_rubric(str(_write(tmp_path, d)))
    d = yaml.safe_load((rubrics_dir() / "mof-1.0.yaml").read_text())
    d["frameworks"]["mof"]["components"][0]["class"] = "IV"
    with pytest.raises(InvalidDocument, match="class 'IV' is not declared"):
        load_rubric(str(_write(tmp_path, d)))


def test_score_rubric_json_file_also_loads(tmp_path):
    p = tmp_path / "r.json"
    p.write_text(json.dumps(_minimal()))
    assert load_rubric(str(p)).id == "mini"


_json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
_json = st.recursive(
    _json_scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_arbitrary_text_only_raises_invalid_document(tmp_path, text):
    p = tmp_path / "fuzz.yaml"
    p.write_bytes(text.encode("utf-8", "replace"))
    try:
        load_rubric(str(p))
    except InvalidDocument as exc:
        assert "\n" not in exc.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from(list(_minimal()) + ["x"]), _json, max_size=8))
def test_arbitrary_structures_only_raise_invalid_document(tmp_path, doc):
    base = _minimal()
    base.update(doc)
    p = tmp_path / "fuzz.yaml"
    p.write_text(yaml.safe_dump(base), encoding="utf-8")
    try:
        load_rubric(str(p))
    except InvalidDocument:
        pass


def test_parse_text_single_call_site_rejects_nesting():
    with pytest.raises(InvalidDocument, match="nesting"):
        parse_text("a: " + "[" * 200 + "]" * 200, "deep.yaml")


def test_shipped_fast_path_falls_back_to_schema_errors(tmp_path, monkeypatch):
    """Shipped rubrics skip the jsonschema pass; a broken 'shipped' file still gets the exact schema error."""
    import openaudit.rubric.load as load_mod

    (tmp_path / "schema").mkdir()
    d = _minimal()
    d["dimensions"][0].pop("criteria")
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(d))
    monkeypatch.setattr(load_mod, "rubrics_dir", lambda: tmp_path)
    with pytest.raises(InvalidDocument, match=r"\$\.dimensions\[0\]: 'criteria' is a required property"):
        load_mod.load_rubric("broken")
    d = _minimal()
    d["dimensions"][0]["criteria"][0]["probe"] = "weights.nope"
    (tmp_path / "badprobe.yaml").write_text(yaml.safe_dump(d))
    with pytest.raises(InvalidDocument, match="unknown probe id 'weights.nope'"):
        load_mod.load_rubric("badprobe")


def test_loading_shipped_rubrics_does_not_import_heavy_modules():
    import subprocess
    import sys

    code = (
        "import sys; from openaudit.rubric import load_rubric, evaluate_frameworks; "
        "load_rubric('openaudit'); evaluate_frameworks({}); "
        "print(','.join(m for m in ('jsonschema','numpy','torch','pyarrow','datasketch','ray') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
