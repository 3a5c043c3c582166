"""What a recipe makes possible, decided before any tensor is loaded: unsupported features, unsafe
artifacts, missing artifacts, the loss log and data order, and the segments to replay."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from openaudit.verify.artifacts import ArtifactProblem, UnsafePickle, check_safe
from openaudit.verify.recipe import Recipe, read_text

SUPPORTED_OPTIMIZERS = ("adamw", "adam", "sgd")
SUPPORTED_PRECISIONS = ("fp32", "bf16")
SUPPORTED_FAMILIES = ("gpt-neox", "gptneox", "pythia", "llama", "olmo2")
REQUIRED_CONFIG_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads")
MAX_LOG_BYTES = 64 << 20
MAX_ORDER_BYTES = 256 << 20


@dataclass
class Plan:
    recipe: Recipe
    unsupported: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # artifacts present but unusable
    losses: dict[int, float] = field(default_factory=dict)
    batches: list[list[int]] | None = None
    weights: dict[int, str] = field(default_factory=dict)  # step -> model file (rel)
    optim: dict[int, str] = field(default_factory=dict)  # step -> optimizer file (rel)
    segments: list[tuple[int, int]] = field(default_factory=list)

    @property
    def can_replay(self) -> bool:
        return self.config_ok and bool(self.segments) and not self.unsupported and not self.unsafe

    @property
    def config_ok(self) -> bool:
        return self.recipe.model_config is not None and not any(m.startswith("model config") for m in self.missing)

    @property
    def can_forward(self) -> bool:
        return self.config_ok and bool(self.recipe.get("batch")) and bool(self.weights) and bool(self.losses) and self.batches is not None and not self.unsupported and not self.unsafe


def approx_params(cfg: dict[str, Any]) -> int:
    """Rough parameter count from a decoder config (no torch): embeddings + 12·d² per layer."""
    def whole(key: str) -> int:
        v = cfg.get(key, 0)
        return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0

    d, vocab, layers = whole("hidden_size"), whole("vocab_size"), whole("num_hidden_layers")
    inner = whole("intermediate_size") or 4 * d
    return 2 * vocab * d + layers * (4 * d * d + 3 * d * inner)


def _size_guard(plan: Plan) -> None:
    """A config that implies far more parameters than the checkpoint bytes can hold does not describe
    these weights; refusing here also keeps a tampered config from allocating a huge model."""
    if plan.recipe.model_config is None or not plan.weights:
        return
    rel = plan.weights[min(plan.weights)]
    size = plan.recipe.path(rel).stat().st_size
    need = approx_params(dict(plan.recipe.model_config))
    if need > 2 * size + 1_000_000:
        plan.problems.append(f"{rel}: the config implies ~{need:,} parameters but the file holds {size:,} bytes")


def _exists(recipe: Recipe, rel: str) -> bool:
    return recipe.path(rel).is_file()


def parse_loss_log(text: str, rel: str) -> dict[int, float]:
    out: dict[int, float] = {}
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
        if step in out and out[step] != float(loss):
            raise ArtifactProblem(f"{rel}: step {step} is logged twice with different losses")
        out[step] = float(loss) if math.isfinite(float(loss)) else math.nan
    return out


def _check_family(plan: Plan) -> None:
    r = plan.recipe
    fam = r.family
    if fam not in SUPPORTED_FAMILIES:
        why = "; ".join(n for n in r.notes if n.startswith("no reference implementation"))
        plan.unsupported.append(f"model family {fam!r} (supported: gpt-neox, llama)" + (f": {why}" if why else ""))
    opt = r.get("optimizer")
    if opt and str(opt["name"]).lower() not in SUPPORTED_OPTIMIZERS:
        plan.unsupported.append(f"optimizer {opt['name']!r} (supported: {', '.join(SUPPORTED_OPTIMIZERS)})")
    if r.precision not in SUPPORTED_PRECISIONS:
        plan.unsupported.append(f"precision {r.precision!r} (supported: {', '.join(SUPPORTED_PRECISIONS)})")
    tok = (r.get("tokenizer") or {}).get("kind", "byte")
    fmt = (r.get("data") or {}).get("format", "bytes")
    if tok == "byte" and fmt != "bytes":
        plan.unsupported.append(f"byte tokenizer with a {fmt} token store")


def make_plan(recipe: Recipe, max_steps: int | None = None) -> Plan:
    plan = Plan(recipe)
    _check_family(plan)
    r = recipe
    if r.model_config is None:
        plan.missing.append(f"model config ({r.config_path})" if r.config_path else "model config (model.config)")
    else:
        for key in REQUIRED_CONFIG_KEYS:
            if key not in r.model_config:
                plan.missing.append(f"model config key {key!r}")
    for key, what in (("batch", "batch layout (batch.size, batch.seq_len)"),
                      ("optimizer", "optimizer hyperparameters (optimizer)"),
                      ("schedule", "LR schedule parameters (schedule)")):
        if not r.get(key):
            plan.missing.append(what)
    data = r.get("data") or {}
    if not data.get("path"):
        plan.missing.append("training data (data.path)")
    elif not _exists(r, data["path"]):
        plan.missing.append(f"training data ({data['path']})")
    if not data.get("order"):
        plan.missing.append("data order (data.order)")
    elif not _exists(r, data["order"]):
        plan.missing.append(f"data order ({data['order']})")
    else:
        try:
            doc = json.loads(read_text(r.path(data["order"]), MAX_ORDER_BYTES))
        except (json.JSONDecodeError, Exception) as exc:
            plan.problems.append(f"{data['order']}: unreadable ({' '.join(str(exc).split())[:120]})")
        else:
            b = doc.get("batches") if isinstance(doc, dict) else None
            if not isinstance(b, list):
                plan.problems.append(f"{data['order']}: no 'batches' list")
            else:
                plan.batches = b
    log = r.get("loss_log")
    if not log:
        plan.missing.append("loss log (loss_log)")
    elif not _exists(r, log):
        plan.missing.append(f"loss log ({log})")
    else:
        try:
            plan.losses = parse_loss_log(read_text(r.path(log), MAX_LOG_BYTES), log)
        except (ArtifactProblem, Exception) as exc:
            plan.problems.append(str(exc) if isinstance(exc, ArtifactProblem) else f"{log}: {exc}")
    _checkpoints(plan)
    _safety(plan)
    _size_guard(plan)
    _segments(plan, max_steps)
    return plan


def _checkpoints(plan: Plan) -> None:
    r = plan.recipe
    if not r.get("checkpoints"):
        plan.missing.append("intermediate checkpoints (checkpoints)")
    absent: list[int] = []
    for step in r.checkpoint_steps():
        mf, of = r.model_file(step), r.optimizer_file(step)
        if _exists(r, mf):
            plan.weights[step] = mf
        else:
            absent.append(step)
        if _exists(r, of):
            plan.optim[step] = of
    if len(absent) > 4:
        plan.missing.append(f"checkpoint weights at {len(absent)} declared steps ({absent[0]}..{absent[-1]}, "
                            f"e.g. {r.model_file(absent[0])})")
    else:
        plan.missing += [f"checkpoint weights at step {s} ({r.model_file(s)})" for s in absent]
    fin = r.get("final")
    if fin:
        if _exists(r, fin["path"]):
            plan.weights.setdefault(int(fin["step"]), fin["path"])
        else:
            plan.missing.append(f"final weights ({fin['path']})")


def _safety(plan: Plan) -> None:
    r = plan.recipe
    for rel in sorted(set(plan.weights.values()) | set(plan.optim.values())):
        try:
            check_safe(r.path(rel), rel)
        except UnsafePickle as exc:
            plan.unsafe.append(f"{rel} imports {', '.join(exc.globals)}")
        except (ArtifactProblem, OSError) as exc:
            plan.unsafe.append(f"{rel}: {exc} (unscannable pickle)")


def _segments(plan: Plan, max_steps: int | None) -> None:
    r = plan.recipe
    ends = sorted(plan.weights)
    seg = r.get("segment")
    candidates: list[tuple[int, int]]
    if seg:
        candidates = [(int(seg["start"]), int(seg["end"]))]
        if seg["start"] not in plan.weights:
            plan.missing.append(f"checkpoint weights at segment start (step {seg['start']})")
    else:
        candidates = list(zip(ends, ends[1:]))
    starts_with_opt = [s for s, _ in candidates if s in plan.weights and s not in plan.optim]
    if len(starts_with_opt) > 4:
        plan.missing.append(f"optimizer state at {len(starts_with_opt)} checkpoints ({starts_with_opt[0]}.."
                            f"{starts_with_opt[-1]}, e.g. {r.optimizer_file(starts_with_opt[0])})")
        starts_with_opt = []
    for s in starts_with_opt:
        plan.missing.append(f"optimizer state at step {s} ({r.optimizer_file(s) if r.get('checkpoints') else 'checkpoints.optimizer'})")
    if not candidates and ends:
        plan.missing.append(f"a second checkpoint after step {ends[0]} to replay towards")
    budget = max_steps
    for s, e in candidates:
        if s not in plan.weights or s not in plan.optim:
            continue
        if budget is not None:
            if budget <= 0:
                break
            e = min(e, s + budget)
            budget -= e - s
        plan.segments.append((s, e))
    if plan.segments and r.get("loss_log") and _exists(r, r.get("loss_log")) and not plan.problems:
        need = [k for s, e in plan.segments for k in range(s + 1, e + 1) if k not in plan.losses]
        if need:
            plan.missing.append(f"loss log entries for steps {need[0]}..{need[-1]} ({len(need)} steps)")
    hard = any(m.startswith(("model config", "batch layout", "optimizer hyper", "LR schedule", "training data", "data order"))
               for m in plan.missing)
    if hard or plan.batches is None or plan.problems:
        plan.segments = []
