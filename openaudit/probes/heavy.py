"""Probes over the optional heavy passes (contamination, replay). Each pass has its own function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openaudit.model import Evidence, Finding, Outcome, RunStatus
from openaudit.probes.registry import ProbeContext, probe

# ---------------------------------------------------------------- data.contamination ------------
CONTAMINATION_FAIL_RATE = 0.05  # at least 5% of a benchmark's items leaked -> fail; less -> partial
_EVIDENCE_MAX = 10


@probe(
    "data.contamination", dimension="data", question="Is the released training data free of benchmark contamination?"
)
def data_contamination(ctx: ProbeContext) -> Finding:
    """Reads the contamination report (openaudit.contamination.api.run) from ctx.extra. Decides on
    the typed ``status`` codes: only a complete scan can pass; an incomplete one keeps its matches
    (its rate is a lower bound) and is never clean."""
    report = ctx.extra.get("contamination") if ctx.extra else None
    pid = "data.contamination"
    if report and report.get("status") == RunStatus.NOT_RUN.value:
        why = str(report.get("message") or report.get("reason") or "not run")
        return Finding(
            pid,
            Outcome.NOT_AVAILABLE,
            f"contamination not run: {why}",
            (Evidence(kind="note", snippet=f"contamination not run ({report.get('reason')})"),),
        )
    if not report or not report.get("benchmarks"):
        return Finding(
            pid,
            Outcome.NOT_AVAILABLE,
            "contamination not run (pass --benchmark, and --train unless the repo ships training data)",
            (Evidence(kind="note", snippet="contamination not run"),),
        )
    benches = report["benchmarks"]
    total = sum(b["items_total"] for b in benches)
    leaked = sum(b["items_contaminated"] for b in benches)
    worst = max(b["rate"] for b in benches)
    summary = "; ".join(
        f"{b['name']}: {b['items_contaminated']}/{b['items_total']} ({100 * b['rate']:.1f}%)" for b in benches
    )
    incomplete = [b for b in benches if b.get("status", RunStatus.COMPLETE.value) != RunStatus.COMPLETE.value]
    gap = ""
    if incomplete:
        codes = sorted({c for b in incomplete for c in (b.get("problems") or {}).get("counts", {})})
        gap = (
            f"; scan incomplete for {', '.join(b['name'] for b in incomplete)} ({', '.join(codes) or 'inputs skipped'})"
        )
    if leaked == 0:
        if incomplete:
            return Finding(
                pid,
                Outcome.NOT_AVAILABLE,
                f"no benchmark item found in what was read, but not verified clean ({summary}{gap})",
                (Evidence(kind="computed", snippet=summary + gap),),
            )
        return Finding(
            pid,
            Outcome.PASS,
            f"no benchmark item found in the training data ({summary})",
            (Evidence(kind="computed", snippet=summary),),
            value=0.0,
        )
    evidence = [Evidence(kind="computed", snippet=summary + gap)]
    for b in benches:
        for it in b["items"]:
            if it["contaminated"] and it["evidence"] and len(evidence) <= _EVIDENCE_MAX:
                ev = it["evidence"][0]
                evidence.append(
                    Evidence(
                        kind="computed",
                        path=f"{ev['source']}#{ev['doc']}:{ev['start']}-{ev['end']}",
                        line=ev.get("line"),
                        snippet=f"{b['name']} {it['id']} ({it['bucket']}, coverage {it['coverage']:.2f}): {ev['snippet']}"[
                            :300
                        ],
                    )
                )
    outcome = Outcome.FAIL if worst >= CONTAMINATION_FAIL_RATE else Outcome.PARTIAL
    score = (
        None if outcome is Outcome.FAIL else (0.0 if incomplete else max(0.0, 1.0 - worst / CONTAMINATION_FAIL_RATE))
    )
    return Finding(
        pid,
        outcome,
        f"{leaked} of {total} benchmark items found in the training data ({summary}{gap})",
        tuple(evidence),
        value=round(leaked / total, 4) if total else 0.0,
        score=score,
    )


# ---------------------------------------------------------------- repro.replay ------------------
@probe(
    "repro.replay",
    dimension="reproducibility",
    question="Does a replay of a published training segment reproduce the published losses/weights?",
)
def repro_replay(ctx: ProbeContext) -> Finding:
    """Reads the training-replay verdict (openaudit.verify.api.run) from ctx.extra["verification"], as data."""
    return replay_finding(ctx.extra.get("verification") if ctx.extra else None)


_REPLAY = "repro.replay"


def replay_finding(result: Mapping[str, Any] | None) -> Finding:
    """REPRODUCED_* -> pass; DIVERGED -> fail; NOT_REPRODUCIBLE -> partial when a forward-only audit
    agreed, else fail (missing artifacts listed); other verdicts -> not_available with the reason."""
    if not result:
        return Finding(
            _REPLAY, Outcome.NOT_AVAILABLE, "no training replay was run (use `openaudit verify` or `audit --verify`)"
        )
    verdict = str(result.get("verdict"))
    reason = str(result.get("reason", ""))
    where = result.get("recipe")
    ev = [Evidence(kind="computed", path=where, snippet=f"verdict {verdict}; tier {result.get('tier')}")]
    m = result.get("metrics") or {}
    le = m.get("loss_rel_error") or {}
    if le.get("steps"):
        ev.append(
            Evidence(kind="computed", snippet=f"loss relative error max {le.get('max')} over {le.get('steps')} steps")
        )
    if m.get("weight_distance") is not None:
        ev.append(Evidence(kind="computed", snippet=f"weight distance {m.get('weight_distance')} of the update size"))
    missing = list(result.get("missing") or [])
    for item in missing:
        ev.append(Evidence(kind="absence", path=where, snippet=item))
    value = {"verdict": verdict, "first_divergent_step": result.get("first_divergent_step")}
    if verdict.startswith("REPRODUCED"):
        return Finding(_REPLAY, Outcome.PASS, f"training replay {verdict}: {reason}", tuple(ev), value)
    if verdict == "DIVERGED":
        step = result.get("first_divergent_step")
        tensors = ", ".join(t["tensor"] for t in (m.get("most_diverged_tensors") or [])[:3])
        msg = f"training replay DIVERGED at step {step}: {reason}" + (f" (most diverged: {tensors})" if tensors else "")
        return Finding(_REPLAY, Outcome.FAIL, msg, tuple(ev), value)
    if verdict == "NOT_REPRODUCIBLE":
        checks = (m.get("forward_audit") or {}).get("checks") or []
        agreed = bool(checks) and all(c.get("ok") for c in checks)
        msg = f"training replay NOT_REPRODUCIBLE; missing: {'; '.join(missing) or 'required artifacts'}"
        if agreed:
            return Finding(
                _REPLAY, Outcome.PARTIAL, msg + " (forward-only loss audit agreed)", tuple(ev), value, score=0.25
            )
        return Finding(_REPLAY, Outcome.FAIL, msg, tuple(ev), value)
    return Finding(_REPLAY, Outcome.NOT_AVAILABLE, f"training replay {verdict}: {reason}", tuple(ev), value)
