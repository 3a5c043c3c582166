"""Metrics comparing a replay with the published artifacts (pure functions over numbers/tensors)."""
from __future__ import annotations

import math
from typing import Any, Mapping


def rel_error(replayed: float, logged: float) -> float:
    """Signed relative error (replayed - logged) / |logged|; inf when either is not finite."""
    if not (math.isfinite(replayed) and math.isfinite(logged)):
        return math.inf
    if logged == 0:
        return 0.0 if replayed == 0 else math.inf
    return (replayed - logged) / abs(logged)


def loss_stats(replayed: Mapping[int, float], logged: Mapping[int, float]) -> dict[str, Any]:
    """Per-step relative loss error over the steps both sides have: max |e|, mean |e|, signed bias."""
    steps = sorted(s for s in replayed if s in logged)
    errs = [rel_error(replayed[s], logged[s]) for s in steps]
    if not errs:
        return {"steps": 0, "max": None, "mean": None, "bias": None, "exact": False, "per_step": []}
    absd = [abs(e) for e in errs]
    return {
        "steps": len(errs),
        "max": max(absd),
        "mean": sum(absd) / len(absd),
        "bias": sum(errs) / len(errs),
        "exact": all(replayed[s] == logged[s] for s in steps),
        "per_step": [{"step": s, "replayed": replayed[s], "logged": logged[s], "rel_error": e} for s, e in zip(steps, errs)],
    }


def first_over(per_step: list[dict[str, Any]], tol: float) -> int | None:
    for row in per_step:
        if not abs(row["rel_error"]) <= tol:
            return int(row["step"])
    return None


def weight_distance(replayed: Mapping[str, Any], end: Mapping[str, Any], start: Mapping[str, Any], top: int = 5) -> dict[str, Any]:
    """‖W′−W(t+k)‖ / ‖W(t+k)−W(t)‖ globally and per tensor, the most-diverged tensors, bitwise equality."""
    import torch

    num = den = 0.0
    per: list[tuple[str, float]] = []
    bitwise = True
    for name in sorted(end):
        a = replayed[name].detach().to("cpu", torch.float64)
        b = end[name].to(torch.float64)
        s = start[name].to(torch.float64)
        bitwise = bitwise and torch.equal(replayed[name].detach().cpu().to(end[name].dtype), end[name])
        n2 = float((a - b).pow(2).sum())
        d2 = float((b - s).pow(2).sum())
        num += n2
        den += d2
        if not math.isfinite(n2):
            per.append((name, math.inf))
        elif d2 > 0:
            per.append((name, math.sqrt(n2 / d2)))
        else:
            per.append((name, 0.0 if n2 == 0 else math.inf))
    if not math.isfinite(num):
        glob = math.inf
    elif den > 0:
        glob = math.sqrt(num / den)
    else:
        glob = 0.0 if num == 0 else math.inf
    ranked = sorted(per, key=lambda t: -t[1])[:top]
    return {
        "global": glob,
        "update_norm": math.sqrt(den) if math.isfinite(den) else math.inf,
        "bitwise_equal": bool(bitwise),
        "most_diverged": [{"tensor": n, "distance": d} for n, d in ranked if d > 0],
    }


def finite_or_none(x: float | None) -> float | str | None:
    """JSON-safe number: inf/nan become strings."""
    if x is None:
        return None
    if math.isfinite(x):
        return float(x)
    return "inf" if x > 0 else ("-inf" if x < 0 else "nan")
