"""From a plan to a verdict: safety and support gates, budget, forward-only loss audit, segment replays
with self-calibration, and the decision.

Tolerances: a noise replay (the same updates in twice as many micro-batches: same maths, another
reduction order) measures how far honest floating-point noise moves the losses and every tensor over
the segment; the pass band is ``NOISE_FACTOR`` times that, never below the precision's floor
(``FLOORS``; a recipe's ``tolerance:`` raises them). A deliberately wrong replay (two batches swapped)
must fall outside the band, otherwise agreement proves little (INCONCLUSIVE).
"""
from __future__ import annotations

import math
import time
from typing import Any

from openaudit.verify import losslog
from openaudit.verify.codes import ArtifactProblem, Code, Kind, ReplayGap, Tier, Verdict
from openaudit.verify.compare import (json_safe, over, ranked, tensor_median_rel, tensor_rel, tensor_tolerances,
                                     weight_distance)
from openaudit.verify.plan import Plan, check_config

# Floors per precision: (relative loss error, weight distance / update size, per-tensor relative distance).
FLOORS = {"fp32": (1e-5, 2e-3, 1e-4), "bf16": (1e-2, 5e-2, 1e-2), "fp16": (5e-3, 5e-2, 5e-3)}
NOISE_FACTOR = 10.0
SCHEMA_VERSION = "1.1"


def result(verdict: Verdict, tier: Tier, reason: str, plan: Plan | None, environment: dict[str, Any], *,
           metrics: dict[str, Any] | None = None, first: int | None = None) -> dict[str, Any]:
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
    tokens = int(b.get("size", 0)) * int(b.get("seq_len", 0) or (cfg.max_position_embeddings if hasattr(cfg, "max_position_embeddings") else 0))
    params = model_params(cfg)
    steps = sum(e - s for s, e in plan.segments)
    calib = 3 * (plan.segments[0][1] - plan.segments[0][0]) if plan.segments else 0
    forwards = 2 * len(plan.weights)
    flops = 6.0 * params * tokens * (steps + calib) + 2.0 * params * tokens * forwards
    return {"params": params, "tokens_per_step": tokens, "replay_steps": steps, "calibration_steps": calib,
            "forward_passes": forwards, "flops": flops, "seconds": round(flops / _throughput(device), 3)}


def _issues_text(plan: Plan, kind: Kind) -> str:
    return "; ".join(i.message for i in plan.of(kind))


def evaluate(plan: Plan, device: str = "auto", budget_seconds: float | None = None, deterministic: bool = False) -> dict[str, Any]:
    from openaudit.verify.environment import describe_without_torch

    env0 = describe_without_torch(device)
    if plan.of(Kind.UNSAFE):
        return result(Verdict.REFUSED_UNSAFE_ARTIFACT, Tier.NONE, "unsafe pickle artifacts were not loaded: "
                      + _issues_text(plan, Kind.UNSAFE), plan, env0,
                      metrics={"unsafe": [i.message for i in plan.of(Kind.UNSAFE)]})
    cfg = check_config(plan)
    if plan.precision == "fp16" and not _cuda(device):
        plan.add(Kind.UNSUPPORTED, Code.PRECISION, "fp16 training with loss scaling is replayed on CUDA only (--device cuda)")
    if plan.of(Kind.UNSUPPORTED):
        return result(Verdict.UNSUPPORTED, Tier.NONE, "not replayed faithfully: " + _issues_text(plan, Kind.UNSUPPORTED),
                      plan, env0)
    if (not plan.can_forward and not plan.segments) or plan.hard_stop:
        return result(Verdict.NOT_REPRODUCIBLE, Tier.NONE, "required artifacts are missing or unusable", plan, env0)

    import torch

    from openaudit.verify.environment import pick_device, set_determinism

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
    from openaudit.verify.environment import describe

    env = describe(dev)
    try:
        est = estimate(plan, cfg, dev)
        if budget_seconds is not None and est["seconds"] > budget_seconds:
            return result(Verdict.SKIPPED_BUDGET, Tier.NONE, f"estimated {est['seconds']:.3g} s exceeds the budget of "
                          f"{budget_seconds:g} s", plan, env, metrics={"estimate": est})
        t0 = time.perf_counter()
        out = _replay_all(plan, cfg, dev, env)
    except ReplayGap as gap:
        plan.add(Kind.UNSUPPORTED, gap.code, gap.message)
        return result(Verdict.UNSUPPORTED, Tier.NONE, "not replayed faithfully: " + gap.message, plan, env)
    out["metrics"]["estimate"] = est
    out["metrics"]["elapsed_seconds"] = round(time.perf_counter() - t0, 3)
    return out


class _Judge:
    """Tolerances and the loss comparison shared by the replay, the calibration and the wrong replay."""

    def __init__(self, plan: Plan, floors: tuple[float, float, float], trainer: bool):
        self.plan, self.trainer = plan, trainer
        self.floor_loss, self.floor_w, self.floor_t = floors
        self.loss_tol, self.w_tol = self.floor_loss, self.floor_w
        self.t_tol: dict[str, dict[str, float]] = {}  # statistic -> tensor -> tolerance
        self.reading: str | None = None

    def combine(self, values: list[Any]) -> float:
        import torch

        if self.trainer:  # the Trainer's running float32 tr_loss over the window, divided in Python
            total = torch.zeros((), dtype=torch.float32)
            for parts in values:
                for p in parts:
                    total = total + p.to("cpu")
            return float(total) / len(values)
        from openaudit.verify.engine import step_value

        return sum(step_value(parts) for parts in values) / len(values)

    def readings(self) -> list[tuple[str, list[losslog.Entry]]]:
        entries = self.plan.log.entries
        if all(e.start == e.step for e in entries):
            return [("step" if self.plan.log.reduce == "auto" else self.plan.log.reduce, entries)]
        if self.plan.log.reduce != "auto":
            return [(self.plan.log.reduce, entries)]
        per_step = [losslog.Entry(e.step, e.step, e.value, e.source, e.lr) for e in entries]
        return [("mean", entries), ("step", per_step)]

    def losses(self, parts: dict[int, Any], tol: float | None = None) -> list[dict[str, Any]]:
        """Comparison rows under the log's reading (detected: the reading that agrees, else the one that
        agrees longest)."""
        tol = self.loss_tol if tol is None else tol
        best: tuple[int, str, list[dict[str, Any]]] | None = None
        for name, entries in self.readings():
            rows = losslog.compare(entries, parts, tol, self.plan.log.rounding, self.combine)
            first_bad = next((r["step"] for r in rows if not r["ok"]), math.inf)
            key = (first_bad if first_bad != math.inf else 10**12, name, rows)
            if best is None or key[0] > best[0]:
                best = key
        assert best is not None
        if len(self.readings()) > 1:
            self.reading = best[1]
        return best[2]

    def tensors_over(self, wd: dict[str, Any]) -> list[dict[str, Any]]:
        return over({"l2": wd["per_tensor"], "median": wd["per_tensor_median"]}, self.t_tol, self.floor_t)

    def detection_floor(self) -> float:
        """The largest tolerance, over tensors, on a relative change spread over one tensor (both
        statistics see such a change at its full size, so the smaller tolerance of the two applies)."""
        l2, med = self.t_tol.get("l2", {}), self.t_tol.get("median", {})
        return max((min(l2[n], med.get(n, l2[n])) for n in l2), default=self.floor_t)


def _replay_all(plan: Plan, cfg: Any, dev, env: dict[str, Any]) -> dict[str, Any]:
    from openaudit.verify.replay import Replayer

    floors = list(FLOORS[plan.precision])
    for i, key in enumerate(("loss_rel", "weight_rel", "tensor_rel")):
        if key in plan.tolerance:
            floors[i] = max(floors[i], float(plan.tolerance[key]))
    judge = _Judge(plan, (floors[0], floors[1], floors[2]), plan.kind == "trainer")
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
                calib = _calibrate(rp, judge, run, s, e)
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
        _check_lrs(plan, lrs)
    except ArtifactProblem as exc:
        plan.add(Kind.PROBLEM, exc.code, str(exc))
        if not diverged:
            return result(Verdict.NOT_REPRODUCIBLE, Tier.NONE, f"an artifact is unusable: {exc}", plan, env, metrics=metrics)
    rows = judge.losses(values)
    for seg in segs:
        seg_rows = [r for r in rows if seg["start"] < r["step"] <= seg["end"]]
        seg["loss"] = _loss_stats(seg_rows)
    _weight_divergence(segs, diverged, metrics)
    first_bad = next((r for r in rows if not r["ok"]), None)
    if first_bad:
        diverged.append((first_bad["step"], f"replayed loss at step {first_bad['step']} differs from the log"))
    metrics["segments"] = segs
    metrics["loss_log"] = {"entries": len(plan.log.entries), "compared": len(rows), "reduce": judge.reading or plan.log.reduce,
                           "reading_detected": judge.reading is not None, "rounding": plan.log.rounding,
                           "rounding_declared": plan.log.rounding_declared, "per_entry": rows}
    metrics["tolerance"] = {"loss_rel": judge.loss_tol, "weight_distance": judge.w_tol, "tensor_rel_floor": judge.floor_t,
                            "noise_factor": NOISE_FACTOR}
    if judge.t_tol:
        metrics["detection_floor"] = {"tensor_rel": judge.detection_floor(),
                                      "tensor_rel_l2_max": max(judge.t_tol["l2"].values(), default=judge.floor_t),
                                      "loss_rel": judge.loss_tol,
                                      "loss_abs_rounding": 0.5 * 10.0 ** -plan.log.rounding if plan.log.rounding is not None else 0.0}
    if calib:
        metrics["calibration"] = calib
    metrics["loss_rel_error"] = _loss_stats(rows)
    wds = [s["weights"]["global"] for s in segs if s.get("weights")]
    metrics["weight_distance"] = max(wds) if wds else None
    compared_w = any(s.get("weights") for s in segs)
    exact = bool(rows) and all(r["replayed"] == r["logged"] for r in rows) and all(
        s["weights"]["bitwise_equal"] for s in segs if s.get("weights"))
    metrics["bitwise_equal"] = exact and compared_w
    tier = _tier(segs, rows, metrics)
    if diverged:
        step, what = min(diverged)
        return result(Verdict.DIVERGED, tier, what, plan, env, metrics=metrics, first=step)
    if calib and not calib["separated"]:
        return result(Verdict.INCONCLUSIVE, tier, "a deliberately wrong replay (two batches swapped) stayed inside the "
                      "pass band, so agreement proves little", plan, env, metrics=metrics)
    if plan.of(Kind.MISSING) or plan.of(Kind.PROBLEM) or not segs:
        why = "no segment could be replayed; " if not segs else ""
        return result(Verdict.NOT_REPRODUCIBLE, tier, why + "checked what the published artifacts allow; some are missing",
                      plan, env, metrics=metrics)
    what = _compared(rows, segs)
    if exact:
        return result(Verdict.REPRODUCED_EXACT, tier, f"{what} equal the published ones bit for bit", plan, env, metrics=metrics)
    return result(Verdict.REPRODUCED_WITHIN_TOLERANCE, tier, f"{what} agree with the published ones within the calibrated "
                  "tolerance", plan, env, metrics=metrics)


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
            diverged.append((s, f"the replay from the checkpoint at step {s} does not reach the checkpoint at step {e} "
                                f"({names}), while the checkpoint at step {e} replays to step {nxt['end']}: the checkpoint "
                                f"at step {s} (or the data fed from it) was changed"))
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


def _loss_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    errs = [r["rel_error"] for r in rows]
    if not errs:
        return {"steps": 0, "max": None, "mean": None, "bias": None, "exact": False}
    absd = [abs(x) for x in errs]
    return {"steps": len(errs), "max": max(absd), "mean": sum(absd) / len(absd), "bias": sum(errs) / len(errs),
            "exact": all(r["replayed"] == r["logged"] for r in rows)}


def _forward_audit(plan: Plan, rp, judge: _Judge, diverged: list[tuple[int, str]]) -> dict[str, Any]:
    """Published checkpoint s on the batch of update s+1 vs a one-update log entry for s+1."""
    per_step = plan.log.per_step() if not plan.dropout else {}  # masks: the audit would need the RNG stream
    rows = []
    for s in sorted(plan.weights):
        if s + 1 in per_step and s + 1 <= rp.feed.n:
            computed = rp.forward(s)
            noise = abs(losslog.rel_error(rp.forward(s, split=True), computed))
            rows.append({"checkpoint": s, "step": s + 1, "logged": per_step[s + 1], "computed": computed,
                         "rel_error": losslog.rel_error(computed, per_step[s + 1]), "noise": noise})
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
        diverged.append((s, f"optimizer state at step {s} records {', '.join(f'{c:g}' for c in sorted(counts))} updates"))
    last = rp.scheduler_steps(s)
    if last is not None and last != s:
        diverged.append((s, f"scheduler state at step {s} records {last} steps"))


def _check_lrs(plan: Plan, lrs: dict[int, float]) -> None:
    """The Trainer logs the LR of each logged update: the rebuilt schedule must give the same."""
    for e in plan.log.entries:
        if e.lr is not None and e.step in lrs and not math.isclose(lrs[e.step], e.lr, rel_tol=1e-9, abs_tol=1e-15):
            raise ReplayGap(Code.SCHEDULER, f"the rebuilt LR schedule gives {lrs[e.step]!r} at step {e.step} but "
                                            f"{e.source} logs {e.lr!r}")


def _calibrate(rp, judge: _Judge, run, s: int, e: int) -> dict[str, Any]:
    from openaudit.verify.replay import swap_pair

    noise = rp.run(s, e, ulp=True) if rp.plan.dropout else rp.run(s, e, split=True)
    n_loss = max([abs(losslog.rel_error(noise.losses[k], run.losses[k])) for k in run.parts] or [0.0])
    n_w = weight_distance(noise.weights, run.weights, rp.weights_at(s))["global"]
    n_t = tensor_rel(noise.weights, run.weights)
    n_med = tensor_median_rel(noise.weights, run.weights)
    judge.loss_tol = max(judge.floor_loss, NOISE_FACTOR * n_loss)
    judge.w_tol = max(judge.floor_w, NOISE_FACTOR * n_w)
    judge.t_tol = {"l2": tensor_tolerances(n_t, judge.floor_t, NOISE_FACTOR),
                   "median": tensor_tolerances(n_med, judge.floor_t, NOISE_FACTOR)}
    swap = swap_pair(s, e, rp.feed.n)
    out: dict[str, Any] = {"noise": "start weights moved by one unit in the last place" if rp.plan.dropout else
                           "micro-batches split in two", "noise_loss_rel": n_loss, "noise_weight_distance": n_w,
                           "noise_tensor_rel_max": max(n_t.values()) if n_t else 0.0,
                           "noise_tensor_median_rel_max": max(n_med.values()) if n_med else 0.0,
                           "wrong_swap": list(swap) if swap else None}
    if swap is None:
        out.update(separated=False, wrong_loss_rel_max=None, wrong_weight_distance=None)
        return out
    wrong = rp.run(s, e, swap=swap)
    rows = judge.losses(wrong.parts)
    bad_loss = any(not r["ok"] for r in rows)
    ww = None
    bad_w = False
    if e in rp.plan.weights:
        wd = weight_distance(wrong.weights, rp.weights_at(e), rp.weights_at(s))
        ww = wd["global"]
        bad_w = not ww <= judge.w_tol or bool(judge.tensors_over(wd))
    out["wrong_loss_rel_max"] = max((abs(r["rel_error"]) for r in rows), default=None)
    out["wrong_weight_distance"] = ww
    out["separated"] = bool(bad_loss or bad_w)
    return out


def _tier(segs: list[dict[str, Any]], rows: list[dict[str, Any]], metrics: dict[str, Any]) -> Tier:
    w = any(s.get("weights") for s in segs)
    if w and rows:
        return Tier.FULL
    if w:
        return Tier.WEIGHTS
    if rows:
        return Tier.LOSS
    return Tier.FORWARD if (metrics.get("forward_audit") or {}).get("checks") else Tier.NONE
