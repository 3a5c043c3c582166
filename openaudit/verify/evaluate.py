"""From a plan to a verdict: safety and support gates, budget, forward-only loss audit, segment
replays with self-calibration, and the decision."""
from __future__ import annotations

import time
from typing import Any

from openaudit.verify.artifacts import ArtifactProblem
from openaudit.verify.compare import finite_or_none, first_over, loss_stats, rel_error, weight_distance
from openaudit.verify.plan import Plan

VERDICTS = ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE", "DIVERGED", "INCONCLUSIVE", "NOT_REPRODUCIBLE",
            "REFUSED_UNSAFE_ARTIFACT", "SKIPPED_BUDGET", "UNSUPPORTED")
# Tolerance floors per precision: (relative loss error, weight distance / update size).
FLOORS = {"fp32": (1e-5, 2e-3), "bf16": (1e-2, 5e-2)}
NOISE_FACTOR = 10.0
SCHEMA_VERSION = "1.0"


def result(verdict: str, tier: str, reason: str, plan: Plan | None, environment: dict[str, Any], *,
           metrics: dict[str, Any] | None = None, first: int | None = None, extra_missing: list[str] | None = None) -> dict[str, Any]:
    missing = list(plan.missing) if plan else []
    missing += [f"{p} (unusable)" for p in (plan.problems if plan else [])]
    missing += extra_missing or []
    return {
        "schema_version": SCHEMA_VERSION,
        "verdict": verdict,
        "tier": tier,
        "reason": " ".join(reason.split()),
        "recipe": plan.recipe.source if plan else None,
        "metrics": _json_safe(metrics or {}),
        "missing": missing,
        "first_divergent_step": first,
        "environment": environment,
    }


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


def estimate(plan: Plan, device) -> dict[str, Any]:
    from openaudit.verify.replay import model_params

    b = plan.recipe.get("batch") or {}
    tokens = int(b.get("size", 0)) * int(b.get("seq_len", 0))
    params = model_params(dict(plan.recipe.model_config or {}), plan.recipe.family)
    steps = sum(e - s for s, e in plan.segments)
    calib = 2 * (plan.segments[0][1] - plan.segments[0][0]) if plan.segments else 0
    forwards = 2 * len(plan.weights)
    flops = 6.0 * params * tokens * (steps + calib) + 2.0 * params * tokens * forwards
    seconds = flops / _throughput(device)
    return {"params": params, "tokens_per_step": tokens, "replay_steps": steps, "calibration_steps": calib,
            "forward_passes": forwards, "flops": flops, "seconds": round(seconds, 3)}


def evaluate(plan: Plan, device: str = "auto", budget_seconds: float | None = None, deterministic: bool = False) -> dict[str, Any]:
    from openaudit.verify.environment import describe_without_torch

    if plan.unsafe:
        return result("REFUSED_UNSAFE_ARTIFACT", "none", "unsafe pickle artifacts were not loaded: " + "; ".join(plan.unsafe),
                      plan, describe_without_torch(device), metrics={"unsafe": list(plan.unsafe)})
    if plan.unsupported:
        return result("UNSUPPORTED", "none", "not supported: " + "; ".join(plan.unsupported), plan, describe_without_torch(device))
    if (not plan.can_forward and not plan.segments) or any("the config implies" in p for p in plan.problems):
        return result("NOT_REPRODUCIBLE", "none", "required artifacts are missing or unusable", plan, describe_without_torch(device))

    from openaudit.verify.environment import pick_device, set_determinism

    import torch

    dev = pick_device(device)
    set_determinism(deterministic)
    threads_before = torch.get_num_threads()
    threads = (plan.recipe.get("environment") or {}).get("threads")
    if dev.type == "cpu" and threads:
        torch.set_num_threads(int(threads))
    try:
        return _evaluate_on(plan, dev, budget_seconds)
    finally:
        torch.set_num_threads(threads_before)


def _evaluate_on(plan: Plan, dev, budget_seconds: float | None) -> dict[str, Any]:
    from openaudit.verify.environment import describe
    from openaudit.verify.models import UnsupportedConfig

    env = describe(dev)
    try:
        est = estimate(plan, dev)
    except UnsupportedConfig as exc:
        return result("UNSUPPORTED", "none", f"model config: {exc}", plan, env)
    if budget_seconds is not None and est["seconds"] > budget_seconds:
        return result("SKIPPED_BUDGET", "none", f"estimated {est['seconds']:.3g} s exceeds the budget of {budget_seconds:g} s",
                      plan, env, metrics={"estimate": est})
    t0 = time.perf_counter()
    try:
        out = _replay_all(plan, dev, env)
    except UnsupportedConfig as exc:
        return result("UNSUPPORTED", "none", f"model config: {exc}", plan, env)
    out["metrics"]["estimate"] = est
    out["metrics"]["elapsed_seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _replay_all(plan: Plan, dev, env: dict[str, Any]) -> dict[str, Any]:
    from openaudit.verify.replay import Replayer, swap_pair

    floor_loss, floor_w = FLOORS[plan.recipe.precision]
    tol_cfg = plan.recipe.get("tolerance") or {}
    floor_loss = float(tol_cfg.get("loss_rel", floor_loss))
    floor_w = float(tol_cfg.get("weight_rel", floor_w))
    metrics: dict[str, Any] = {}
    diverged: list[tuple[int, str]] = []  # (step, what)
    most: list[dict[str, Any]] = []
    segs: list[dict[str, Any]] = []
    calib: dict[str, Any] | None = None
    loss_tol, w_tol = floor_loss, floor_w
    try:
        rp = Replayer(plan, dev)
        # forward-only loss audit: published checkpoint s on the batch of update s+1 vs the log
        fwd = []
        for s in sorted(plan.weights):
            if s + 1 in plan.losses and s + 1 <= len(rp.batches):
                computed = rp.forward_losses(s)
                noise = abs(rel_error(rp.forward_losses(s, micro_batches=rp.noise_split()), computed))
                fwd.append({"checkpoint": s, "step": s + 1, "logged": plan.losses[s + 1], "computed": computed,
                            "rel_error": rel_error(computed, plan.losses[s + 1]), "noise": noise})
        fwd_tol = max([floor_loss] + [NOISE_FACTOR * r["noise"] for r in fwd])
        for row in fwd:
            row["ok"] = abs(row["rel_error"]) <= fwd_tol
            if not row["ok"]:
                diverged.append((row["step"], f"logged loss at step {row['step']} does not match checkpoint {row['checkpoint']}"))
        metrics["forward_audit"] = {"tolerance": fwd_tol, "checks": [_clean(r) for r in fwd]}
        for i, (s, e) in enumerate(plan.segments):
            bad_count = _step_count_mismatch(rp.tensors(plan.optim[s]), s)
            if bad_count:
                diverged.append((s, f"optimizer state at step {s} records {bad_count}"))
            run = rp.run(s, e)
            if i == 0:
                calib = _calibrate(rp, plan, run, s, e, swap_pair(s, e, len(rp.batches)))
                loss_tol = max(floor_loss, NOISE_FACTOR * calib["noise_loss_rel"])
                w_tol = max(floor_w, NOISE_FACTOR * calib["noise_weight_distance"])
            seg = _segment_metrics(rp, plan, run, s, e)
            segs.append(seg)
            step = first_over(seg["loss"]["per_step"], loss_tol)
            if step is not None:
                diverged.append((step, f"replayed loss at step {step} differs from the log"))
            wd = seg.get("weights")
            if wd and not wd["global"] <= w_tol:
                diverged.append((e, f"weights at step {e} differ from the checkpoint"))
                most = most or wd["most_diverged"]
    except ArtifactProblem as exc:
        plan.problems.append(str(exc))
        calib = None
        if not diverged:
            return result("NOT_REPRODUCIBLE", "none", f"an artifact is unusable: {exc}", plan, env, metrics=metrics)
    metrics["segments"] = [_seg_json(s) for s in segs]
    metrics["tolerance"] = {"loss_rel": loss_tol, "weight_distance": w_tol, "noise_factor": NOISE_FACTOR}
    if calib:
        metrics["calibration"] = {k: finite_or_none(v) if isinstance(v, float) else v for k, v in calib.items()}
    metrics.update(_aggregate(segs))
    if most:
        metrics["most_diverged_tensors"] = most
    tier = _tier(segs, metrics)
    if diverged:
        step, what = min(diverged)
        return result("DIVERGED", tier, what, plan, env, metrics=_json_safe(metrics), first=step)
    if calib and not calib["separated"]:
        return result("INCONCLUSIVE", tier, "a deliberately wrong replay (two batches swapped) stayed inside the pass band, "
                      "so agreement proves little", plan, env, metrics=_json_safe(metrics))
    if plan.missing or plan.problems or not segs:
        why = "no segment could be replayed; " if not segs else ""
        return result("NOT_REPRODUCIBLE", tier, why + "checked what the published artifacts allow; some are missing",
                      plan, env, metrics=_json_safe(metrics))
    exact = all(s["loss"]["exact"] and (s.get("weights") or {}).get("bitwise_equal", True) for s in segs)
    if exact:
        return result("REPRODUCED_EXACT", tier, "replayed losses and weights are bitwise equal to the published ones",
                      plan, env, metrics=_json_safe(metrics))
    return result("REPRODUCED_WITHIN_TOLERANCE", tier, "replay agrees with the published losses and weights within the "
                  "calibrated tolerance", plan, env, metrics=_json_safe(metrics))


def _step_count_mismatch(state, step: int) -> str | None:
    """Adam-style states count their updates: at checkpoint ``step`` every count must be ``step``
    (a fresh state, all counts 0, is accepted only at step 0)."""
    for key, v in sorted(state.items()):
        if key.endswith(".step") and v.numel() == 1 and float(v) != float(step):
            return f"{float(v):g} updates for {key[:-5]}"
    return None


def _calibrate(rp, plan: Plan, run, s: int, e: int, swap) -> dict[str, Any]:
    noise = rp.run(s, e, micro_batches=rp.noise_split())
    n_loss = max([abs(rel_error(noise.losses[k], run.losses[k])) for k in run.losses] or [0.0])
    n_w = weight_distance(noise.weights, run.weights, rp.weights_at(s))["global"]
    out: dict[str, Any] = {"noise_micro_batches": rp.noise_split(), "noise_loss_rel": n_loss, "noise_weight_distance": n_w,
                           "wrong_swap": list(swap) if swap else None}
    if swap is None:
        out.update(separated=False, wrong_loss_rel_max=None, wrong_weight_distance=None)
        return out
    wrong = rp.run(s, e, swap=swap)
    loss_tol = max(FLOORS[plan.recipe.precision][0], NOISE_FACTOR * n_loss)
    w_tol = max(FLOORS[plan.recipe.precision][1], NOISE_FACTOR * n_w)
    wl = loss_stats(wrong.losses, plan.losses)
    ww = None
    if e in plan.weights:
        ww = weight_distance(wrong.weights, rp.weights_at(e), rp.weights_at(s))["global"]
    out["wrong_loss_rel_max"] = wl["max"]
    out["wrong_weight_distance"] = ww
    out["separated"] = bool((wl["max"] is not None and not wl["max"] <= loss_tol) or (ww is not None and not ww <= w_tol))
    return out


def _segment_metrics(rp, plan: Plan, run, s: int, e: int) -> dict[str, Any]:
    seg: dict[str, Any] = {"start": s, "end": e, "steps": e - s, "loss": loss_stats(run.losses, plan.losses)}
    if e in plan.weights:
        seg["weights"] = weight_distance(run.weights, rp.weights_at(e), rp.weights_at(s))
    return seg


def _aggregate(segs: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [r for s in segs for r in s["loss"]["per_step"]]
    errs = [r["rel_error"] for r in rows]
    wds = [s["weights"]["global"] for s in segs if s.get("weights")]
    return {
        "loss_rel_error": {"steps": len(errs), "max": max(map(abs, errs)) if errs else None,
                           "mean": sum(map(abs, errs)) / len(errs) if errs else None,
                           "bias": sum(errs) / len(errs) if errs else None},
        "weight_distance": max(wds) if wds else None,
        "bitwise_equal": bool(segs) and all(s["loss"]["exact"] and s.get("weights", {}).get("bitwise_equal", True) for s in segs),
    }


def _tier(segs, metrics) -> str:
    if any(s.get("weights") for s in segs) and any(s["loss"]["steps"] for s in segs):
        return "full"
    if any(s.get("weights") for s in segs):
        return "weights"
    if any(s["loss"]["steps"] for s in segs):
        return "loss"
    return "forward" if metrics.get("forward_audit", {}).get("checks") else "none"


def _seg_json(seg: dict[str, Any]) -> dict[str, Any]:
    out = dict(seg)
    out["loss"] = dict(seg["loss"])
    return out


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row)


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return finite_or_none(obj)
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj
