"""Metrics comparing a replay with the published artifacts (pure functions over numbers / tensors).

Weights are compared globally, ``‖W′ − W(t+k)‖ / ‖W(t+k) − W(t)‖`` (the replay's error as a share of
the segment's update), and per tensor with two statistics, each against a per-tensor tolerance
calibrated from the noise replay -- so that a small change to one tensor is not hidden in the norm of
all the others:

* ``l2``: ``‖W′ᵢ − Wᵢ‖ / ‖Wᵢ‖`` (catches a change concentrated on a few elements);
* ``median``: the median over elements of ``|W′ᵢⱼ − Wᵢⱼ| / |Wᵢⱼ|`` (catches a change spread over the
  tensor even when some of its elements are pure floating-point noise -- e.g. attention key biases,
  whose gradient is zero in exact arithmetic, so that AdamW moves them by rounding noise alone).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def _f64(t):
    import torch

    return t.detach().to("cpu", torch.float64)


def tensor_rel(replayed: Mapping[str, Any], ref: Mapping[str, Any]) -> dict[str, float]:
    """Per tensor ``‖a − b‖ / ‖b‖`` (a zero reference: 0 when equal, inf otherwise)."""
    out: dict[str, float] = {}
    for name in sorted(ref):
        a, b = _f64(replayed[name]), _f64(ref[name])
        num = float((a - b).norm())
        den = float(b.norm())
        if not math.isfinite(num):
            out[name] = math.inf
        elif den > 0:
            out[name] = num / den
        else:
            out[name] = 0.0 if num == 0 else math.inf
    return out


def tensor_median_rel(replayed: Mapping[str, Any], ref: Mapping[str, Any]) -> dict[str, float]:
    """Per tensor, the median over its non-zero reference elements of ``|a - b| / |b|``."""
    import torch

    out: dict[str, float] = {}
    for name in sorted(ref):
        a, b = _f64(replayed[name]).flatten(), _f64(ref[name]).flatten()
        nz = b != 0
        if not bool(nz.any()):
            out[name] = 0.0 if torch.equal(a, b) else math.inf
            continue
        r = (a[nz] - b[nz]).abs() / b[nz].abs()
        v = float(r.median()) if bool(torch.isfinite(r).all()) else math.inf
        out[name] = v
    return out


def weight_distance(replayed: Mapping[str, Any], end: Mapping[str, Any], start: Mapping[str, Any]) -> dict[str, Any]:
    """Global distance relative to the segment's update, update norm, bitwise equality, per-tensor distances."""
    import torch

    num = den = 0.0
    bitwise = True
    for name in sorted(end):
        a, b, s = _f64(replayed[name]), _f64(end[name]), _f64(start[name])
        bitwise = bitwise and torch.equal(replayed[name].detach().cpu().to(end[name].dtype), end[name])
        num += float((a - b).pow(2).sum())
        den += float((b - s).pow(2).sum())
    if not math.isfinite(num):
        glob = math.inf
    elif den > 0:
        glob = math.sqrt(num / den)
    else:
        glob = 0.0 if num == 0 else math.inf
    return {
        "global": glob,
        "update_norm": math.sqrt(den) if math.isfinite(den) else math.inf,
        "bitwise_equal": bool(bitwise),
        "per_tensor": tensor_rel(replayed, end),
        "per_tensor_median": tensor_median_rel(replayed, end),
    }


def tensor_tolerances(noise: Mapping[str, float], floor: float, factor: float) -> dict[str, float]:
    return {n: max(floor, factor * v) if math.isfinite(v) else math.inf for n, v in noise.items()}


def over(
    stats: Mapping[str, Mapping[str, float]], tols: Mapping[str, Mapping[str, float]], floor: float, top: int = 5
) -> list[dict[str, Any]]:
    """Tensors whose distance exceeds its tolerance under any statistic (``l2``, ``median``), worst
    (distance / tolerance) first."""
    bad: dict[str, dict[str, Any]] = {}
    for stat, per_tensor in stats.items():
        for name, d in per_tensor.items():
            t = tols.get(stat, {}).get(name, floor)
            if not d <= t:
                ratio = d / t if t > 0 else math.inf
                if name not in bad or ratio > bad[name]["ratio"]:
                    bad[name] = {"tensor": name, "statistic": stat, "distance": d, "tolerance": t, "ratio": ratio}
    return sorted(bad.values(), key=lambda r: -r["ratio"] if math.isfinite(r["ratio"]) else -math.inf)[:top]


def ranked(per_tensor: Mapping[str, float], top: int = 5) -> list[dict[str, Any]]:
    return [{"tensor": n, "distance": d} for n, d in sorted(per_tensor.items(), key=lambda t: -t[1])[:top] if d > 0]


def finite_or_none(x: float | None) -> float | str | None:
    """JSON-safe number: inf/nan become strings."""
    if x is None:
        return None
    if math.isfinite(x):
        return float(x)
    return "inf" if x > 0 else ("-inf" if x < 0 else "nan")


def json_safe(obj: Any) -> Any:
    if isinstance(obj, float):
        return finite_or_none(obj)
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj
