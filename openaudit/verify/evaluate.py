"""From a plan to a verdict: safety and support gates, budget, forward-only loss audit, segment replays
with self-calibration (``verify.judge``), and the decision. Openaudit's own gaps (``ReplayGap``) end as
UNSUPPORTED, unusable artifacts as NOT_REPRODUCIBLE; only a replay that ran and disagrees is DIVERGED,
and agreement counts only when a deliberately wrong replay is told apart (else INCONCLUSIVE)."""

from __future__ import annotations

import math
import time
from typing import Any

from openaudit.verify import losslog
from openaudit.verify.codes import ArtifactProblem, Code, Kind, ReplayGap, Tier, Verdict
from openaudit.verify.compare import json_safe, ranked, weight_distance
from openaudit.verify.environment import describe, describe_without_torch, pick_device, set_determinism
from openaudit.verify.judge import FLOORS, NOISE_FACTOR, Judge, calibrate, loss_stats
from openaudit.verify.plan import Plan, check_config

SCHEMA_VERSION = "1.1"


def result(
    verdict: Verdict,
    tier: Tier,
    reason: str,
    plan: Plan | None,
    environment: dict[str, Any],
    *,
    metrics: dict[str, Any] | None = None,
    first: int | None = None,
) -> dict[str, Any]:
    issues = plan.issues if plan else []
    missing = [i.message for i in issues if i.kind == Kind.MISSING]
    missing += [f"{i.message} (unusable)" for i in issues if i.kind == Kind.PROBLEM]
    out = {
        "schema_version": SCHEMA_VERSION,
        "verdict": verdict.value,
        "tier": tier.value,
        "reason": " ".join(reason.split()),
        "recipe": plan.source if plan else None,
        "metrics": json_safe(metrics or {}),
        "missing": missing,
        "first_divergent_step": first,
        "environment": environment,
        "issues": [i.to_json() for i in issues],
    }
    if plan and plan.notes:
        out["notes"] = list(plan.notes)
    return out


def _throughput(device) -> float:
    """Measured matmul FLOP/s on ``device`` (a 50 ms probe), derated to a training-step efficiency."""
    import torch

    n = 256 if device.type == "cpu" else 2048
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.05:
        a @ b
        reps += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * n**3 * reps / max(time.perf_counter() - t0, 1e-9) * 0.3


def estimate(plan: Plan, cfg: Any, device) -> dict[str, Any]:
    from openaudit.verify.replay import model_params

    b = plan.batch
    tokens = int(b.get("size", 0)) * int(
        b.get("seq_len", 0) or (cfg.max_position_embeddings if hasattr(cfg, "max_position_embeddings") else 0)
    )
    params = model_params(cfg)
    steps = sum(e - s for s, e in plan.segments)
    calib = 3 * (plan.segments[0][1] - plan.segments[0][0]) if plan.segments else 0
    forwards = 2 * len(plan.weights)
    flops = 6.0 * params * tokens * (steps + calib) + 2.0 * params * tokens * forwards
    return {
        "params": params,
        "tokens_per_step": tokens,
        "replay_steps": steps,
        "calibration_steps": calib,
        "forward_passes": forwards,
        "flops": flops,
        "seconds": round(flops / _throughput(device), 3),
    }


def _issues_text(plan: Plan, kind: Kind) -> str:
    return "; ".join(i.message for i in plan.of(kind))


def evaluate(
    plan: Plan, device: str = "auto", budget_seconds: float | None = None, deterministic: bool = False
) -> dict[str, Any]:
    env0 = describe_without_torch(device)
    if plan.of(Kind.UNSAFE):
        return result(
            Verdict.REFUSED_UNSAFE_ARTIFACT,
            Tier.NONE,
            "unsafe pickle artifacts were not loaded: " + _issues_text(plan, Kind.UNSAFE),
            plan,
            env0,
            metrics={"unsafe": [i.message for i in plan.of(Kind.UNSAFE)]},
        )
    cfg = check_config(plan)
    if plan.precision == "fp16" and not _cuda(device):
        plan.add(
            Kind.UNSUPPORTED, Code.PRECISION, "fp16 training with loss scaling is replayed on CUDA only (--device cuda)"
        )
    if plan.of(Kind.UNSUPPORTED):
        return result(
            Verdict.UNSUPPORTED,
            Tier.NONE,
            "not replayed faithfully: " + _issues_text(plan, Kind.UNSUPPORTED),
            plan,
            env0,
        )
    if (not plan.can_forward and not plan.segments) or plan.hard_stop:
        return result(Verdict.NOT_REPRODUCIBLE, Tier.NONE, "required artifacts are missing or unusable", plan, env0)

    import torch

    dev = pick_device(device, plan.device)
    set_determinism(deterministic)
    threads_before = torch.get_num_threads()
    if dev.type == "cpu" and plan.threads:
        torch.set_num_threads(int(plan.threads))
    try:
        return _evaluate_on(plan, cfg, dev, budget_seconds)
    finally:
        torch.set_num_threads(threads_before)


def _cuda(device: str) -> bool:
    """Whether the replay could run on CUDA (``auto`` picks it when present)."""
    if device == "cpu":
        return False
    import torch

    return bool(torch.cuda.is_available())


def _evaluate_on(plan: Plan, cfg: Any, dev, budget_seconds: float | None) -> dict[str, Any]:
    env = describe(dev)
    try:
        est = estimate(plan, cfg, dev)
        if budget_seconds is not None and est["seconds"] > budget_seconds:
            return result(
                Verdict.SKIPPED_BUDGET,
                Tier.NONE,
                f"estimated {est['seconds']:.3g} s exceeds the budget of {budget_seconds:g} s",
                plan,
                env,
                metrics={"estimate": est},
            )
        t0 = time.perf_counter()
        out = _replay_all(plan, cfg, dev, env)
    except ReplayGap as gap:
        plan.add(Kind.UNSUPPORTED, gap.code, gap.message)
        return result(Verdict.UNSUPPORTED, Tier.NONE, "not replayed faithfully: " + gap.message, plan, env)
    out["metrics"]["estimate"] = est
    out["metrics"]["elapsed_seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _replay_all(plan: Plan, cfg: Any, dev, env: dict[str, Any]) -> dict[str, Any]:
    from openaudit.verify.replay import Replayer

    floors = list(FLOORS[plan.precision])
    for i, key in enumerate(("loss_rel", "weight_rel", "tensor_rel")):
        if key in plan.tolerance:
            floors[i] = max(floors[i], float(plan.tolerance[key]))
    judge = Judge(plan, (floors[0], floors[1], floors[2]), plan.kind == "trainer")
    metrics: dict[str, Any] = {}
    diverged: list[tuple[int, str]] = []
    segs: list[dict[str, Any]] = []
    calib: dict[str, Any] | None = None
    values: dict[int, Any] = {}
    lrs: dict[int, float] = {}
    try:
        rp = Replayer(plan, dev, cfg)
        metrics["forward_audit"] = _forward_audit(plan, rp, judge, diverged)
        for i, (s, e) in enumerate(plan.segments):
            run = rp.run(s, e)
            _state_counts(rp, run, diverged)
            if i == 0:
                calib = calibrate(rp, judge, run, s, e)
            values.update(run.parts)
            lrs.update(run.lrs)
            seg: dict[str, Any] = {"start": s, "end": e, "steps": e - s}
            if e in plan.weights:
                wd = weight_distance(run.weights, rp.weights_at(e), rp.weights_at(s))
                bad = judge.tensors_over(wd)
                seg["weights"] = {k: v for k, v in wd.items() if not k.startswith("per_tensor")}
                seg["weights"]["most_diverged"] = bad or ranked(wd["per_tensor"])
                seg["weights_ok"] = bool(wd["global"] <= judge.w_tol and not bad)
            segs.append(seg)
        _check_lrs(plan, rp)
    except ArtifactProblem as exc:
        plan.add(Kind.PROBLEM, exc.code, str(exc))
        if not diverged:
            return result(
                Verdict.NOT_REPRODUCIBLE, Tier.NONE, f"an artifact is unusable: {exc}", plan, env, metrics=metrics
            )
    rows = judge.losses(values)
    for seg in segs:
        seg_rows = [r for r in rows if seg["start"] < r["step"] <= seg["end"]]
        seg["loss"] = loss_stats(seg_rows)
    _weight_divergence(segs, diverged, metrics)
    first_bad = next((r for r in rows if not r["ok"]), None)
    if first_bad:
        diverged.append((first_bad["step"], f"replayed loss at step {first_bad['step']} differs from the log"))
    metrics["segments"] = segs
    metrics["loss_log"] = {
        "entries": len(plan.log.entries),
        "compared": len(rows),
        "reduce": judge.reading or plan.log.reduce,
        "reading_detected": judge.detected,
        "rounding": plan.log.rounding,
        "rounding_declared": plan.log.rounding_declared,
        "per_entry": rows,
    }
    metrics["tolerance"] = {
        "loss_rel": judge.loss_tol,
        "weight_distance": judge.w_tol,
        "tensor_rel_floor": judge.floor_t,
        "noise_factor": NOISE_FACTOR,
    }
    if judge.t_tol:
        metrics["detection_floor"] = {
            "tensor_rel": judge.detection_floor(),
            "tensor_rel_l2_max": max(judge.t_tol["l2"].values(), default=judge.floor_t),
            "loss_rel": judge.loss_tol,
            "loss_abs_rounding": 0.5 * 10.0**-plan.log.rounding if plan.log.rounding is not None else 0.0,
        }
    if calib:
        metrics["calibration"] = calib
    metrics["loss_rel_error"] = loss_stats(rows)
    wds = [s["weights"]["global"] for s in segs if s.get("weights")]
    metrics["weight_distance"] = max(wds) if wds else None
    compared_w = any(s.get("weights") for s in segs)
    exact = (
        bool(rows)
        and all(r["replayed"] == r["logged"] for r in rows)
        and all(s["weights"]["bitwise_equal"] for s in segs if s.get("weights"))
    )
    metrics["bitwise_equal"] = exact and compared_w
    tier = _tier(segs, rows, metrics)
    if diverged:
        step, what = min(diverged)
        return result(Verdict.DIVERGED, tier, what, plan, env, metrics=metrics, first=step)
    if calib and not calib["separated"]:
        return result(
            Verdict.INCONCLUSIVE,
            tier,
            "a deliberately wrong replay (two batches swapped) stayed inside the pass band, so agreement proves little",
            plan,
            env,
            metrics=metrics,
        )
    if plan.of(Kind.MISSING) or plan.of(Kind.PROBLEM) or not segs:
        why = "no segment could be replayed; " if not segs else ""
        return result(
            Verdict.NOT_REPRODUCIBLE,
            tier,
            why + "checked what the published artifacts allow; some are missing",
            plan,
            env,
            metrics=metrics,
        )
    what = _compared(rows, segs)
    if exact:
        return result(
            Verdict.REPRODUCED_EXACT, tier, f"{what} equal the published ones bit for bit", plan, env, metrics=metrics
        )
    return result(
        Verdict.REPRODUCED_WITHIN_TOLERANCE,
        tier,
        f"{what} agree with the published ones within the calibrated tolerance",
        plan,
        env,
        metrics=metrics,
    )


def _weight_divergence(segs: list[dict[str, Any]], diverged: list[tuple[int, str]], metrics: dict[str, Any]) -> None:
    """A segment whose replay misses its end checkpoint points at that checkpoint -- unless the next
    segment, replayed from that end checkpoint, reaches its own end: then the end checkpoint is vouched
    for by what follows, and what the segment started from (its start checkpoint, or the data fed from
    it) was changed: the divergence is placed at the start."""
    for seg in segs:
        seg.pop("loss_ok", None)
    for i, seg in enumerate(segs):
        if seg.get("weights_ok", True):
            continue
        s, e = seg["start"], seg["end"]
        names = ", ".join(t["tensor"] for t in seg["weights"]["most_diverged"][:3])
        nxt = segs[i + 1] if i + 1 < len(segs) else None
        if nxt is not None and nxt["start"] == e and nxt.get("weights_ok", False):
            diverged.append(
                (
                    s,
                    f"the replay from the checkpoint at step {s} does not reach the checkpoint at step {e} "
                    f"({names}), while the checkpoint at step {e} replays to step {nxt['end']}: the checkpoint "
                    f"at step {s} (or the data fed from it) was changed",
                )
            )
        else:
            diverged.append((e, f"weights at step {e} differ from the checkpoint" + (f" ({names})" if names else "")))
        metrics.setdefault("most_diverged_tensors", seg["weights"]["most_diverged"])
    for seg in segs:
        seg.pop("weights_ok", None)


def _compared(rows: list[dict[str, Any]], segs: list[dict[str, Any]]) -> str:
    w = any(s.get("weights") for s in segs)
    if rows and w:
        return "replayed losses and weights"
    if w:
        return "replayed weights (no loss entries to compare)"
    return "replayed losses (weights not compared: the segment does not end at a published checkpoint)"


def _forward_audit(plan: Plan, rp, judge: Judge, diverged: list[tuple[int, str]]) -> dict[str, Any]:
    """Published checkpoint s on the batch of update s+1 vs a one-update log entry for s+1."""
    per_step = plan.log.per_step() if not plan.dropout else {}  # masks: the audit would need the RNG stream
    rows = []
    for s in sorted(plan.weights):
        if s + 1 in per_step and s + 1 <= rp.feed.n:
            computed = rp.forward(s)
            noise = abs(losslog.rel_error(rp.forward(s, split=True), computed))
            rows.append(
                {
                    "checkpoint": s,
                    "step": s + 1,
                    "logged": per_step[s + 1],
                    "computed": computed,
                    "rel_error": losslog.rel_error(computed, per_step[s + 1]),
                    "noise": noise,
                }
            )
    tol = max([judge.floor_loss] + [NOISE_FACTOR * r["noise"] for r in rows])
    for r in rows:
        r["ok"] = abs(r["computed"] - r["logged"]) <= losslog.allowed(r["logged"], tol, plan.log.rounding)
        if not r["ok"]:
            diverged.append((r["step"], f"logged loss at step {r['step']} does not match checkpoint {r['checkpoint']}"))
    return {"tolerance": tol, "checks": rows}


def _state_counts(rp, run, diverged: list[tuple[int, str]]) -> None:
    """Adam-style states and scheduler states count their updates: at checkpoint s they must say s."""
    s, counts = run.start, run.start_counts
    if counts and counts != {float(s)}:
        diverged.append(
            (s, f"optimizer state at step {s} records {', '.join(f'{c:g}' for c in sorted(counts))} updates")
        )
    last = rp.scheduler_steps(s)
    if last is not None and last != s:
        diverged.append((s, f"scheduler state at step {s} records {last} steps"))


def _check_lrs(plan: Plan, rp) -> None:
    """A log that records learning rates must agree with the rebuilt schedule, else openaudit has not
    understood the schedule (UNSUPPORTED, never DIVERGED). The Trainer logs the LR update k ran at; a
    loop may log it before or after its scheduler step (update k's LR or update k+1's)."""
    if rp.schedule is None:
        return
    base = float(plan.schedule["lr"]) if plan.schedule else rp.schedule.base
    for e in plan.log.entries:
        if e.lr is None:
            continue
        ok_steps = (e.step,) if plan.kind == "trainer" else (e.step, e.step + 1)
        want = [rp.schedule.lrs(k, [base])[0] for k in ok_steps]
        if not any(math.isclose(w, e.lr, rel_tol=1e-9, abs_tol=1e-15) for w in want):
            raise ReplayGap(
                Code.SCHEDULER,
                f"the rebuilt LR schedule gives {want[0]!r} at step {e.step} but {e.source} logs {e.lr!r}",
            )


def _tier(segs: list[dict[str, Any]], rows: list[dict[str, Any]], metrics: dict[str, Any]) -> Tier:
    w = any(s.get("weights") for s in segs)
    if w and rows:
        return Tier.FULL
    if w:
        return Tier.WEIGHTS
    if rows:
        return Tier.LOSS
    return Tier.FORWARD if (metrics.get("forward_audit") or {}).get("checks") else Tier.NONE
