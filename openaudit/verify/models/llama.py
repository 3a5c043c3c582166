"""Llama-style decoder: RMSNorm, rotary embeddings (full head dim), SwiGLU MLP, grouped-query
attention, no biases. Parameter names follow Hugging Face ``LlamaForCausalLM``."""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from openaudit.verify.models.common import UnsupportedConfig, activation, apply_rope, need, rope_cache


class RMSNorm(nn.Module):
    def __init__(self, d: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * y.to(x.dtype)


class Attention(nn.Module):
    def __init__(self, d, heads, kv_heads, base, bias):
        super().__init__()
        if heads % kv_heads:
            raise UnsupportedConfig("num_attention_heads is not a multiple of num_key_value_heads")
        self.heads, self.kv, self.hd, self.base = heads, kv_heads, d // heads, base
        self.q_proj = nn.Linear(d, heads * self.hd, bias=bias)
        self.k_proj = nn.Linear(d, kv_heads * self.hd, bias=bias)
        self.v_proj = nn.Linear(d, kv_heads * self.hd, bias=bias)
        self.o_proj = nn.Linear(heads * self.hd, d, bias=bias)

    def forward(self, x):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv, self.hd).transpose(1, 2)
        cos, sin = rope_cache(t, self.hd, self.base, x.device, q.dtype)
        q, k = apply_rope(q, cos, sin, self.hd), apply_rope(k, cos, sin, self.hd)
        if self.kv != self.heads:
            rep = self.heads // self.kv
            k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.heads * self.hd))


class MLP(nn.Module):
    def __init__(self, d, inner, act):
        super().__init__()
        self.gate_proj = nn.Linear(d, inner, bias=False)
        self.up_proj = nn.Linear(d, inner, bias=False)
        self.down_proj = nn.Linear(inner, d, bias=False)
        self.act = activation(act)

    def forward(self, x):
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, cfg, d):
        super().__init__()
        eps = float(cfg.get("rms_norm_eps", 1e-6))
        heads = need(cfg, "num_attention_heads")
        self.self_attn = Attention(d, heads, int(cfg.get("num_key_value_heads", heads)),
                                   float(cfg.get("rope_theta", 10000.0)), bool(cfg.get("attention_bias", False)))
        self.mlp = MLP(d, need(cfg, "intermediate_size"), str(cfg.get("hidden_act", "silu")))
        self.input_layernorm = RMSNorm(d, eps)
        self.post_attention_layernorm = RMSNorm(d, eps)

    def forward(self, x):
        x = x + self.self_attn(self.input_layernorm(x))
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = need(cfg, "hidden_size")
        if d % need(cfg, "num_attention_heads"):
            raise UnsupportedConfig("hidden_size is not a multiple of num_attention_heads")
        self.embed_tokens = nn.Embedding(need(cfg, "vocab_size"), d)
        self.layers = nn.ModuleList(Layer(cfg, d) for _ in range(need(cfg, "num_hidden_layers")))
        self.norm = RMSNorm(d, float(cfg.get("rms_norm_eps", 1e-6)))

    def forward(self, ids):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x)
        return self.norm(x)


class Llama(nn.Module):
    def __init__(self, cfg: Mapping[str, Any]):
        super().__init__()
        if cfg.get("rope_scaling"):
            raise UnsupportedConfig("rope_scaling is not supported")
        self.model = Body(cfg)
        self.lm_head = nn.Linear(need(cfg, "hidden_size"), need(cfg, "vocab_size"), bias=False)
        if cfg.get("tie_word_embeddings", False):
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, ids):
        return self.lm_head(self.model(ids))
