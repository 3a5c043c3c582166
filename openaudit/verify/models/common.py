"""Pieces shared by the reference decoders (pure torch; imported only when a replay runs)."""
from __future__ import annotations

from typing import Any, Mapping

import torch


class UnsupportedConfig(Exception):
    """The config asks for a feature the reference implementations do not have."""


def need(cfg: Mapping[str, Any], key: str, kind=int) -> Any:
    if key not in cfg:
        raise UnsupportedConfig(f"config has no {key!r}")
    v = cfg[key]
    if kind is int and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
        raise UnsupportedConfig(f"config {key!r} must be a positive integer, got {v!r}")
    if kind is float and (isinstance(v, bool) or not isinstance(v, (int, float))):
        raise UnsupportedConfig(f"config {key!r} must be a number, got {v!r}")
    return v


def rope_cache(seq_len: int, rot_dim: int, base: float, device, dtype=torch.float32):
    inv = 1.0 / (base ** (torch.arange(0, rot_dim, 2, device=device, dtype=torch.float32) / rot_dim))
    t = torch.arange(seq_len, device=device, dtype=torch.float32)
    freqs = torch.outer(t, inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, rot_dim: int) -> torch.Tensor:
    """x: (B, H, T, D); rotate the first ``rot_dim`` channels (GPT-NeoX rotary_pct / Llama full)."""
    xr, xp = x[..., :rot_dim], x[..., rot_dim:]
    xr = xr * cos + rotate_half(xr) * sin
    return torch.cat((xr, xp), dim=-1) if xp.shape[-1] else xr


def activation(name: str):
    import torch.nn.functional as F

    table = {"gelu": F.gelu, "gelu_new": lambda x: F.gelu(x, approximate="tanh"), "relu": F.relu, "silu": F.silu}
    if name not in table:
        raise UnsupportedConfig(f"activation {name!r} is not supported")
    return table[name]
