"""SARIF 2.1.0: one rule per probe of the catalogue (its question as short description), results for
failed/partial findings and for policy violations, stable partial fingerprints."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from openaudit.probes import CATALOG
from openaudit.render._common import (
    as_dict,
    as_list,
    evidence,
    iter_findings,
    policy_violations,
    target_id,
    text,
)
from openaudit.render.jsonfmt import json_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/openaudit/openaudit"
LEVEL = {"fail": "warning", "partial": "note", "error": "error"}
FINGERPRINT_KEY = "openauditFinding/v1"


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(text(p) for p in parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _locations(evs: list[dict[str, Any]], default_uri: str | None) -> list[dict[str, Any]]:
    locs: list[dict[str, Any]] = []
    seen = set()
    for ev in evs:
        path = ev.get("path")
        if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
            continue
        line = ev.get("line") if isinstance(ev.get("line"), int) and ev["line"] >= 1 else None
        if (path, line) in seen:
            continue
        seen.add((path, line))
        phys: dict[str, Any] = {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}}
        if line is not None:
            phys["region"] = {"startLine": line}
        locs.append({"physicalLocation": phys})
    if not locs and default_uri:
        locs.append({"physicalLocation": {"artifactLocation": {"uri": default_uri, "uriBaseId": "%SRCROOT%"}}})
    return locs


def _loc_key(locs: list[dict[str, Any]]) -> str:
    return ";".join(
        f"{l['physicalLocation']['artifactLocation']['uri']}:{l['physicalLocation'].get('region', {}).get('startLine', '')}"
        for l in locs
    )


def render_sarif(
    report: dict[str, Any],
    *,
    policy_verdict: dict[str, Any] | None = None,
    default_uri: str | None = "README.md",
    **_opts: Any,
) -> str:
    """``default_uri``: where a result with no file evidence is anchored (the model card by default;
    code-scanning services reject results without a location). ``None`` leaves such results unanchored."""
    tid = target_id(report)
    rules: dict[str, dict[str, Any]] = {}
    for pid, spec in CATALOG.items():
        rules[pid] = {
            "id": pid,
            "name": "".join(w.capitalize() for w in pid.replace(".", "_").split("_")),
            "shortDescription": {"text": spec.question},
            "helpUri": f"{INFO_URI}#probes",
            "defaultConfiguration": {"level": "warning"},
            "properties": {"dimension": spec.dimension, "tags": ["openness", spec.dimension]},
        }
    results: list[dict[str, Any]] = []
    for dim, f in iter_findings(report):
        outcome = str(f.get("outcome"))
        if outcome not in ("fail", "partial"):
            continue
        pid = text(f.get("probe"), "unknown")
        if pid not in rules:
            rules[pid] = {
                "id": pid,
                "shortDescription": {"text": f"openaudit probe {pid}"},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"dimension": text(dim.get("id"))},
            }
        evs = evidence(f)
        locs = _locations(evs, default_uri)
        results.append(
            {
                "ruleId": pid,
                "level": LEVEL[outcome],
                "kind": "fail",
                "message": {"text": text(f.get("message"), pid) or pid},
                "locations": locs,
                "partialFingerprints": {
                    FINGERPRINT_KEY: _fingerprint(pid, tid, _loc_key(locs) or json.dumps(evs, sort_keys=True))
                },
                "properties": {"outcome": outcome, "dimension": text(dim.get("id"))},
            }
        )
    for v in policy_violations(policy_verdict):
        rid = f"policy.{text(v.get('rule'), 'rule')}"
        rules.setdefault(
            rid,
            {
                "id": rid,
                "shortDescription": {"text": f"Policy rule {text(v.get('rule'))}"},
                "defaultConfiguration": {"level": "error"},
                "properties": {"dimension": "policy", "tags": ["policy"]},
            },
        )
        evs = [e for e in as_list(v.get("evidence")) if isinstance(e, dict)]
        locs = _locations(evs, default_uri)
        msg = text(v.get("message")) or f"{rid}: expected {text(v.get('expected'))}, got {text(v.get('actual'))}"
        results.append(
            {
                "ruleId": rid,
                "level": "error",
                "kind": "fail",
                "message": {"text": msg},
                "locations": locs,
                "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(rid, tid, _loc_key(locs))},
                "properties": {"expected": text(v.get("expected")), "actual": text(v.get("actual"))},
            }
        )
    ordered = [rules[k] for k in sorted(rules)]
    index = {r["id"]: i for i, r in enumerate(ordered)}
    for r in results:
        r["ruleIndex"] = index[r["ruleId"]]
    tool = as_dict(report.get("tool"))
    tgt = as_dict(report.get("target"))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": text(tool.get("name"), "openaudit"),
                "version": text(tool.get("version"), "0"),
                "informationUri": INFO_URI,
                "rules": ordered,
            }
        },
        "automationDetails": {"id": f"openaudit/{tid}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "Root of the audited model repository"}}},
        "results": results,
        "properties": {
            "target": {k: tgt[k] for k in sorted(tgt) if tgt[k] is not None},
            "overall": as_dict(report.get("overall")),
        },
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json_text(doc)
