"""Replaying published segments: load checkpoint t (weights with transformers, optimizer state), feed
the published micro-batches of updates t+1..t+k with the published schedule, collect each update's loss
parts, learning rates and the final weights. Also the calibration runs (noise: the same updates cut into
more micro-batches; wrong: two batches swapped) and the forward-only loss audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from openaudit.verify import data as vdata
from openaudit.verify import engine, hfmodel, optim
from openaudit.verify.artifacts import load_object, load_rng_state, load_tensors, scan
from openaudit.verify.codes import ArtifactProblem, Code, ReplayGap
from openaudit.verify.plan import Plan


@dataclass
class Run:
    start: int
    end: int
    parts: dict[int, list[torch.Tensor]]  # update -> float32 loss part per micro-batch
    lrs: dict[int, float]  # update -> LR of the first parameter group
    weights: dict[str, torch.Tensor]
    start_counts: set[float]  # update counts the loaded optimizer state records

    @property
    def losses(self) -> dict[int, float]:
        return {k: engine.step_value(v) for k, v in self.parts.items()}


class Feed:
    """The micro-batches of every update, built from the published data and order."""

    def __init__(self, plan: Plan, device: torch.device, vocab: int, steps: int):
        self.device, self.vocab = device, vocab
        d = plan.data or {}
        self.kind = d.get("kind")
        self.epoch_starts = set()
        b = plan.batch
        if self.kind == "tokens":
            self.store = vdata.TokenStore(plan.root.path(d["path"]), d.get("format", "bytes"), d["path"])
            self.row = d.get("row", "window")
            self.seq_len, self.micro = int(b["seq_len"]), int(b.get("micro_batches", 1))
            length = self.seq_len + 1 if self.row == "window" else self.seq_len
            self.order = vdata.check_offsets(
                vdata.read_order(plan.root.path(d["order"]), d["order"]),
                self.store.n,
                int(b["size"]),
                length,
                d["order"],
            )
            self.length = length
            self.n = len(self.order)
            return
        self.rows = vdata.open_rows(plan.root, d["path"])
        self.rel = d["path"]
        self.collator = vdata.Collator(
            d.get("pad_token_id"), d.get("pad_side", "right"), d.get("mask_pad", True), d.get("pad_unknown", "")
        )
        self.epoch_starts: set[int] = set()
        accum = int(b.get("micro_batches", 1))
        if d.get("order"):
            self.updates = vdata.explicit_updates(
                vdata.read_order(plan.root.path(d["order"]), d["order"]), len(self.rows), accum, d["order"]
            )
        else:
            s = dict(d["sampler"])
            s.setdefault("micro_size", int(b.get("micro_size") or int(b["size"]) // accum))
            s.setdefault("accumulation", accum)
            self.updates = vdata.sampled_updates(len(self.rows), vdata.Sampling(**s), steps, self.epoch_starts)
        self.n = len(self.updates)

    def update(self, step: int) -> list[dict[str, torch.Tensor]]:
        if not 1 <= step <= self.n:
            raise ArtifactProblem(f"the data order has no batch for step {step} ({self.n} batches)")
        if self.kind == "tokens":
            w = self.store.windows(self.order[step - 1], self.length)
            micro = []
            for chunk in w.chunk(self.micro):
                mb = (
                    {"input_ids": chunk[:, :-1].contiguous(), "targets": chunk[:, 1:].contiguous()}
                    if self.row == "window"
                    else {"input_ids": chunk, "labels": chunk.clone()}
                )
                micro.append(mb)
        else:
            micro = [
                vdata.collate(list(vdata.iter_rows(self.rows, idx)), self.collator, self.rel)
                for idx in self.updates[step - 1]
            ]
        for mb in micro:
            top = int(mb["input_ids"].max()) if mb["input_ids"].numel() else 0
            if top >= self.vocab:
                raise ArtifactProblem(f"token id {top} is outside the vocabulary ({self.vocab})")
        return [{k: v.to(self.device) for k, v in mb.items()} for mb in micro]


class Replayer:
    def __init__(self, plan: Plan, device: torch.device, cfg: Any):
        self.plan, self.device, self.cfg = plan, device, cfg
        fresh = hfmodel.build(cfg)
        self.model_class = type(fresh)
        steps = max([e for _, e in plan.segments] + [s + 1 for s in plan.weights] + [1])
        self.feed = Feed(plan, device, int(cfg.vocab_size), steps)
        self.schedule = optim.make_schedule(plan.schedule) if plan.schedule else None
        self._cache: dict[str, Any] = {}
        self.mode = plan.mode
        if (
            plan.kind == "trainer"
            and self.mode in ("tokens", "tokens_all")
            and not hfmodel.accepts_loss_kwargs(self.model_class)
        ):
            self.mode = "micro_mean"
        elif plan.kind == "trainer" and self.mode == "tokens" and not hfmodel.loss_shifts_labels(fresh):
            self.mode = "tokens_all"  # the Trainer counts every label for models without a causal-LM loss type

    # -- artifacts ------------------------------------------------------------------------------
    def tensors(self, rel: str) -> dict[str, torch.Tensor]:
        if rel not in self._cache:
            self._cache[rel] = load_tensors(self.plan.root.path(rel), rel)
        return self._cache[rel]

    def model_at(self, step: int):
        rel = self.plan.weights[step]
        tensors = {k: v.clone() for k, v in self.tensors(rel).items()}
        model = hfmodel.load(self.cfg, tensors, rel, self.model_class)
        if not self.plan.padding_idx:
            hfmodel.drop_padding_idx(model)
        model.train()
        return model.to(self.device)

    def weights_at(self, step: int) -> dict[str, torch.Tensor]:
        """Published weights at ``step`` keyed like the model's parameters (tied ones once)."""
        key = f"@weights:{step}"
        if key not in self._cache:
            model = self.model_at(step)
            self._cache[key] = {n: p.detach().to("cpu").clone() for n, p in hfmodel.parameters(model)}
        return self._cache[key]

    def optimizer_for(self, model, step: int):
        rel = self.plan.optim[step]
        spec = dict(self.plan.optimizer or {})
        if self.schedule is not None:
            spec.setdefault("lr", self.schedule.base)
        kind = f"@scan:{rel}"
        if kind not in self._cache:
            self._cache[kind] = scan(self.plan.root.path(rel)).get("status")
        if self._cache[kind] == "clean":
            key = f"@state:{rel}"
            if key not in self._cache:
                self._cache[key] = load_object(self.plan.root.path(rel), rel)
            opt = optim.from_state_dict(model, spec, self._cache[key], rel)
            bases = [float(g.get("initial_lr", spec["lr"])) for g in opt.param_groups]
        else:
            opt = optim.from_slots(model, spec, self.tensors(rel), rel)
            bases = [float(spec["lr"])] * len(opt.param_groups)
        return opt, bases

    def scheduler_steps(self, step: int) -> int | None:
        """``last_epoch`` of the published scheduler state at ``step`` (None when not published)."""
        ck = self.plan.checkpoints.get(step)
        if not ck or not ck.scheduler:
            return None
        state = load_object(self.plan.root.path(ck.scheduler), ck.scheduler)
        last = state.get("last_epoch") if isinstance(state, dict) else None
        if isinstance(last, bool) or not isinstance(last, int):
            raise ArtifactProblem(f"{ck.scheduler}: no last_epoch in the scheduler state")
        return last

    def _scaler(self, step: int):
        if self.plan.precision != "fp16":
            return None
        ck = self.plan.checkpoints.get(step)
        if self.device.type != "cuda":
            raise ReplayGap(Code.DEVICE, "fp16 training used loss scaling on CUDA; replay it with --device cuda")
        if not ck or not ck.scaler:
            raise ReplayGap(Code.PRECISION, f"fp16 loss scaling: no scaler state at step {step} (scaler.pt)")
        scaler = torch.amp.GradScaler("cuda")
        scaler.load_state_dict(load_object(self.plan.root.path(ck.scaler), ck.scaler))
        return scaler

    # -- runs -------------------------------------------------------------------------------------
    def _restore_rng(self, step: int) -> None:
        """The RNG state the run had after update ``step`` (dropout masks are drawn from it)."""
        rel = self.plan.checkpoints[step].rng
        state = load_rng_state(self.plan.root.path(rel), rel)
        torch.set_rng_state(state["cpu"])
        if self.device.type == "cuda":
            cuda = state.get("cuda")
            if not isinstance(cuda, torch.Tensor):
                raise ReplayGap(Code.DEVICE, f"{rel}: no CUDA RNG state to replay dropout on CUDA")
            torch.cuda.set_rng_state(cuda, self.device)

    def _epoch_draw(self, step: int) -> None:
        """A Trainer opens each epoch's data iterator before its first update; torch's DataLoader iterator
        draws its base seed from the global RNG then (one int64), between the masks of two epochs."""
        if self.plan.kind == "trainer" and step > 1 and step in self.feed.epoch_starts:
            torch.empty((), dtype=torch.int64).random_()

    def run(
        self, start: int, end: int, *, split: bool = False, swap: tuple[int, int] | None = None, ulp: bool = False
    ) -> Run:
        """Updates start+1..end from checkpoint ``start``. ``split``: every micro-batch cut in two; ``swap``:
        two updates' batches exchanged; ``ulp``: start weights moved by one unit in the last place (the
        noise replay of runs with dropout, where a split would change the masks)."""
        if self.schedule is None:
            raise ArtifactProblem("no LR schedule")
        model = self.model_at(start)
        if ulp:
            _nudge(model)
        opt, bases = self.optimizer_for(model, start)
        counts = optim.step_counts(opt)
        scaler = self._scaler(start)
        if self.plan.dropout:
            self._restore_rng(start)
        parts: dict[int, list[torch.Tensor]] = {}
        lrs: dict[int, float] = {}
        for step in range(start + 1, end + 1):
            data_step = step
            if swap and step in swap:
                data_step = swap[1] if step == swap[0] else swap[0]
            micro = self.feed.update(data_step)
            factors = None
            if split:
                micro, factors = engine.split(micro, self.mode)
            if self.plan.dropout:
                self._epoch_draw(step)
            group_lrs = self.schedule.lrs(step, bases)
            lrs[step] = group_lrs[0]
            parts[step] = engine.train_step(
                model,
                opt,
                micro,
                group_lrs,
                mode=self.mode,
                clip=self.plan.clip,
                precision=self.plan.precision,
                factors=factors,
                scaler=scaler,
            )
        weights = {n: p.detach().to("cpu") for n, p in hfmodel.parameters(model)}
        return Run(start, end, parts, lrs, weights, counts)

    def forward(self, step: int, *, split: bool = False) -> float:
        """Loss of the published checkpoint at ``step`` on the batch of update ``step + 1``."""
        model = self.model_at(step)
        micro = self.feed.update(step + 1)
        factors = None
        if split:
            micro, factors = engine.split(micro, self.mode)
        return engine.step_value(
            engine.eval_parts(model, micro, mode=self.mode, precision=self.plan.precision, factors=factors)
        )


@torch.no_grad()
def _nudge(model) -> None:
    """Move every weight by one unit in the last place, up or down (a fixed, local random sign)."""
    g = torch.Generator().manual_seed(12345)
    for _, p in hfmodel.parameters(model):
        sign = torch.randint(0, 2, p.shape, generator=g).to(p.device, p.dtype) * 2 - 1
        p.copy_(torch.nextafter(p, p + sign))


def swap_pair(start: int, end: int, n_batches: int) -> tuple[int, int] | None:
    """Two data steps to exchange for the deliberately wrong replay."""
    if end - start >= 2:
        return (start + 1, start + 2)
    if end + 1 <= n_batches:
        return (start + 1, end + 1)
    if start >= 1:
        return (start + 1, start)
    return None


def model_params(cfg: Any) -> int:
    with torch.device("meta"):
        m = hfmodel.build(cfg)
    return sum(p.numel() for p in m.parameters())
