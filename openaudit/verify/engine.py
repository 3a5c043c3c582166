"""The training step both the published training script and the replay run: data batches from a
token store + order, LR schedule, AdamW/SGD with state in safetensors, clipping, precision.
Imports torch; only loaded when training or replaying."""
from __future__ import annotations

import math
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch
import torch.nn.functional as F

from openaudit.verify.artifacts import ArtifactProblem

# Buffers some Hugging Face checkpoints carry that are recomputed from the config, not trained.
NON_PARAMETER_BUFFERS = (".attention.bias", ".attention.masked_bias", ".rotary_emb.inv_freq")


def lr_at(step: int, sched: Mapping[str, Any]) -> float:
    """LR of update ``step`` (1-based): linear warmup over ``warmup_steps`` updates, then
    constant / linear / cosine decay to ``min_lr`` at ``total_steps``."""
    lr = float(sched["lr"])
    warm = int(sched.get("warmup_steps", 0))
    total = int(sched.get("total_steps", max(step, 1)))
    floor = float(sched.get("min_lr", 0.0))
    if warm and step <= warm:
        return lr * step / warm
    name = sched["name"]
    if name == "constant" or total <= warm:
        return lr
    progress = min(1.0, (step - warm) / (total - warm))
    if name == "linear":
        return floor + (lr - floor) * (1.0 - progress)
    return floor + (lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def load_tokens(path: Path, fmt: str) -> torch.Tensor:
    raw = path.read_bytes()
    if fmt == "bytes":
        return torch.frombuffer(bytearray(raw), dtype=torch.uint8).to(torch.long)
    width = 2 if fmt == "uint16" else 4
    if len(raw) % width:
        raise ArtifactProblem(f"{path.name}: size {len(raw)} is not a multiple of {width} ({fmt} tokens)")
    dt = torch.int16 if fmt == "uint16" else torch.int32
    t = torch.frombuffer(bytearray(raw), dtype=dt).to(torch.long)
    return t & 0xFFFF if fmt == "uint16" else t & 0xFFFFFFFF


def check_order(batches: Any, n_tokens: int, size: int, seq_len: int, rel: str) -> list[list[int]]:
    if not isinstance(batches, list):
        raise ArtifactProblem(f"{rel}: 'batches' must be a list of lists of offsets")
    for i, b in enumerate(batches):
        if not isinstance(b, list) or len(b) != size:
            raise ArtifactProblem(f"{rel}: batch {i} must list exactly {size} offsets")
        for o in b:
            if isinstance(o, bool) or not isinstance(o, int) or o < 0 or o + seq_len + 1 > n_tokens:
                raise ArtifactProblem(f"{rel}: batch {i} offset {o!r} is outside the token store ({n_tokens} tokens)")
    return batches


def make_batch(tokens: torch.Tensor, offsets: Sequence[int], seq_len: int, vocab: int) -> tuple[torch.Tensor, torch.Tensor]:
    idx = torch.tensor(list(offsets), dtype=torch.long)[:, None] + torch.arange(seq_len + 1)[None, :]
    seqs = tokens[idx]
    if int(seqs.max()) >= vocab:
        raise ArtifactProblem(f"token id {int(seqs.max())} is outside the vocabulary ({vocab})")
    return seqs[:, :-1].contiguous(), seqs[:, 1:].contiguous()


def make_optimizer(params, opt: Mapping[str, Any]) -> torch.optim.Optimizer:
    name = str(opt["name"]).lower()
    wd = float(opt.get("weight_decay", 0.0))
    if name in ("adamw", "adam"):
        betas = tuple(float(b) for b in opt.get("betas", (0.9, 0.999)))
        cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
        return cls(params, lr=0.0, betas=betas, eps=float(opt.get("eps", 1e-8)), weight_decay=wd, foreach=False)
    return torch.optim.SGD(params, lr=0.0, momentum=float(opt.get("momentum", 0.0)), weight_decay=wd, foreach=False)


def optimizer_tensors(model: torch.nn.Module, optim: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """Optimizer state keyed by parameter name: ``<param>.<slot>`` (exp_avg, exp_avg_sq, step, momentum_buffer)."""
    out: dict[str, torch.Tensor] = {}
    fresh = isinstance(optim, (torch.optim.Adam, torch.optim.AdamW))
    for name, p in model.named_parameters():
        state = optim.state.get(p) or ({"step": torch.tensor(0.0), "exp_avg": torch.zeros_like(p),
                                        "exp_avg_sq": torch.zeros_like(p)} if fresh else {})
        for slot, v in state.items():
            if isinstance(v, torch.Tensor):
                out[f"{name}.{slot}"] = v.detach().clone()
            elif v is not None:
                out[f"{name}.{slot}"] = torch.tensor(float(v))
    return out


def load_optimizer_tensors(model: torch.nn.Module, optim: torch.optim.Optimizer, tensors: Mapping[str, torch.Tensor], rel: str) -> None:
    names = dict(model.named_parameters())
    slots: dict[str, dict[str, torch.Tensor]] = {}
    for key, v in tensors.items():
        pname, _, slot = key.rpartition(".")
        if pname not in names:
            raise ArtifactProblem(f"{rel}: state {key!r} names no model parameter")
        slots.setdefault(pname, {})[slot] = v
    if not slots:  # a fresh optimizer (e.g. the step-0 checkpoint of SGD without momentum)
        return
    for pname, p in names.items():
        st = slots.get(pname)
        if not st:
            raise ArtifactProblem(f"{rel}: no optimizer state for parameter {pname!r}")
        for slot, v in st.items():
            if slot != "step" and tuple(v.shape) != tuple(p.shape):
                raise ArtifactProblem(f"{rel}: {pname}.{slot} has shape {tuple(v.shape)}, parameter has {tuple(p.shape)}")
            if not torch.isfinite(v).all():
                raise ArtifactProblem(f"{rel}: {pname}.{slot} holds non-finite values")
        optim.state[p] = {k: (v.to(torch.float32).reshape(()).clone() if k == "step" else v.to(p.device, p.dtype).clone())
                          for k, v in st.items()}


def load_model_tensors(model: torch.nn.Module, tensors: Mapping[str, torch.Tensor], rel: str) -> None:
    own = model.state_dict()
    tensors = {k: v for k, v in tensors.items() if not k.endswith(NON_PARAMETER_BUFFERS)}
    for k, v in own.items():  # tied weights may be stored once (e.g. lm_head = embed_tokens)
        if k not in tensors:
            alias = next((a for a, w in own.items() if a in tensors and w.data_ptr() == v.data_ptr()), None)
            if alias is not None:
                tensors[k] = tensors[alias]
    missing = [k for k in own if k not in tensors]
    extra = [k for k in tensors if k not in own]
    if missing or extra:
        what = f"missing {missing[:3]}" if missing else f"unexpected {extra[:3]}"
        raise ArtifactProblem(f"{rel}: tensors do not match the config ({what})")
    for k, v in own.items():
        if tuple(tensors[k].shape) != tuple(v.shape):
            raise ArtifactProblem(f"{rel}: {k} has shape {tuple(tensors[k].shape)}, config implies {tuple(v.shape)}")
    model.load_state_dict({k: tensors[k].to(v.dtype) for k, v in own.items()}, strict=True)


def autocast(device: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return nullcontext()


def train_step(model, optim, x: torch.Tensor, y: torch.Tensor, lr: float, *, clip: float | None,
               precision: str = "fp32", micro_batches: int = 1) -> float:
    """One optimizer update on batch (x, y); returns the batch mean loss. ``micro_batches`` > 1
    accumulates gradients over equal splits (same maths, different reduction order)."""
    for g in optim.param_groups:
        g["lr"] = lr
    optim.zero_grad(set_to_none=True)
    n = x.shape[0]
    total = None
    for xs, ys in zip(x.chunk(micro_batches), y.chunk(micro_batches)):
        with autocast(x.device, precision):
            logits = model(xs)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ys.reshape(-1))
        part = loss if micro_batches == 1 else loss * (xs.shape[0] / n)
        part.backward()
        total = part.detach() if total is None else total + part.detach()
    if clip:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip, foreach=False)
    optim.step()
    return float(total)


@torch.no_grad()
def eval_loss(model, x: torch.Tensor, y: torch.Tensor, precision: str = "fp32", micro_batches: int = 1) -> float:
    n = x.shape[0]
    total = 0.0
    for xs, ys in zip(x.chunk(micro_batches), y.chunk(micro_batches)):
        with autocast(x.device, precision):
            logits = model(xs)
        total += float(F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), ys.reshape(-1))) * (xs.shape[0] / n)
    return total
