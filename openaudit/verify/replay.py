"""Replaying published segments: load checkpoint t (weights + optimizer state), feed the published
batches t+1..t+k with the published schedule, collect per-step losses and the final weights.
Also the calibration runs (noise: micro-batch split; wrong: two batches swapped) and the
forward-only loss audit."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from openaudit.verify import engine
from openaudit.verify.artifacts import ArtifactProblem, load_tensors
from openaudit.verify.models import build_model
from openaudit.verify.plan import Plan


@dataclass
class Run:
    start: int
    end: int
    losses: dict[int, float]
    weights: dict[str, torch.Tensor]


class Replayer:
    def __init__(self, plan: Plan, device: torch.device):
        self.plan = plan
        self.r = plan.recipe
        self.device = device
        self.cfg = dict(self.r.model_config or {})
        data = self.r.get("data")
        fmt = data.get("format", "bytes")
        try:
            self.tokens = engine.load_tokens(self.r.path(data["path"]), fmt)
        except OSError as exc:
            raise ArtifactProblem(f"{data['path']}: cannot read ({exc.strerror})") from None
        b = self.r.get("batch")
        self.size, self.seq_len = int(b["size"]), int(b["seq_len"])
        self.micro = int(b.get("micro_batches", 1))
        self.batches = engine.check_order(plan.batches, len(self.tokens), self.size, self.seq_len, data["order"])
        self.vocab = int(self.cfg.get("vocab_size", 0))
        self._cache: dict[str, dict[str, torch.Tensor]] = {}

    # -- artifacts ------------------------------------------------------------------------------
    def tensors(self, rel: str) -> dict[str, torch.Tensor]:
        if rel not in self._cache:
            self._cache[rel] = load_tensors(self.r.path(rel), rel)
        return self._cache[rel]

    def model_at(self, step: int):
        torch.manual_seed(0)
        model = build_model(self.r.family, self.cfg)
        engine.load_model_tensors(model, self.tensors(self.plan.weights[step]), self.plan.weights[step])
        return model.to(self.device)

    def weights_at(self, step: int) -> dict[str, torch.Tensor]:
        """Published weights at ``step`` keyed like the model's state dict (validated against the config;
        tied aliases filled in, recomputed buffers dropped)."""
        key = f"@weights:{step}"
        if key not in self._cache:
            model = self.model_at(step)
            self._cache[key] = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
        return self._cache[key]

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        if step - 1 >= len(self.batches):
            raise ArtifactProblem(f"data order has no batch for step {step} ({len(self.batches)} batches)")
        x, y = engine.make_batch(self.tokens, self.batches[step - 1], self.seq_len, self.vocab)
        return x.to(self.device), y.to(self.device)

    # -- runs -------------------------------------------------------------------------------------
    def run(self, start: int, end: int, *, micro_batches: int | None = None, swap: tuple[int, int] | None = None) -> Run:
        model = self.model_at(start)
        model.train()
        optim = engine.make_optimizer(model.parameters(), self.r.get("optimizer"))
        engine.load_optimizer_tensors(model, optim, self.tensors(self.plan.optim[start]), self.plan.optim[start])
        sched = self.r.get("schedule")
        clip = self.r.get("clip_grad_norm")
        losses: dict[int, float] = {}
        for step in range(start + 1, end + 1):
            data_step = step
            if swap and step in swap:
                data_step = swap[1] if step == swap[0] else swap[0]
            x, y = self.batch(data_step)
            losses[step] = engine.train_step(model, optim, x, y, engine.lr_at(step, sched), clip=clip,
                                             precision=self.r.precision, micro_batches=micro_batches or self.micro)
        weights = {k: v.detach().to("cpu") for k, v in model.state_dict().items()}
        return Run(start, end, losses, weights)

    def forward_losses(self, step: int, micro_batches: int = 1) -> float:
        """Loss of the published checkpoint at ``step`` on the batch of update ``step + 1``."""
        model = self.model_at(step)
        model.eval()
        x, y = self.batch(step + 1)
        return engine.eval_loss(model, x, y, self.r.precision, micro_batches=micro_batches)

    def noise_split(self) -> int:
        """A micro-batch split different from the published one (changes the reduction order)."""
        for m in (2, 4, 3):
            if m != self.micro and self.size % m == 0:
                return m
        return 1 if self.micro != 1 else self.micro


def swap_pair(start: int, end: int, n_batches: int) -> tuple[int, int] | None:
    """Two data steps to exchange for the deliberately wrong replay."""
    if end - start >= 2:
        return (start + 1, start + 2)
    if end + 1 <= n_batches:
        return (start + 1, end + 1)
    if start >= 1:
        return (start + 1, start)
    return None


def model_params(cfg: dict[str, Any], family: str) -> int:
    torch.manual_seed(0)
    with torch.device("meta"):
        m = build_model(family, cfg)
    return sum(p.numel() for p in m.parameters())
