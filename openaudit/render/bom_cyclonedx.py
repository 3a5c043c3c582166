"""CycloneDX 1.6 ML-BOM: the model as a ``machine-learning-model`` component with a modelCard, its
training datasets as ``data`` components, built with cyclonedx-python-lib.

cyclonedx-python-lib (11.x) has no model-card object yet, so the modelCard is added to the
serialised component; the result is validated against the official 1.6 schema in the tests.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from openaudit.render._common import as_dict, as_list, dimensions, frameworks, target_id, text
from openaudit.render.bom_facts import hub_model_url, model_facts, training_datasets
from openaudit.render.bom_license import bom_license
from openaudit.render.jsonfmt import json_text

_NS = uuid.UUID("8a0c2f0e-4f55-4b7e-9a57-0b8c6f4d1d21")


def build_cyclonedx(report: dict[str, Any]) -> dict[str, Any]:
    """The ML-BOM as a JSON-ready dict (CycloneDX 1.6)."""
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import LicenseExpression
    from cyclonedx.output.json import JsonV1Dot6

    tid = target_id(report)
    tgt = as_dict(report.get("target"))
    lic = bom_license(report)
    digest = hashlib.sha256(json.dumps(report, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    model_ref = "model"
    version = text(tgt.get("commit_sha") or tgt.get("revision")) or None
    model = Component(
        name=tid,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=model_ref,
        version=version,
        description=f"Model audited by openaudit (target source: {text(tgt.get('source'), 'unknown')})",
    )
    if lic.expression:
        model.licenses.add(LicenseExpression(lic.expression))
    hub = hub_model_url(report)
    if hub:
        model.external_references.add(ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(hub)))
        model.external_references.add(
            ExternalReference(
                type=ExternalReferenceType.MODEL_CARD, url=XsUri(f"{hub}/blob/{version or 'main'}/README.md")
            )
        )
    for name, value in _properties(report):
        model.properties.add(Property(name=name, value=value))
    bom = Bom(components=[model])
    bom.serial_number = uuid.uuid5(_NS, digest)
    data_refs = []
    for i, ds in enumerate(training_datasets(report)):
        ref = f"dataset-{i + 1}"
        comp = Component(name=ds.name, type=ComponentType.DATA, bom_ref=ref, description=f"Training dataset {ds.how}")
        if ds.url:
            comp.external_references.add(ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=XsUri(ds.url)))
        bom.components.add(comp)
        bom.register_dependency(model, [comp])
        data_refs.append(ref)
    doc = json.loads(JsonV1Dot6(bom).output_as_string())
    meta = doc.setdefault("metadata", {})
    if isinstance(report.get("generated_at"), str):
        meta["timestamp"] = report["generated_at"]
    else:
        meta.pop("timestamp", None)  # same report -> byte-identical BOM
    tool = as_dict(report.get("tool"))
    meta["tools"] = {
        "components": [
            {
                "type": "application",
                "name": text(tool.get("name"), "openaudit"),
                "version": text(tool.get("version"), "0"),
            }
        ]
    }
    for comp in doc.get("components", []):
        if comp.get("bom-ref") == model_ref:
            comp["modelCard"] = _model_card(report, data_refs)
    return doc


def render_cyclonedx(report: dict[str, Any], **_opts: Any) -> str:
    return json_text(build_cyclonedx(report))


def _properties(report: dict[str, Any]) -> list[tuple[str, str]]:
    overall = as_dict(report.get("overall"))
    props = [
        ("openaudit:overall:score", text(overall.get("score"), "n/a")),
        ("openaudit:overall:grade", text(overall.get("grade"), "n/a")),
    ]
    for d in dimensions(report):
        props.append((f"openaudit:dimension:{text(d.get('id'))}:score", text(d.get("score"), "n/a")))
    mof, osaid, _ = frameworks(report)
    if mof:
        props.append(("openaudit:mof:class", text(mof.get("class"), "none")))
    if osaid:
        props.append(("openaudit:osaid:verdict", text(osaid.get("verdict"), "n/a")))
    lic = as_dict(report.get("license"))
    if lic.get("declared") is not None:
        props.append(("openaudit:license:declared", text(lic.get("declared"))))
    return props


def _model_card(report: dict[str, Any], data_refs: list[str]) -> dict[str, Any]:
    facts = model_facts(report)
    params: dict[str, Any] = {}
    for key, field in (("task", "task"), ("architecture", "modelArchitecture"), ("family", "architectureFamily")):
        if key in facts:
            params[field] = facts[key]
    if data_refs:
        params["datasets"] = [{"ref": r} for r in data_refs]
    card: dict[str, Any] = {"bom-ref": "model-card"}
    if params:
        card["modelParameters"] = params
    metrics = []
    for d in dimensions(report):
        if isinstance(d.get("score"), (int, float)) and not isinstance(d.get("score"), bool):
            metrics.append({"type": f"openaudit {text(d.get('id'))} openness score (0-10)", "value": text(d["score"])})
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    limitations = [
        text(f.get("message"))
        for d in dimensions(report)
        for f in as_list(d.get("findings"))
        if isinstance(f, dict) and f.get("outcome") == "fail" and f.get("message")
    ]
    if limitations:
        card["considerations"] = {"technicalLimitations": limitations[:50]}
    props = [
        {"name": f"openaudit:{key}", "value": facts[key]}
        for key in ("library", "parameters", "dtypes", "base_model", "papers")
        if key in facts
    ]
    if props:
        card["properties"] = props
    return card
