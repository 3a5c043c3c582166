"""Published loss logs as they are published: per-step or averaged over logging windows, full precision
or rounded.

Every published number is a claim ``(first step, last step, value)``. A JSON-lines log holds one
``{"step": s, "loss": x}`` per entry; the Trainer's ``trainer_state.json`` ``log_history`` holds the
mean over the window since the previous loss entry (``logging_steps``). A recipe says how its log was
reduced (``reduce: step`` -- the loss of that update alone; ``mean`` -- the mean over the updates since
the previous entry) or leaves it to detection (``auto``: both readings coincide for a per-step log; a
sparse log is read the way that agrees with the replay, and the reading is reported). Rounding is
declared (``rounding: 4``) or detected from the values themselves (every value has at most N <= 6
decimals), and a rounded value is compared with the tolerance of its rounding (half a unit of the
last decimal) on top of the calibrated relative tolerance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openaudit.verify.codes import ArtifactProblem

MAX_LOG_BYTES = 64 << 20
MAX_DETECTED_DECIMALS = 6


@dataclass(frozen=True)
class Entry:
    start: int  # first update of the window (1-based)
    step: int  # last update of the window
    value: float
    source: str
    lr: float | None = None


@dataclass
class LossLog:
    entries: list[Entry] = field(default_factory=list)
    reduce: str = "auto"  # step | mean | auto (a recipe log); the Trainer's log is mean
    rounding: int | None = None  # decimals the values were rounded to (declared or detected)
    rounding_declared: bool = False
    # the logger writes no entry for the updates after this one (the Trainer logs every logging_steps
    # updates: the tail after the last multiple is never logged; its updates are checked by the weights)
    last_logged: int | None = None

    def per_step(self) -> dict[int, float]:
        """Values of one-update windows (what a forward-only audit can check)."""
        return {e.step: e.value for e in self.entries if e.start == e.step}


def decimals(x: float) -> int | None:
    """Decimals in the shortest repr of ``x`` (None: exponent notation / not finite)."""
    if not math.isfinite(x):
        return None
    r = repr(float(x))
    if "e" in r or "E" in r:
        return None
    return len(r.split(".")[1].rstrip("0")) if "." in r else 0


def detect_rounding(values: Iterable[float]) -> int | None:
    """N when every value has at most N <= 6 decimals (a full-precision float has ~15)."""
    ds = [decimals(v) for v in values]
    if not ds or any(d is None for d in ds):
        return None
    top = max(d for d in ds if d is not None)
    return top if top <= MAX_DETECTED_DECIMALS else None


def parse_jsonl(text: str, rel: str, reduce: str) -> list[Entry]:
    """``{"step": s, "loss": x}`` per line. A per-step reading makes each entry its own window; a
    mean (or auto) reading makes it the window since the previous entry."""
    rows: dict[int, float] = {}
    lrs: dict[int, float] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise ArtifactProblem(f"{rel}: line {n} is not JSON") from None
        if not isinstance(row, dict) or "step" not in row or "loss" not in row:
            raise ArtifactProblem(f"{rel}: line {n} needs 'step' and 'loss'")
        step, loss = row["step"], row["loss"]
        if isinstance(step, bool) or not isinstance(step, int) or step < 1:
            raise ArtifactProblem(f"{rel}: line {n}: step must be a positive integer")
        if isinstance(loss, bool) or not isinstance(loss, (int, float)):
            raise ArtifactProblem(f"{rel}: line {n}: loss must be a number")
        if step in rows and rows[step] != float(loss):
            raise ArtifactProblem(f"{rel}: step {step} is logged twice with different losses")
        rows[step] = float(loss) if math.isfinite(float(loss)) else math.nan
        lr = row.get("lr", row.get("learning_rate"))
        if isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(float(lr)):
            lrs[step] = float(lr)
    out: list[Entry] = []
    prev = 0
    for step in sorted(rows):
        start = step if reduce == "step" else prev + 1
        out.append(Entry(start, step, rows[step], rel, lrs.get(step)))
        prev = step
    return out


def from_log_history(history: Any, rel: str) -> list[Entry]:
    """Loss entries of a Trainer ``log_history``: each the mean over the updates since the previous one."""
    if not isinstance(history, list):
        raise ArtifactProblem(f"{rel}: log_history is not a list")
    out: list[Entry] = []
    prev = 0
    for i, row in enumerate(history):
        if not isinstance(row, dict) or "loss" not in row:
            continue
        step, loss = row.get("step"), row.get("loss")
        if isinstance(step, bool) or not isinstance(step, int) or step < 1 or step <= prev:
            raise ArtifactProblem(f"{rel}: log_history[{i}] has no increasing positive step")
        if isinstance(loss, bool) or not isinstance(loss, (int, float)):
            raise ArtifactProblem(f"{rel}: log_history[{i}].loss is not a number")
        lr = row.get("learning_rate")
        out.append(
            Entry(
                prev + 1,
                step,
                float(loss),
                rel,
                float(lr) if isinstance(lr, (int, float)) and not isinstance(lr, bool) else None,
            )
        )
        prev = step
    return out


def merge(logs: list[list[Entry]]) -> list[Entry]:
    """All claims, one per distinct (window, value, source); copies of one history count once."""
    seen: set[tuple[int, int, float]] = set()
    out: list[Entry] = []
    for entries in logs:
        for e in entries:
            key = (e.start, e.step, e.value)
            if key not in seen:
                seen.add(key)
                out.append(e)
    return sorted(out, key=lambda e: (e.step, e.start))


def window_value(values: Mapping[int, Any], e: Entry, combine: Callable[[list[Any]], float]) -> float | None:
    """The replayed value of an entry's window (None when a step of the window was not replayed)."""
    steps = list(range(e.start, e.step + 1))
    if not all(s in values for s in steps):
        return None
    return combine([values[s] for s in steps])


def allowed(logged: float, rel_tol: float, rounding: int | None) -> float:
    """Absolute tolerance for a logged value: calibrated relative tolerance plus half a unit of rounding."""
    half = 0.5 * 10.0 ** (-rounding) if rounding is not None else 0.0
    return rel_tol * abs(logged) + half * (1 + 1e-9)


def rel_error(replayed: float, logged: float) -> float:
    """Signed relative error (replayed - logged) / |logged|; inf when either is not finite."""
    if not (math.isfinite(replayed) and math.isfinite(logged)):
        return math.inf
    if logged == 0:
        return 0.0 if replayed == 0 else math.inf
    return (replayed - logged) / abs(logged)


def compare(
    entries: list[Entry],
    replayed: Mapping[int, float],
    rel_tol: float,
    rounding: int | None,
    combine: Callable[[list[Any]], float],
) -> list[dict[str, Any]]:
    """One row per entry whose window was replayed: replayed and logged values, error, ok."""
    rows = []
    for e in entries:
        v = window_value(replayed, e, combine)
        if v is None:
            continue
        err = rel_error(v, e.value)
        ok = math.isfinite(v) and math.isfinite(e.value) and abs(v - e.value) <= allowed(e.value, rel_tol, rounding)
        rows.append(
            {
                "step": e.step,
                "start": e.start,
                "replayed": v,
                "logged": e.value,
                "rel_error": err,
                "ok": bool(ok),
                "source": e.source,
            }
        )
    return rows
