"""Framework verdicts (pure): MOF class, OSAID verdict, OSAI index grades from the same findings.

Each framework item is derived from named probes, and every result carries those probe ids (the
evidence trail). Item status is one of ``met`` / ``not_met`` / ``unverified``:

* a probe that passes is met; fail or partial is not met;
* not_applicable is neutral (skipped); not_available, error or a probe that did not run is
  unverified - it blocks a claim but is never reported as a fail.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from openaudit.model import Finding, Outcome
from openaudit.rubric.types import Rubric

MET, NOT_MET, UNVERIFIED = "met", "not_met", "unverified"
OSAID_OPEN, OSAID_NOT_OPEN, OSAID_INSUFFICIENT = "open-source-ai", "not-open-source-ai", "insufficient-evidence"


def _probe_status(pid: str, findings: Mapping[str, Finding]) -> tuple[str | None, str]:
    f = findings.get(pid)
    if f is None:
        return UNVERIFIED, f"{pid}: not run"
    o = f.outcome
    if o is Outcome.PASS:
        return MET, f"{pid}: pass"
    if o is Outcome.NOT_APPLICABLE:
        return None, f"{pid}: not applicable"
    if o in (Outcome.FAIL, Outcome.PARTIAL):
        return NOT_MET, f"{pid}: {o.value}: {f.message}"
    return UNVERIFIED, f"{pid}: {o.value}: {f.message}"


def _combine_all(statuses: list[str | None]) -> str:
    real = [s for s in statuses if s is not None]
    if NOT_MET in real:
        return NOT_MET
    if UNVERIFIED in real or not real:
        return UNVERIFIED
    return MET


def _combine_any(statuses: list[str | None]) -> str:
    real = [s for s in statuses if s is not None]
    if MET in real:
        return MET
    if UNVERIFIED in real or not real:
        return UNVERIFIED
    return NOT_MET


def requirement(req: Mapping[str, Any] | None, findings: Mapping[str, Finding]) -> dict[str, Any]:
    """Evaluate ``{all_of: [...], any_of: [...]}`` -> {status, probes, reasons} (reasons: what is not met)."""
    if not req:
        return {"status": MET, "probes": [], "reasons": []}
    parts: list[str] = []
    probes: list[str] = []
    reasons: list[str] = []
    for key, combine in (("all_of", _combine_all), ("any_of", _combine_any)):
        ids = list(req.get(key) or [])
        if not ids:
            continue
        probes.extend(ids)
        results = [_probe_status(p, findings) for p in ids]
        status = combine([s for s, _ in results])
        parts.append(status)
        if status != MET:
            reasons.extend(msg for s, msg in results if s != MET)
    return {"status": _combine_all(list(parts)), "probes": probes, "reasons": reasons}


def _both(evidence: dict[str, Any], terms: dict[str, Any], label: str = "terms") -> dict[str, Any]:
    status = _combine_all([evidence["status"], terms["status"]])
    reasons = list(evidence["reasons"])
    reasons += [f"{label}: {r}" for r in terms["reasons"]]
    return {"status": status, "probes": evidence["probes"] + terms["probes"], "reasons": reasons}


def evaluate_mof(spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> dict[str, Any]:
    comps: list[dict[str, Any]] = []
    for c in spec["components"]:
        r = _both(requirement(c.get("evidence"), findings), requirement(c.get("license"), findings), "license")
        comps.append({"id": c["id"], "name": c["name"], "class": c["class"], **r})
    progress: dict[str, Any] = {}
    achieved: str | None = None
    blocked = False
    seen_classes: set[str] = set()
    for cls in spec["classes"]:
        seen_classes.add(cls["id"])
        required = [c for c in comps if c["class"] in seen_classes]
        missing = [
            {"component": c["id"], "name": c["name"], "class": c["class"], "status": c["status"],
             "reason": "; ".join(c["reasons"]) or c["status"], "probes": c["probes"]}
            for c in required if c["status"] != MET
        ]
        status = MET if not missing else (NOT_MET if any(m["status"] == NOT_MET for m in missing) else UNVERIFIED)
        progress[cls["id"]] = {
            "name": cls["name"], "met": len(required) - len(missing), "required": len(required),
            "status": status, "missing": missing,
        }
        if status == MET and not blocked:
            achieved = cls["id"]
        else:
            blocked = True
    return {"class": achieved, "progress": progress,
            "components": [{k: c[k] for k in ("id", "name", "class", "status", "probes")} for c in comps]}


def evaluate_osaid(spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> dict[str, Any]:
    items: dict[str, Any] = {}
    missing: list[dict[str, Any]] = []
    for it in spec["items"]:
        r = _both(requirement(it.get("evidence"), findings), requirement(it.get("terms"), findings))
        items[it["id"]] = {"name": it["name"], "status": r["status"], "probes": r["probes"]}
        if r["status"] != MET:
            missing.append({"item": it["id"], "name": it["name"], "status": r["status"],
                            "reason": "; ".join(r["reasons"]) or r["status"], "probes": r["probes"]})
    statuses = [m["status"] for m in missing]
    verdict = OSAID_NOT_OPEN if NOT_MET in statuses else (OSAID_INSUFFICIENT if statuses else OSAID_OPEN)
    return {"verdict": verdict, "missing": missing, "items": items}


def evaluate_osai(spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> tuple[dict[str, str], dict[str, Any]]:
    th = spec["thresholds"]
    grades: dict[str, str] = {}
    detail: dict[str, Any] = {}
    for dim in spec["dimensions"]:
        earned = observed = 0.0
        probes = [c["probe"] for c in dim["criteria"]]
        for c in dim["criteria"]:
            f = findings.get(c["probe"])
            credit = None if f is None else f.credit
            if credit is not None:
                observed += c["weight"]
                earned += c["weight"] * credit
        if observed <= 0:
            share = None
            grade = dim["unobserved"]
        else:
            share = earned / observed
            grade = "open" if share >= th["open"] - 1e-9 else ("partial" if share >= th["partial"] - 1e-9 else "closed")
        grades[dim["id"]] = grade
        detail[dim["id"]] = {"name": dim["name"], "group": dim["group"], "grade": grade,
                             "share": None if share is None else round(share, 3), "probes": probes}
    return grades, detail


def evaluate_frameworks(findings: Mapping[str, Finding], rubrics: Iterable[Rubric] | None = None) -> dict[str, Any]:
    """MOF / OSAID / OSAI verdicts from ``findings`` (probe id -> Finding).

    ``rubrics``: framework rubrics to apply (default: the shipped mof-1.0, osaid-1.0, osai-index).
    Returns ``{"mof": {class, progress, components}, "osaid": {verdict, missing, items},
    "osai": {dimension: open|partial|closed|not_available}, "osai_evidence": {dimension: {grade,
    share, probes, ...}}}`` - keys only for the frameworks given.
    """
    if rubrics is None:
        from openaudit.rubric.load import SHIPPED_FRAMEWORKS, shipped_framework

        rubrics = [shipped_framework(k) for k in SHIPPED_FRAMEWORKS]
    out: dict[str, Any] = {}
    for r in rubrics:
        fw = r.frameworks or {}
        if "mof" in fw:
            out["mof"] = {"framework": f"{r.id}@{r.version}", **evaluate_mof(fw["mof"], findings)}
        if "osaid" in fw:
            out["osaid"] = {"framework": f"{r.id}@{r.version}", **evaluate_osaid(fw["osaid"], findings)}
        if "osai" in fw:
            grades, detail = evaluate_osai(fw["osai"], findings)
            out["osai"] = grades
            out["osai_evidence"] = {"framework": f"{r.id}@{r.version}", "dimensions": detail}
    return out
