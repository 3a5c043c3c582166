"""SPDX 2.3 document for the audited model, built and validated with spdx-tools.

SPDX 2.3 has no AI fields (the AI profile is SPDX 3, which spdx-tools 0.8 only drafts without a
validator), so AI facts travel where 2.3 allows: the package's summary/description/comment,
annotations (openaudit scores and frameworks), and training datasets as packages the model is
``GENERATED_FROM``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from datetime import UTC, datetime
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.render._common import as_dict, as_list, dimensions, frameworks, target_id, text
from openaudit.render.bom_facts import hub_model_url, model_facts, training_datasets
from openaudit.render.bom_license import bom_license
from openaudit.render.jsonfmt import json_text
from openaudit.render.sections import gap

NAMESPACE_BASE = "https://openaudit.dev/spdxdocs"


def _spdx_id(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", s).strip("-") or "x"


def _created(report: dict[str, Any]) -> datetime:
    """SPDX requires a creation time: the report's ``generated_at``; for a report without one
    (``--no-timestamp``), ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    stamp = report.get("generated_at")
    if isinstance(stamp, str):
        try:
            dt = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0, tzinfo=None)
        except ValueError:
            pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).replace(tzinfo=None)
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)


def build_spdx(report: dict[str, Any]) -> Any:
    """The spdx-tools ``Document`` for the report (SPDX 2.3)."""
    from license_expression import get_spdx_licensing
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        Annotation,
        AnnotationType,
        CreationInfo,
        Document,
        ExternalPackageRef,
        ExternalPackageRefCategory,
        ExtractedLicensingInfo,
        Package,
        PackagePurpose,
        Relationship,
        RelationshipType,
        SpdxNoAssertion,
    )

    tid = target_id(report)
    tgt = as_dict(report.get("target"))
    tool = as_dict(report.get("tool"))
    created = _created(report)
    digest = hashlib.sha256(json.dumps(report, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    tool_actor = Actor(ActorType.TOOL, f"{text(tool.get('name'), 'openaudit')}-{text(tool.get('version'), '0')}")
    info = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=f"openaudit-{_spdx_id(tid)}",
        document_namespace=f"{NAMESPACE_BASE}/{_spdx_id(tid)}-{digest[:16]}",
        creators=[tool_actor],
        created=created,
        data_license="CC0-1.0",
        creator_comment="Generated from an openaudit openness report; facts are evidence-backed, see the report.",
    )
    lic = bom_license(report)
    licensing = get_spdx_licensing()
    declared = licensing.parse(lic.expression) if lic.expression else SpdxNoAssertion()
    hub = hub_model_url(report)
    version = text(tgt.get("commit_sha") or tgt.get("revision")) or None
    model = Package(
        spdx_id="SPDXRef-Model",
        name=tid,
        download_location=hub or SpdxNoAssertion(),
        version=version,
        files_analyzed=False,
        homepage=hub,
        license_concluded=SpdxNoAssertion(),
        license_declared=declared,
        license_comment=(f"Declared by the repository as: {lic.declared}" if lic.declared else None),
        copyright_text=SpdxNoAssertion(),
        primary_package_purpose=PackagePurpose.OTHER,
        summary="Machine-learning model (weights and configuration)",
        description=_ai_description(report),
        comment="AI model; openaudit openness results are in this document's annotations.",
    )
    if hub:
        model.external_references = [
            ExternalPackageRef(
                ExternalPackageRefCategory.PACKAGE_MANAGER,
                "purl",
                f"pkg:huggingface/{tid}" + (f"@{version}" if version else ""),
            )
        ]
    packages = [model]
    rels = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, "SPDXRef-Model")]
    for i, ds in enumerate(training_datasets(report)):
        sid = f"SPDXRef-Dataset-{i + 1}"
        packages.append(
            Package(
                spdx_id=sid,
                name=ds.name,
                download_location=ds.url or SpdxNoAssertion(),
                files_analyzed=False,
                license_concluded=SpdxNoAssertion(),
                license_declared=SpdxNoAssertion(),
                copyright_text=SpdxNoAssertion(),
                primary_package_purpose=PackagePurpose.OTHER,
                summary=f"Training dataset {ds.how}",
            )
        )
        rels.append(Relationship("SPDXRef-Model", RelationshipType.GENERATED_FROM, sid))
    annotations = [
        Annotation("SPDXRef-Model", AnnotationType.REVIEW, tool_actor, created, line)
        for line in _annotation_lines(report)
    ]
    extracted = [
        ExtractedLicensingInfo(
            license_id=ref,
            extracted_text=f"License named '{name}' by the repository (no SPDX identifier; text not captured).",
            license_name=name,
        )
        for ref, name in lic.refs
    ]
    return Document(
        creation_info=info,
        packages=packages,
        relationships=rels,
        annotations=annotations,
        extracted_licensing_info=extracted,
    )


def validate_spdx(document: Any) -> list[str]:
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    return [m.validation_message for m in validate_full_spdx_document(document)]


def render_spdx(report: dict[str, Any], **_opts: Any) -> str:
    """SPDX 2.3 JSON. The document is validated first; an invalid one is an error, never written."""
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

    doc = build_spdx(report)
    problems = validate_spdx(doc)
    if problems:
        raise InvalidDocument(f"SPDX document for {target_id(report)} is invalid: {problems[0]}")
    buf = io.StringIO()
    write_document_to_stream(doc, buf, validate=False)
    return json_text(json.loads(buf.getvalue()))


def _ai_description(report: dict[str, Any]) -> str | None:
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in model_facts(report).items()) or None


def _annotation_lines(report: dict[str, Any]) -> list[str]:
    overall = as_dict(report.get("overall"))
    lines = [
        f"openaudit overall: score {text(overall.get('score'), 'n/a')}/10, grade {text(overall.get('grade'), 'n/a')}"
    ]
    for d in dimensions(report):
        lines.append(
            f"openaudit {text(d.get('id'))}: score {text(d.get('score'), 'n/a')}/10, "
            f"grade {text(d.get('grade'), 'n/a')}"
        )
    mof, osaid, osai = frameworks(report)
    if mof:
        lines.append(f"Model Openness Framework class: {text(mof.get('class'), 'none')}")
    if osaid:
        lines.append(
            f"OSAID verdict: {text(osaid.get('verdict'), 'n/a')}"
            + (
                f"; missing: {'; '.join(_gap_text(m) for m in as_list(osaid.get('missing')))}"
                if as_list(osaid.get("missing"))
                else ""
            )
        )
    if osai:
        lines.append("Open Source AI Index: " + ", ".join(f"{k}: {text(v)}" for k, v in sorted(osai.items())))
    return lines


def _gap_text(item: object) -> str:
    g = gap(item)
    return f"{g.name} ({g.reason})" if g.reason else g.name
