"""Reference decoders: built from config, Hugging Face parameter names, causal, deterministic."""
from __future__ import annotations

import pytest
import torch

from openaudit.verify.models import UnsupportedConfig, build_model, family_of

from verify_helpers import LLAMA, NEOX


def test_neox_parameter_names_follow_hf():
    names = set(build_model("gpt-neox", NEOX).state_dict())
    assert {"gpt_neox.embed_in.weight", "gpt_neox.layers.0.attention.query_key_value.weight",
            "gpt_neox.layers.0.mlp.dense_4h_to_h.bias", "gpt_neox.final_layer_norm.weight", "embed_out.weight"} <= names


def test_llama_parameter_names_follow_hf():
    names = set(build_model("llama", LLAMA).state_dict())
    assert {"model.embed_tokens.weight", "model.layers.0.self_attn.k_proj.weight", "model.layers.0.mlp.gate_proj.weight",
            "model.norm.weight", "lm_head.weight"} <= names
    assert tuple(build_model("llama", LLAMA).state_dict()["model.layers.0.self_attn.k_proj.weight"].shape) == (8, 16)


@pytest.mark.parametrize("fam, cfg", [("gpt-neox", NEOX), ("llama", LLAMA)])
def test_causal_and_deterministic(fam, cfg):
    torch.manual_seed(0)
    m = build_model(fam, cfg).eval()
    x = torch.randint(0, 256, (2, 12))
    with torch.no_grad():
        a = m(x)
        b = m(x)
        y = x.clone()
        y[:, 8:] = (y[:, 8:] + 1) % 256
        c = m(y)
    assert a.shape == (2, 12, 256)
    assert torch.equal(a, b)
    assert torch.equal(a[:, :8], c[:, :8])  # later tokens never change earlier logits
    assert not torch.equal(a[:, 8:], c[:, 8:])


def test_family_from_model_type_and_unknown():
    assert family_of(None, {"model_type": "gpt_neox"}) == "gpt_neox"
    assert family_of("llama", {}) == "llama"
    with pytest.raises(UnsupportedConfig):
        family_of("mamba", {"model_type": "mamba"})


@pytest.mark.parametrize("bad", [{"hidden_size": 15}, {"num_hidden_layers": 0}, {"hidden_act": "swish2"}, {"vocab_size": "x"}])
def test_bad_configs_are_unsupported(bad):
    with pytest.raises(UnsupportedConfig):
        build_model("gpt-neox", {**NEOX, **bad})
