"""One optimizer update as the publisher's loop ran it: forward with transformers' model code (and its
loss), gradient accumulation over micro-batches with the publisher's loss normalisation, clipping,
precision (autocast; fp16 loss scaling with the published scaler state on CUDA), optimizer step.

Loss conventions (``mode``):

* ``window``: rows are ``seq_len + 1`` token windows; the loss is ``cross_entropy(logits(x), y)`` over the
  next-token targets, computed in fp32 (openaudit's recipe-1 layout);
* ``batch_mean``: ``model(input_ids, labels).loss`` per micro-batch, each weighted by its share of rows
  (a plain loop; one micro-batch is just the model's loss);
* ``micro_mean``: each micro-batch's model loss divided by the number of micro-batches (the Trainer when
  the model takes no loss kwargs);
* ``tokens`` / ``tokens_all``: the model sums the token losses and divides by ``num_items_in_batch``,
  the count of target labels in the whole update (the Trainer's normalisation: ``tokens`` counts the
  shifted labels, as transformers >= 5.10.1 does; ``tokens_all`` counts every non-ignored label, as
  earlier versions did).

Each micro-batch contributes a float32 loss part; the parts are what a loop logs (the Trainer adds them
to its running ``tr_loss``). Imports torch; only loaded when a replay runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

import torch
import torch.nn.functional as F

from openaudit.verify.codes import ArtifactProblem, Code, ReplayGap

MODES = ("window", "batch_mean", "micro_mean", "tokens", "tokens_all")


def autocast(device: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    if precision == "fp16":
        return torch.autocast(device_type=device.type, dtype=torch.float16)
    return nullcontext()


def count_items(micro: list[Mapping[str, torch.Tensor]], mode: str) -> torch.Tensor:
    if mode == "tokens":
        return sum(mb["labels"][..., 1:].ne(-100).sum() for mb in micro)
    return sum(mb["labels"].ne(-100).sum() for mb in micro)


def _forward_loss(model, mb: Mapping[str, torch.Tensor], mode: str, precision: str, num_items) -> torch.Tensor:
    dev = mb["input_ids"].device
    with autocast(dev, precision):
        if mode == "window":
            logits = model(input_ids=mb["input_ids"]).logits
        else:
            kwargs: dict[str, Any] = {"input_ids": mb["input_ids"], "labels": mb["labels"]}
            if "attention_mask" in mb:
                kwargs["attention_mask"] = mb["attention_mask"]
            if num_items is not None:
                kwargs["num_items_in_batch"] = num_items
            loss = model(**kwargs).loss
    if mode == "window":
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), mb["targets"].reshape(-1))
    if loss is None:
        raise ReplayGap(Code.LOSS_CONVENTION, "the model returned no loss for the labels")
    return loss


def weights(micro: list[Mapping[str, torch.Tensor]], mode: str, accumulation: int | None = None) -> list[float | None]:
    """Factor each micro-batch loss is multiplied by (None: used as is)."""
    if mode in ("tokens", "tokens_all"):
        return [None] * len(micro)
    if mode == "micro_mean":
        n = accumulation or len(micro)
        return [None if n == 1 else 1.0 / n for _ in micro]
    rows = sum(int(mb["input_ids"].shape[0]) for mb in micro)
    if len(micro) == 1:
        return [None]
    return [int(mb["input_ids"].shape[0]) / rows for mb in micro]


def split(micro: list[dict[str, torch.Tensor]], mode: str) -> tuple[list[dict[str, torch.Tensor]], list[float | None]]:
    """The same update cut into twice as many micro-batches with the same maths (the calibration's
    'noise' replay: only the reduction order changes)."""
    base = weights(micro, mode)
    out: list[dict[str, torch.Tensor]] = []
    w: list[float | None] = []
    for mb, f in zip(micro, base):
        n = int(mb["input_ids"].shape[0])
        if n < 2:
            out.append(mb)
            w.append(f)
            continue
        cut = (n + 1) // 2
        for lo, hi in ((0, cut), (cut, n)):
            out.append({k: v[lo:hi] for k, v in mb.items()})
            if mode in ("tokens", "tokens_all"):
                w.append(None)
            else:
                w.append((1.0 if f is None else f) * (hi - lo) / n)
    return out, w


def train_step(
    model,
    optim,
    micro: list[dict[str, torch.Tensor]],
    lrs: list[float],
    *,
    mode: str,
    clip: float | None,
    precision: str = "fp32",
    factors: list[float | None] | None = None,
    scaler=None,
) -> list[torch.Tensor]:
    """One update; returns the float32 loss part of every micro-batch (their sum is the step's loss)."""
    if len(lrs) != len(optim.param_groups):
        raise ArtifactProblem(f"{len(lrs)} learning rates for {len(optim.param_groups)} parameter groups")
    for g, lr in zip(optim.param_groups, lrs):
        g["lr"] = lr
    optim.zero_grad(set_to_none=True)
    factors = factors if factors is not None else weights(micro, mode)
    num_items = count_items(micro, mode) if mode in ("tokens", "tokens_all") else None
    parts: list[torch.Tensor] = []
    for mb, f in zip(micro, factors):
        loss = _forward_loss(model, mb, mode, precision, num_items)
        part = loss if f is None else loss * f
        if not torch.isfinite(part):
            raise ArtifactProblem("the replayed loss is not finite", Code.UNREADABLE)
        (scaler.scale(part) if scaler is not None else part).backward()
        parts.append(part.detach().float())
    if clip:
        if scaler is not None:
            scaler.unscale_(optim)
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    if scaler is not None:
        scaler.step(optim)
        scaler.update()
    else:
        optim.step()
    return parts


@torch.no_grad()
def eval_parts(
    model,
    micro: list[dict[str, torch.Tensor]],
    *,
    mode: str,
    precision: str = "fp32",
    factors: list[float | None] | None = None,
) -> list[torch.Tensor]:
    """The loss parts of an update's batch without updating (the forward-only loss audit)."""
    factors = factors if factors is not None else weights(micro, mode)
    num_items = count_items(micro, mode) if mode in ("tokens", "tokens_all") else None
    out = []
    for mb, f in zip(micro, factors):
        loss = _forward_loss(model, mb, mode, precision, num_items)
        out.append((loss if f is None else loss * f).detach().float())
    return out


def step_value(parts: list[torch.Tensor]) -> float:
    """A step's loss as a float32 running sum of its parts (how the Trainer accumulates ``tr_loss``)."""
    total = torch.zeros((), dtype=torch.float32)
    for p in parts:
        total = total + p.to("cpu")
    return float(total)
