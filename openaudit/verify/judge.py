"""Tolerances and comparisons shared by the replay, the calibration and the deliberately wrong replay.

The noise replay (the same updates in twice as many micro-batches, or -- for runs with dropout -- from
start weights moved by one unit in the last place) measures how far honest floating-point noise moves
the losses and every tensor over a segment; the pass band is ``NOISE_FACTOR`` times that, never below
the precision's floor. A deliberately wrong replay (two batches swapped) must fall outside it.
"""

from __future__ import annotations

import math
from typing import Any

from openaudit.verify import losslog
from openaudit.verify.compare import over, tensor_median_rel, tensor_rel, tensor_tolerances, weight_distance
from openaudit.verify.plan import Plan

# Floors per precision: (relative loss error, weight distance / update size, per-tensor relative distance).
FLOORS = {"fp32": (1e-5, 2e-3, 1e-4), "bf16": (1e-2, 5e-2, 1e-2), "fp16": (5e-3, 5e-2, 5e-3)}
NOISE_FACTOR = 10.0


class Judge:
    """Tolerances and the loss comparison shared by the replay, the calibration and the wrong replay."""

    def __init__(self, plan: Plan, floors: tuple[float, float, float], trainer: bool):
        self.plan, self.trainer = plan, trainer
        self.floor_loss, self.floor_w, self.floor_t = floors
        self.loss_tol, self.w_tol = self.floor_loss, self.floor_w
        self.t_tol: dict[str, dict[str, float]] = {}  # statistic -> tensor -> tolerance
        self.reading: str | None = None
        self.detected = False

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
        self.reading = best[1]
        self.detected = len(self.readings()) > 1
        return best[2]

    def tensors_over(self, wd: dict[str, Any]) -> list[dict[str, Any]]:
        return over({"l2": wd["per_tensor"], "median": wd["per_tensor_median"]}, self.t_tol, self.floor_t)

    def detection_floor(self) -> float:
        """The largest tolerance, over tensors, on a relative change spread over one tensor (both
        statistics see such a change at its full size, so the smaller tolerance of the two applies)."""
        l2, med = self.t_tol.get("l2", {}), self.t_tol.get("median", {})
        return max((min(l2[n], med.get(n, l2[n])) for n in l2), default=self.floor_t)


def loss_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    errs = [r["rel_error"] for r in rows]
    if not errs:
        return {"steps": 0, "max": None, "mean": None, "bias": None, "exact": False}
    absd = [abs(x) for x in errs]
    return {
        "steps": len(errs),
        "max": max(absd),
        "mean": sum(absd) / len(absd),
        "bias": sum(errs) / len(errs),
        "exact": all(r["replayed"] == r["logged"] for r in rows),
    }


def calibrate(rp, judge: Judge, run, s: int, e: int) -> dict[str, Any]:
    from openaudit.verify.replay import swap_pair

    noise = rp.run(s, e, ulp=True) if rp.plan.dropout else rp.run(s, e, split=True)
    n_loss = max([abs(losslog.rel_error(noise.losses[k], run.losses[k])) for k in run.parts] or [0.0])
    n_w = weight_distance(noise.weights, run.weights, rp.weights_at(s))["global"]
    n_t = tensor_rel(noise.weights, run.weights)
    n_med = tensor_median_rel(noise.weights, run.weights)
    judge.loss_tol = max(judge.floor_loss, NOISE_FACTOR * n_loss)
    judge.w_tol = max(judge.floor_w, NOISE_FACTOR * n_w)
    judge.t_tol = {
        "l2": tensor_tolerances(n_t, judge.floor_t, NOISE_FACTOR),
        "median": tensor_tolerances(n_med, judge.floor_t, NOISE_FACTOR),
    }
    swap = swap_pair(s, e, rp.feed.n)
    out: dict[str, Any] = {
        "noise": "start weights moved by one unit in the last place"
        if rp.plan.dropout
        else "micro-batches split in two",
        "noise_loss_rel": n_loss,
        "noise_weight_distance": n_w,
        "noise_tensor_rel_max": max(n_t.values()) if n_t else 0.0,
        "noise_tensor_median_rel_max": max(n_med.values()) if n_med else 0.0,
        "wrong_swap": list(swap) if swap else None,
    }
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
