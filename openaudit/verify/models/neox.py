"""GPT-NeoX-style decoder (Pythia): fused QKV, partial rotary, LayerNorm with bias, optional
parallel residual. Parameter names follow Hugging Face ``GPTNeoXForCausalLM`` so published
checkpoints load by name."""
from __future__ import annotations

from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from openaudit.verify.models.common import UnsupportedConfig, activation, apply_rope, need, rope_cache


class Attention(nn.Module):
    def __init__(self, d: int, heads: int, rot_dim: int, base: float):
        super().__init__()
        self.heads, self.hd, self.rot_dim, self.base = heads, d // heads, rot_dim, base
        self.query_key_value = nn.Linear(d, 3 * d)
        self.dense = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        qkv = self.query_key_value(x).view(b, t, self.heads, 3 * self.hd).permute(0, 2, 1, 3)
        q, k, v = qkv.split(self.hd, dim=-1)
        cos, sin = rope_cache(t, self.rot_dim, self.base, x.device, q.dtype)
        q, k = apply_rope(q, cos, sin, self.rot_dim), apply_rope(k, cos, sin, self.rot_dim)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.dense(y.transpose(1, 2).reshape(b, t, d))


class MLP(nn.Module):
    def __init__(self, d: int, inner: int, act: str):
        super().__init__()
        self.dense_h_to_4h = nn.Linear(d, inner)
        self.dense_4h_to_h = nn.Linear(inner, d)
        self.act = activation(act)

    def forward(self, x):
        return self.dense_4h_to_h(self.act(self.dense_h_to_4h(x)))


class Layer(nn.Module):
    def __init__(self, d, heads, inner, rot_dim, base, eps, act, parallel):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(d, eps=eps)
        self.post_attention_layernorm = nn.LayerNorm(d, eps=eps)
        self.attention = Attention(d, heads, rot_dim, base)
        self.mlp = MLP(d, inner, act)
        self.parallel = parallel

    def forward(self, x):
        a = self.attention(self.input_layernorm(x))
        if self.parallel:
            return x + a + self.mlp(self.post_attention_layernorm(x))
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x))


class Body(nn.Module):
    def __init__(self, cfg: Mapping[str, Any]):
        super().__init__()
        d = need(cfg, "hidden_size")
        heads = need(cfg, "num_attention_heads")
        if d % heads:
            raise UnsupportedConfig("hidden_size is not a multiple of num_attention_heads")
        hd = d // heads
        rot = int(hd * float(cfg.get("rotary_pct", 0.25)))
        rot -= rot % 2
        self.embed_in = nn.Embedding(need(cfg, "vocab_size"), d)
        self.layers = nn.ModuleList(
            Layer(d, heads, int(cfg.get("intermediate_size", 4 * d)), rot, float(cfg.get("rotary_emb_base", 10000)),
                  float(cfg.get("layer_norm_eps", 1e-5)), str(cfg.get("hidden_act", "gelu")),
                  bool(cfg.get("use_parallel_residual", True)))
            for _ in range(need(cfg, "num_hidden_layers"))
        )
        self.final_layer_norm = nn.LayerNorm(d, eps=float(cfg.get("layer_norm_eps", 1e-5)))

    def forward(self, ids):
        x = self.embed_in(ids)
        for layer in self.layers:
            x = layer(x)
        return self.final_layer_norm(x)


class GPTNeoX(nn.Module):
    def __init__(self, cfg: Mapping[str, Any]):
        super().__init__()
        if cfg.get("attention_bias", True) is False:
            raise UnsupportedConfig("attention_bias=false is not supported")
        self.gpt_neox = Body(cfg)
        self.embed_out = nn.Linear(need(cfg, "hidden_size"), need(cfg, "vocab_size"), bias=False)
        if cfg.get("tie_word_embeddings", False):
            self.embed_out.weight = self.gpt_neox.embed_in.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embed_out(self.gpt_neox(ids))
