"""Turn a verification dict into the ``repro.replay`` Finding of the audit report."""
from __future__ import annotations

from typing import Any, Mapping

from openaudit.model import Evidence, Finding, Outcome

PROBE = "repro.replay"


def replay_finding(result: Mapping[str, Any] | None) -> Finding:
    """REPRODUCED_* -> pass; DIVERGED -> fail; NOT_REPRODUCIBLE -> partial when a forward-only audit
    agreed, else fail (missing artifacts listed); other verdicts -> not_available with the reason."""
    if not result:
        return Finding(PROBE, Outcome.NOT_AVAILABLE, "no training replay was run (use `openaudit verify` or `audit --verify`)")
    verdict = str(result.get("verdict"))
    reason = str(result.get("reason", ""))
    where = result.get("recipe")
    ev = [Evidence(kind="computed", path=where, snippet=f"verdict {verdict}; tier {result.get('tier')}")]
    m = result.get("metrics") or {}
    le = m.get("loss_rel_error") or {}
    if le.get("steps"):
        ev.append(Evidence(kind="computed", snippet=f"loss relative error max {le.get('max')} over {le.get('steps')} steps"))
    if m.get("weight_distance") is not None:
        ev.append(Evidence(kind="computed", snippet=f"weight distance {m.get('weight_distance')} of the update size"))
    missing = list(result.get("missing") or [])
    for item in missing:
        ev.append(Evidence(kind="absence", path=where, snippet=item))
    value = {"verdict": verdict, "first_divergent_step": result.get("first_divergent_step")}
    if verdict.startswith("REPRODUCED"):
        return Finding(PROBE, Outcome.PASS, f"training replay {verdict}: {reason}", tuple(ev), value)
    if verdict == "DIVERGED":
        step = result.get("first_divergent_step")
        tensors = ", ".join(t["tensor"] for t in (m.get("most_diverged_tensors") or [])[:3])
        msg = f"training replay DIVERGED at step {step}: {reason}" + (f" (most diverged: {tensors})" if tensors else "")
        return Finding(PROBE, Outcome.FAIL, msg, tuple(ev), value)
    if verdict == "NOT_REPRODUCIBLE":
        checks = (m.get("forward_audit") or {}).get("checks") or []
        agreed = bool(checks) and all(c.get("ok") for c in checks)
        msg = f"training replay NOT_REPRODUCIBLE; missing: {'; '.join(missing) or 'required artifacts'}"
        if agreed:
            return Finding(PROBE, Outcome.PARTIAL, msg + " (forward-only loss audit agreed)", tuple(ev), value, score=0.25)
        return Finding(PROBE, Outcome.FAIL, msg, tuple(ev), value)
    return Finding(PROBE, Outcome.NOT_AVAILABLE, f"training replay {verdict}: {reason}", tuple(ev), value)
