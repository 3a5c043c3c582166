"""Framework verdicts (pure): MOF class, OSAID verdict, OSAI index grades from the same findings.

Each framework item is derived from named probes, and every result carries those probe ids (the
evidence trail). Item status is one of ``met`` / ``not_met`` / ``unverified``:

* a probe that passes is met; fail or partial is not met;
* not_applicable is neutral (skipped); not_available, error or a probe that did not run is
  unverified - it blocks a claim but is never reported as a fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openaudit.model import Finding, Outcome
from openaudit.rubric.load import SHIPPED_FRAMEWORKS, shipped_framework
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


def _combine(statuses: list[str | None], decisive: str, otherwise: str) -> str:
    """``decisive`` when one status is; else unverified when one is (or none counts); else ``otherwise``."""
    real = [s for s in statuses if s is not None]
    if decisive in real:
        return decisive
    if UNVERIFIED in real or not real:
        return UNVERIFIED
    return otherwise


def _combine_all(statuses: list[str | None]) -> str:
    return _combine(statuses, NOT_MET, MET)  # every item must be met


def _combine_any(statuses: list[str | None]) -> str:
    return _combine(statuses, MET, NOT_MET)  # one met item is enough


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
            {
                "component": c["id"],
                "name": c["name"],
                "class": c["class"],
                "status": c["status"],
                "reason": "; ".join(c["reasons"]) or c["status"],
                "probes": c["probes"],
            }
            for c in required
            if c["status"] != MET
        ]
        status = MET if not missing else (NOT_MET if any(m["status"] == NOT_MET for m in missing) else UNVERIFIED)
        progress[cls["id"]] = {
            "name": cls["name"],
            "met": len(required) - len(missing),
            "required": len(required),
            "status": status,
            "missing": missing,
        }
        if status == MET and not blocked:
            achieved = cls["id"]
        else:
            blocked = True
    return {
        "class": achieved,
        "progress": progress,
        "components": [{k: c[k] for k in ("id", "name", "class", "status", "probes")} for c in comps],
    }


def evaluate_osaid(spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> dict[str, Any]:
    items: dict[str, Any] = {}
    missing: list[dict[str, Any]] = []
    for it in spec["items"]:
        r = _both(requirement(it.get("evidence"), findings), requirement(it.get("terms"), findings))
        items[it["id"]] = {"name": it["name"], "status": r["status"], "probes": r["probes"]}
        if r["status"] != MET:
            missing.append(
                {
                    "item": it["id"],
                    "name": it["name"],
                    "status": r["status"],
                    "reason": "; ".join(r["reasons"]) or r["status"],
                    "probes": r["probes"],
                }
            )
    statuses = [m["status"] for m in missing]
    verdict = OSAID_NOT_OPEN if NOT_MET in statuses else (OSAID_INSUFFICIENT if statuses else OSAID_OPEN)
    return {"verdict": verdict, "missing": missing, "items": items}


def _tally(dim: Mapping[str, Any], findings: Mapping[str, Finding]) -> tuple[float, float, list[float | None]]:
    """(earned weight, observed weight, credit per criterion) of one OSAI dimension; a criterion whose
    finding does not count (not_available, not_applicable, error, not run) is left out of both sums."""
    earned = observed = 0.0
    credits: list[float | None] = []
    for c in dim["criteria"]:
        f = findings.get(c["probe"])
        credit = None if f is None else f.credit
        credits.append(credit)
        if credit is not None:
            observed += c["weight"]
            earned += c["weight"] * credit
    return earned, observed, credits


def evaluate_osai(spec: Mapping[str, Any], findings: Mapping[str, Finding]) -> tuple[dict[str, str], dict[str, Any]]:
    th = spec["thresholds"]
    grades: dict[str, str] = {}
    detail: dict[str, Any] = {}
    for dim in spec["dimensions"]:
        probes = [c["probe"] for c in dim["criteria"]]
        earned, observed, _ = _tally(dim, findings)
        if observed <= 0:
            share = None
            grade = dim["unobserved"]
        else:
            share = earned / observed
            grade = "open" if share >= th["open"] - 1e-9 else ("partial" if share >= th["partial"] - 1e-9 else "closed")
        grades[dim["id"]] = grade
        detail[dim["id"]] = {
            "name": dim["name"],
            "group": dim["group"],
            "grade": grade,
            "share": None if share is None else round(share, 3),
            "probes": probes,
        }
    return grades, detail


# ---- explanations: the criteria, weights and findings that decided each grade -----------------------
def _criterion(pid: str, findings: Mapping[str, Finding], **extra: Any) -> dict[str, Any]:
    """One criterion as it was judged (the finding's message and evidence are in the report's dimensions)."""
    f = findings.get(pid)
    status, _ = _probe_status(pid, findings)
    return {
        "probe": pid,
        "outcome": f.outcome.value if f is not None else "not_run",
        "status": status or "skipped",
        **extra,
    }


def _requirement_rows(
    req: Mapping[str, Any] | None, role: str, findings: Mapping[str, Finding]
) -> list[dict[str, Any]]:
    return [
        _criterion(p, findings, role=role, combine=key)
        for key in ("all_of", "any_of")
        for p in (req or {}).get(key) or []
    ]


def _decided(rows: list[dict[str, Any]], status: str) -> list[str]:
    """The probes that decided an item's status: for a met item every met criterion; otherwise the
    criteria that are not met (or could not be verified)."""
    want = (MET,) if status == MET else (NOT_MET,) if any(r["status"] == NOT_MET for r in rows) else (UNVERIFIED,)
    return [r["probe"] for r in rows if r["status"] in want]


def explain_mof(
    spec: Mapping[str, Any], findings: Mapping[str, Finding], result: Mapping[str, Any]
) -> list[dict[str, Any]]:
    status = {c["id"]: c["status"] for c in result["components"]}
    out = []
    for c in spec["components"]:
        rows = _requirement_rows(c.get("evidence"), "evidence", findings) + _requirement_rows(
            c.get("license"), "license", findings
        )
        st = status[c["id"]]
        out.append(
            {
                "id": c["id"],
                "name": c["name"],
                "class": c["class"],
                "type": c.get("type"),
                "status": st,
                "rule": "evidence and license criteria all met (all_of: every probe passes; any_of: one passes)",
                "criteria": rows,
                "decided_by": _decided(rows, st),
            }
        )
    return out


def explain_osaid(
    spec: Mapping[str, Any], findings: Mapping[str, Finding], result: Mapping[str, Any]
) -> dict[str, Any]:
    out = {}
    for it in spec["items"]:
        rows = _requirement_rows(it.get("evidence"), "evidence", findings) + _requirement_rows(
            it.get("terms"), "terms", findings
        )
        st = result["items"][it["id"]]["status"]
        out[it["id"]] = {"name": it["name"], "status": st, "criteria": rows, "decided_by": _decided(rows, st)}
    return out


def explain_osai(spec: Mapping[str, Any], findings: Mapping[str, Finding], grades: Mapping[str, str]) -> dict[str, Any]:
    th = spec["thresholds"]
    out: dict[str, Any] = {}
    for dim in spec["dimensions"]:
        earned, observed, credits = _tally(dim, findings)
        rows = [
            _criterion(
                c["probe"],
                findings,
                weight=c["weight"],
                credit=None if cr is None else round(cr, 3),
                counted=cr is not None,
            )
            for c, cr in zip(dim["criteria"], credits)
        ]
        grade = grades[dim["id"]]
        lowered = [r["probe"] for r in rows if r["counted"] and r["credit"] < 1]
        unseen = [r["probe"] for r in rows if not r["counted"]]
        if observed:
            share = earned / observed
            reason = (
                f"{grade}: share {share:.2f} = {earned:g} of {observed:g} observed weight "
                f"(open needs >= {th['open']}, partial >= {th['partial']})"
            )
        else:
            reason = f"{grade}: no criterion could be observed" if rows else f"{grade}: no criterion applies"
        if lowered:
            reason += "; lowered by " + ", ".join(f"{r['probe']}={r['outcome']}" for r in rows if r["probe"] in lowered)
        if unseen:
            reason += "; not observed: " + ", ".join(
                f"{r['probe']}={r['outcome']}" for r in rows if r["probe"] in unseen
            )
        out[dim["id"]] = {
            "name": dim["name"],
            "grade": grade,
            "earned": round(earned, 3),
            "observed": round(observed, 3),
            "thresholds": dict(th),
            "criteria": rows,
            "decided_by": (lowered or [r["probe"] for r in rows if r["counted"]]) if observed else unseen,
            "reason": reason,
        }
    return out


def evaluate_frameworks(findings: Mapping[str, Finding], rubrics: Iterable[Rubric] | None = None) -> dict[str, Any]:
    """MOF / OSAID / OSAI verdicts from ``findings`` (probe id -> Finding).

    ``rubrics``: framework rubrics to apply (default: the shipped mof-1.0, osaid-1.0, osai-index).
    Returns ``{"mof": {class, progress, components}, "osaid": {verdict, missing, items},
    "osai": {dimension: open|partial|closed|not_available}, "osai_evidence": {dimension: {grade,
    share, probes, ...}}, "explain": {mof: {components: [...]}, osaid: {items}, osai: {dimensions}}}``
    - keys only for the frameworks given. ``explain`` lists, per MOF component / OSAID item / OSAI
    dimension, every criterion (probe, role or weight, outcome, credit) and the probes that decided it.
    """
    if rubrics is None:
        rubrics = [shipped_framework(k) for k in SHIPPED_FRAMEWORKS]
    out: dict[str, Any] = {}
    explain: dict[str, Any] = {}
    for r in rubrics:
        fw = r.frameworks or {}
        name = f"{r.id}@{r.version}"
        if "mof" in fw:
            out["mof"] = {"framework": name, **evaluate_mof(fw["mof"], findings)}
            explain["mof"] = {"framework": name, "components": explain_mof(fw["mof"], findings, out["mof"])}
        if "osaid" in fw:
            out["osaid"] = {"framework": name, **evaluate_osaid(fw["osaid"], findings)}
            explain["osaid"] = {"framework": name, "items": explain_osaid(fw["osaid"], findings, out["osaid"])}
        if "osai" in fw:
            grades, detail = evaluate_osai(fw["osai"], findings)
            out["osai"] = grades
            out["osai_evidence"] = {"framework": name, "dimensions": detail}
            explain["osai"] = {"framework": name, "dimensions": explain_osai(fw["osai"], findings, grades)}
    if explain:
        out["explain"] = explain
    return out
