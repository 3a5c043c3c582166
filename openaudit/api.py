"""Library surface: ``audit(target) -> report dict``, ``check(report, policy) -> verdict``,
``bom(target, fmt) -> text`` and ``validate_document(path)``.

This module only wires the stages together (sources -> collect -> probes -> rubric -> report); each
stage owns its logic. Heavy passes (contamination, verification) are imported lazily.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from openaudit import __version__, collect, probes, sources
from openaudit.errors import InvalidLicenseFacts
from openaudit.model import Finding, Report, Snapshot
from openaudit.policy import evaluate, load_policy
from openaudit.render.bom import check_bom_format, render_bom
from openaudit.render.load import load_report
from openaudit.resources import schema
from openaudit.rubric import frameworks as fw
from openaudit.rubric import load as rubric_load
from openaudit.rubric import score as rubric_score
from openaudit.rubric.docload import document_kind, load_document, read_document

REPORT_SCHEMA_VERSION = "1.1"  # 1.1: frameworks.explain (additive)
ProgressFn = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def run_contamination(
    snapshot: Snapshot, spec: Mapping[str, Any], progress: ProgressFn = _noop
) -> dict[str, Any] | None:
    """Run the contamination probe for an audit. ``spec`` = {benchmarks: [...], train: [...], ...};
    without ``train`` the repository's own training files are used (held-out files excluded), and
    when nothing can be screened the block says why (``status: not_run``, ``reason``)."""
    if not spec.get("benchmarks"):
        return None
    from openaudit.contamination import api as contamination_api

    return contamination_api.run_for_audit(snapshot.target.path, snapshot.files, spec, progress=progress)


def run_verification(
    snapshot: Snapshot,
    *,
    device: str = "auto",
    budget_seconds: float | None = None,
    token: str | None = None,
    offline: bool = False,
) -> dict[str, Any]:
    """Replay the audited target: its local folder, or the Hub repo at the audited (pinned) commit."""
    from openaudit.verify import api as verify_api

    t = snapshot.target
    target = t.path or t.id
    revision = None if t.path else (snapshot.commit_sha or t.revision)
    return verify_api.run_or_report(
        target, device=device, budget_seconds=budget_seconds, revision=revision, token=token, offline=offline
    )


def audit(
    target: str,
    *,
    revision: str | None = None,
    rubric: str = rubric_load.DEFAULT_RUBRIC,
    offline: bool = False,
    token: str | None = None,
    verify: bool = False,
    device: str = "auto",
    verify_budget: float | None = None,
    contamination: Mapping[str, Any] | None = None,
    timestamp: bool = True,
    progress: ProgressFn = _noop,
    capture: bool = False,
    max_files: int | None = None,
    walk_progress: Callable[[int, int | None], None] | None = None,
    follow_links: bool | None = None,
) -> dict[str, Any]:
    """Audit ``target`` (Hub id, local folder, HF cache snapshot, or — with ``capture`` — a capture
    folder written by ``snapshot``) and return the JSON report dict (rubrics/schema/report.schema.json).
    ``max_files`` caps a local listing; ``walk_progress(done, total)`` reports long local walks;
    ``follow_links``: see ``sources.resolve`` (None: Hub targets online only).
    Raises OpenAuditError subclasses only."""
    rubric_obj = rubric_load.load_rubric(rubric)  # validate the user's rubric before any network I/O
    progress(f"resolving {target}")
    snapshot = sources.resolve(
        target,
        revision=revision,
        offline=offline,
        token=token,
        capture=capture,
        max_files=max_files,
        progress=walk_progress,
        follow_links=follow_links,
    )
    progress(f"collecting evidence from {len(snapshot.files)} files")
    facts = collect.collect_all(snapshot)

    extra: dict[str, Any] = {}
    if contamination:
        progress("probing benchmark contamination")
        result = run_contamination(snapshot, contamination, progress)
        if result is not None:
            extra["contamination"] = result
    if verify:
        progress("replaying a training segment")
        extra["verification"] = run_verification(
            snapshot, device=device, budget_seconds=verify_budget, token=token, offline=offline
        )

    progress("running probes")
    findings = probes.run_probes(probes.ProbeContext(snapshot=snapshot, facts=facts, extra=extra))
    return build_report(snapshot, facts, findings, rubric_obj, extra, timestamp=timestamp)


def build_report(
    snapshot: Snapshot,
    facts: Mapping[str, Any],
    findings: Mapping[str, Finding],
    rubric_obj: Any,
    extra: Mapping[str, Any],
    *,
    timestamp: bool,
) -> dict[str, Any]:
    scored = rubric_score.score(rubric_obj, findings)
    lic = facts.get("license")
    license_block = (
        lic.to_report()
        if lic is not None
        else {
            "declared": None,
            "spdx": None,
            "category": "unknown",
            "commercial_use": None,
            "restrictions": [],
            "mismatch": False,
        }
    )
    t = snapshot.target
    report = Report(
        schema_version=REPORT_SCHEMA_VERSION,
        tool={"name": "openaudit", "version": __version__},
        target={
            "id": t.id,
            "source": t.source.value,
            "revision": t.revision,
            "commit_sha": snapshot.commit_sha,
        },
        rubric=rubric_score.rubric_info(rubric_obj),
        license=license_block,
        dimensions=tuple(scored.dimensions),
        overall=dict(scored.overall),
        frameworks=fw.evaluate_frameworks(findings),
        facts=collect.summary(facts),
        network={"requests": snapshot.network.requests, "bytes": snapshot.network.bytes}
        if t.source.value == "hub" or snapshot.network.requests
        else None,
        contamination=extra.get("contamination"),
        verification=extra.get("verification"),
        generated_at=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat() if timestamp else None,
    )
    d = report.to_dict()
    if snapshot.links:  # which links of the card were followed, and what each lookup found
        d["facts"]["links"] = [link.to_dict() for link in snapshot.links]
    if snapshot.notes:
        d["notes"] = [n.message for n in snapshot.notes]
    return d


def check(report: Mapping[str, Any], policy_path: str) -> Any:
    """Evaluate a report dict against the policy file at ``policy_path``; returns the policy Verdict."""
    return evaluate(dict(report), load_policy(policy_path))


def report_for(
    target: str, *, revision: str | None = None, offline: bool = False, token: str | None = None
) -> dict[str, Any]:
    """The report of ``target``: a stored JSON report file (``*.json``) is read and validated, anything
    else is audited with the default rubric."""
    if target.endswith(".json") and Path(target).is_file():
        return load_report(target)
    return audit(target, revision=revision, offline=offline, token=token)


def bom(target: str, fmt: str, *, revision: str | None = None, offline: bool = False, token: str | None = None) -> str:
    """An SPDX 2.3 (``spdx``) or CycloneDX 1.6 (``cyclonedx``) document for ``target`` (anything
    ``audit`` takes, or a stored JSON report). The format is checked before any audit work."""
    check_bom_format(fmt)
    return render_bom(report_for(target, revision=revision, offline=offline, token=token), fmt)


def validate_document(path: str | Path) -> dict[str, str]:
    """Validate a rubric, policy or license-facts file with the loader the commands use, so
    `rubric validate` gives the same reason as `audit --rubric` / `check --policy`. Returns
    ``{file, type, id, version}``; raises InvalidDocument (or FileMissing)."""
    source = str(path)
    kind = document_kind(read_document(path).data)
    if kind == "policy":
        return {"file": source, "type": "policy", "id": load_policy(path).name, "version": ""}
    if kind == "license-facts":
        data = load_document(path, schema("licenses"), err=InvalidLicenseFacts).data
        return {
            "file": source,
            "type": "license facts",
            "id": f"{len(data['licenses'])} licenses",
            "version": str(data.get("version", "")),
        }
    r = rubric_load.load_rubric_file(path)
    return {"file": source, "type": f"rubric ({r.kind})", "id": r.id, "version": r.version}
