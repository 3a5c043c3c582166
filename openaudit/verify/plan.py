"""What a published run makes possible, decided before any tensor is loaded: unsafe artifacts, missing
artifacts, the loss log, the checkpoints and the segments to replay. Recipes (``from_recipe``) and
Trainer output folders (``verify.trainer.from_trainer``) both become a :class:`Plan`; openaudit's own
gaps are found when the model config is checked (``check_config``) and during the replay."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.verify import losslog
from openaudit.verify.artifacts import unsafe_issue
from openaudit.verify.codes import HARD_MISSING, HARD_PROBLEMS, ArtifactProblem, Code, Issue, Kind
from openaudit.verify.paths import PathRefused, Root
from openaudit.verify.recipe import Recipe, read_text

SUPPORTED_PRECISIONS = ("fp32", "bf16", "fp16")


@dataclass
class Checkpoint:
    step: int
    model: str | None = None  # weights file (relative to the root)
    optimizer: str | None = None
    scheduler: str | None = None
    scaler: str | None = None
    rng: str | None = None  # RNG state at the checkpoint (the Trainer's rng_state.pth)
    expected_optimizer: str | None = None  # where the optimizer state should be (for messages)


@dataclass
class Plan:
    source: str
    root: Root
    kind: str = "recipe"  # recipe | trainer
    config: dict[str, Any] | None = None
    family: str | None = None
    batch: dict[str, Any] = field(default_factory=dict)  # size, micro_batches, seq_len (recipe) / micro_size (trainer)
    mode: str = "window"  # loss convention (engine.MODES)
    optimizer: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    clip: float | None = None
    precision: str = "fp32"
    threads: int | None = None
    device: str | None = None  # device type the run was recorded on (cpu / cuda), when known
    data: dict[str, Any] | None = None
    checkpoints: dict[int, Checkpoint] = field(default_factory=dict)
    log: losslog.LossLog = field(default_factory=losslog.LossLog)
    segment: tuple[int, int] | None = None  # requested by the recipe
    segments: list[tuple[int, int]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tolerance: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    trainer: dict[str, Any] | None = None  # what the Trainer folder says (version, args read)
    dropout: bool = False  # dropout is replayed from the published RNG states
    padding_idx: bool = True  # the input embedding keeps the padding_idx config.json's pad_token_id gives it

    def add(self, kind: Kind, code: Code, message: str) -> None:
        issue = Issue(kind, code, " ".join(message.split()))
        if issue not in self.issues:
            self.issues.append(issue)

    def of(self, kind: Kind) -> list[Issue]:
        return [i for i in self.issues if i.kind == kind]

    @property
    def weights(self) -> dict[int, str]:
        return {s: c.model for s, c in self.checkpoints.items() if c.model}

    @property
    def optim(self) -> dict[int, str]:
        return {s: c.optimizer for s, c in self.checkpoints.items() if c.optimizer}

    def exists(self, rel: str, *, folder: bool = False) -> bool:
        """Whether ``rel`` is a file (or folder) inside the root; a path leaving it is recorded as a problem."""
        try:
            p = self.root.path(rel)
        except PathRefused as exc:
            self.add(Kind.PROBLEM, Code.PATH_OUTSIDE, str(exc))
            return False
        return p.is_dir() if folder else p.is_file()

    @property
    def hard_stop(self) -> bool:
        """No segment can be replayed faithfully (a forward-only audit may still run)."""
        return any(i.code in HARD_MISSING for i in self.of(Kind.MISSING)) or any(
            i.code in HARD_PROBLEMS for i in self.of(Kind.PROBLEM)
        )

    @property
    def can_forward(self) -> bool:
        return (
            self.config is not None
            and bool(self.batch)
            and bool(self.weights)
            and bool(self.log.per_step())
            and self.data is not None
            and not self.of(Kind.UNSUPPORTED)
            and not self.of(Kind.UNSAFE)
            and not any(i.code in HARD_PROBLEMS for i in self.of(Kind.PROBLEM))
        )


def check_config(plan: Plan) -> Any:
    """The transformers config object; openaudit's gaps (unknown model type, remote code, dropout,
    family mismatch ...) become UNSUPPORTED issues."""
    from openaudit.verify.hfmodel import config_issues, dropout_keys

    if plan.config is None:
        return None
    rng = bool(plan.segments) and all(plan.checkpoints[s].rng for s, _ in plan.segments)
    cfg, gaps = config_issues(plan.config, plan.family, rng_replay=rng)
    for g in gaps:
        plan.add(g.kind, g.code, g.message)
    plan.dropout = cfg is not None and rng and bool(dropout_keys(cfg))
    if plan.dropout:
        plan.notes.append("dropout replayed from the published RNG states (" + "; ".join(dropout_keys(cfg)) + ")")
    return cfg


def approx_params(cfg: dict[str, Any]) -> int:
    """Rough parameter count from a decoder config (no torch): embeddings + 12·d² per layer."""

    def whole(key: str) -> int:
        v = cfg.get(key, 0)
        return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else 0

    d, vocab, layers = whole("hidden_size"), whole("vocab_size"), whole("num_hidden_layers")
    inner = whole("intermediate_size") or 4 * d
    return 2 * vocab * d + layers * (4 * d * d + 3 * d * inner)


def size_guard(plan: Plan) -> None:
    """A config that implies far more parameters than the checkpoint bytes can hold does not describe
    these weights; refusing here also keeps a tampered config from allocating a huge model."""
    if plan.config is None or not plan.weights:
        return
    rel = plan.weights[min(plan.weights)]
    size = plan.root.path(rel).stat().st_size
    need = approx_params(dict(plan.config))
    if need > 2 * size + 1_000_000:
        plan.add(
            Kind.PROBLEM,
            Code.SIZE_MISMATCH,
            f"{rel}: the config implies ~{need:,} parameters but the file holds {size:,} bytes",
        )


def safety(plan: Plan, extra: tuple[str, ...] = ()) -> None:
    """Scan every artifact the replay would load; the statically read ones (``extra``) only for danger."""
    loaded = set(plan.weights.values()) | set(plan.optim.values())
    loaded |= {c.scheduler for c in plan.checkpoints.values() if c.scheduler}
    loaded |= {c.scaler for c in plan.checkpoints.values() if c.scaler}
    loaded |= {c.rng for c in plan.checkpoints.values() if c.rng}
    for rel in sorted(loaded) + sorted(set(extra) - loaded):
        try:
            issue = unsafe_issue(plan.root.path(rel), rel, load=rel in loaded)
        except ArtifactProblem as exc:
            issue = Issue(Kind.UNSAFE, Code.UNSCANNABLE_PICKLE, f"{rel}: {exc} (unscannable)")
        if issue:
            plan.add(issue.kind, issue.code, issue.message)


def _missing_steps(
    plan: Plan, code: Code, steps: list[int], summary: Callable[[], str], each: Callable[[int], str]
) -> None:
    """One MISSING issue per step, or a single ``summary`` issue for more than four steps."""
    if len(steps) > 4:
        plan.add(Kind.MISSING, code, summary())
    else:
        for s in steps:
            plan.add(Kind.MISSING, code, each(s))


def segments(plan: Plan, max_steps: int | None) -> None:
    """Checkpoint pairs to replay (or the recipe's segment), capped to ``max_steps`` updates in all."""
    ends = sorted(plan.weights)
    if plan.segment:
        candidates = [plan.segment]
        if plan.segment[0] not in plan.weights:
            plan.add(
                Kind.MISSING, Code.CHECKPOINT_WEIGHTS, f"checkpoint weights at segment start (step {plan.segment[0]})"
            )
    else:
        candidates = list(itertools.pairwise(ends))
    lacking = [s for s, _ in candidates if s in plan.weights and s not in plan.optim]
    _missing_steps(
        plan,
        Code.OPTIMIZER_STATE,
        lacking,
        lambda: f"optimizer state at {len(lacking)} checkpoints ({lacking[0]}..{lacking[-1]})",
        lambda s: f"optimizer state at step {s} ({optimizer_name(plan, s)})",
    )
    if not candidates and ends:
        plan.add(Kind.MISSING, Code.CHECKPOINTS, f"a second checkpoint after step {ends[0]} to replay towards")
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
    if plan.segments and plan.log.entries:
        covered = {k for en in plan.log.entries for k in range(en.start, en.step + 1)}
        need = [k for s, e in plan.segments for k in range(s + 1, e + 1) if k not in covered]
        last = plan.log.last_logged
        tail = [k for k in need if last is not None and k > last]
        if tail:
            need = [k for k in need if k <= last]
            plan.notes.append(
                f"updates {tail[0]}..{tail[-1]} come after the last update the logging interval reaches (step {last}): "
                "they have no loss entry and are checked through the weights"
            )
        if need:
            plan.add(
                Kind.MISSING, Code.LOSS_ENTRIES, f"loss log entries for steps {need[0]}..{need[-1]} ({len(need)} steps)"
            )
    if plan.hard_stop:
        plan.segments = []


def optimizer_name(plan: Plan, step: int) -> str:
    ck = plan.checkpoints.get(step)
    return (ck.optimizer or ck.expected_optimizer or "optimizer state file") if ck else "optimizer state file"


# -- recipes ----------------------------------------------------------------------------------------
def _loss_log(plan: Plan, spec: Any) -> None:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not spec:
        plan.add(Kind.MISSING, Code.LOSS_LOG, "loss log (loss_log)")
        return
    rel, reduce = spec["path"], spec.get("reduce", "auto")
    plan.log.reduce = reduce
    if not plan.exists(rel):
        plan.add(Kind.MISSING, Code.LOSS_LOG, f"loss log ({rel})")
        return
    try:
        plan.log.entries = losslog.parse_jsonl(read_text(plan.root.path(rel), losslog.MAX_LOG_BYTES), rel, reduce)
    except (ArtifactProblem, InvalidDocument) as exc:
        plan.add(Kind.PROBLEM, Code.UNREADABLE, str(getattr(exc, "message", exc)))
        return
    if "rounding" in spec:
        plan.log.rounding, plan.log.rounding_declared = spec["rounding"], True
    else:
        plan.log.rounding = losslog.detect_rounding(e.value for e in plan.log.entries)


def _data(plan: Plan, r: Recipe) -> None:
    d = r.get("data") or {}
    if d.get("dataset"):
        rel = d["dataset"]
        if not (plan.exists(rel) or plan.exists(rel, folder=True)):
            plan.add(Kind.MISSING, Code.TRAINING_DATA, f"tokenized training dataset ({rel})")
        sampler = d.get("sampler")
        if d.get("order"):
            if not plan.exists(d["order"]):
                plan.add(Kind.MISSING, Code.DATA_ORDER, f"data order ({d['order']})")
        elif not sampler:
            plan.add(Kind.MISSING, Code.DATA_ORDER, "data order (data.order or data.sampler)")
        plan.data = {
            "kind": "dataset",
            "path": rel,
            "order": d.get("order"),
            "sampler": sampler,
            "pad_token_id": d.get("pad_token_id"),
        }
        plan.mode = (r.get("loss") or {}).get("normalization", "batch_mean")
        return
    if not d.get("path"):
        plan.add(Kind.MISSING, Code.TRAINING_DATA, "training data (data.path)")
    elif not plan.exists(d["path"]):
        plan.add(Kind.MISSING, Code.TRAINING_DATA, f"training data ({d['path']})")
    if not d.get("order"):
        plan.add(Kind.MISSING, Code.DATA_ORDER, "data order (data.order)")
    elif not plan.exists(d["order"]):
        plan.add(Kind.MISSING, Code.DATA_ORDER, f"data order ({d['order']})")
    row = d.get("row", "window")
    plan.data = {
        "kind": "tokens",
        "path": d.get("path"),
        "format": d.get("format", "bytes"),
        "order": d.get("order"),
        "row": row,
        "row_declared": "row" in d or "normalization" in (r.get("loss") or {}),
    }
    plan.mode = (r.get("loss") or {}).get("normalization", "window" if row == "window" else "batch_mean")
    tok = (r.get("tokenizer") or {}).get("kind", "byte")
    if tok == "byte" and d.get("format", "bytes") != "bytes":
        plan.add(Kind.UNSUPPORTED, Code.DATA_LAYOUT, f"byte tokenizer with a {d.get('format')} token store")


def _checkpoints(plan: Plan, r: Recipe) -> None:
    ck = r.get("checkpoints")
    if not ck:
        plan.add(Kind.MISSING, Code.CHECKPOINTS, "intermediate checkpoints (checkpoints)")
    absent: list[int] = []
    for step in r.checkpoint_steps() if ck else []:
        mf, of = r.model_file(step), r.optimizer_file(step)
        c = Checkpoint(step, expected_optimizer=of)
        if plan.exists(mf):
            c.model = mf
        else:
            absent.append(step)
        if plan.exists(of):
            c.optimizer = of
        if ck.get("rng") and plan.exists(f"{r.checkpoint_dir(step)}/{ck['rng']}"):
            c.rng = f"{r.checkpoint_dir(step)}/{ck['rng']}"
        plan.checkpoints[step] = c
    _missing_steps(
        plan,
        Code.CHECKPOINT_WEIGHTS,
        absent,
        lambda: (
            f"checkpoint weights at {len(absent)} declared steps "
            f"({absent[0]}..{absent[-1]}, e.g. {r.model_file(absent[0])})"
        ),
        lambda s: f"checkpoint weights at step {s} ({r.model_file(s)})",
    )
    fin = r.get("final")
    if fin:
        if plan.exists(fin["path"]):
            c = plan.checkpoints.setdefault(int(fin["step"]), Checkpoint(int(fin["step"])))
            c.model = c.model or fin["path"]
        else:
            plan.add(Kind.MISSING, Code.CHECKPOINT_WEIGHTS, f"final weights ({fin['path']})")


def from_recipe(r: Recipe, max_steps: int | None = None) -> Plan:
    plan = Plan(source=r.source, root=r.root, family=r.family, config=dict(r.model_config) if r.model_config else None)
    for msg in r.refused:
        plan.add(Kind.PROBLEM, Code.PATH_OUTSIDE, msg)
    if plan.config is None and not r.refused:
        plan.add(
            Kind.MISSING,
            Code.MODEL_CONFIG,
            f"model config ({r.config_path})" if r.config_path else "model config (model.config)",
        )
    plan.batch = dict(r.get("batch") or {})
    plan.optimizer = dict(r.get("optimizer")) if r.get("optimizer") else None
    plan.schedule = dict(r.get("schedule")) if r.get("schedule") else None
    for key, code, what in (
        ("batch", Code.BATCH_LAYOUT, "batch layout (batch.size, batch.seq_len)"),
        ("optimizer", Code.OPTIMIZER_SETTINGS, "optimizer hyperparameters (optimizer)"),
        ("schedule", Code.SCHEDULE, "LR schedule parameters (schedule)"),
    ):
        if not r.get(key):
            plan.add(Kind.MISSING, code, what)
    plan.clip = r.get("clip_grad_norm")
    plan.precision = r.precision
    plan.threads = (r.get("environment") or {}).get("threads")
    recorded = str((r.get("environment") or {}).get("device") or "").split(":")[0].lower()
    plan.device = recorded if recorded in ("cpu", "cuda") else None
    plan.tolerance = dict(r.get("tolerance") or {})
    seg = r.get("segment")
    plan.segment = (int(seg["start"]), int(seg["end"])) if seg else None
    plan.notes = list(r.notes)
    _data(plan, r)
    _loss_log(plan, r.get("loss_log"))
    _checkpoints(plan, r)
    finish(plan, max_steps)
    return plan


def finish(plan: Plan, max_steps: int | None, extra_scans: tuple[str, ...] = ()) -> None:
    """The checks every plan gets once its artifacts are known."""
    if plan.precision not in SUPPORTED_PRECISIONS:
        plan.add(Kind.UNSUPPORTED, Code.PRECISION, f"precision {plan.precision!r}")
    safety(plan, extra_scans)
    if not plan.of(Kind.UNSAFE):
        size_guard(plan)
    segments(plan, max_steps)
