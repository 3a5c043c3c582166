"""Published GPT-NeoX (Pythia) and OLMo configs -> replay recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

from openaudit.errors import InvalidDocument
from openaudit.verify.adapters import detect, from_neox, from_olmo
from openaudit.verify.api import resolve, run
from openaudit.verify.recipe import read_yaml, validate

FIX = Path(__file__).resolve().parent / "fixtures"


def test_pythia_config_maps_to_recipe():
    doc = read_yaml(FIX / "pythia-160m.yml")
    assert detect(doc) == "neox"
    a = from_neox(doc, "pythia-160m.yml")
    validate(a.recipe, "adapted")
    r = a.recipe
    cfg = r["model"]["config"]
    assert r["model"]["family"] == "gpt-neox"
    assert (cfg["num_hidden_layers"], cfg["hidden_size"], cfg["num_attention_heads"]) == (12, 768, 12)
    assert cfg["rotary_pct"] == 0.25 and cfg["use_parallel_residual"] is True and cfg["tie_word_embeddings"] is False
    assert r["optimizer"] == {"name": "adamw", "betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.01}
    assert r["schedule"] == {
        "name": "cosine",
        "lr": 0.0006,
        "warmup_steps": 1430,
        "total_steps": 143000,
        "min_lr": 0.00006,
    }
    assert r["batch"] == {"size": 32, "seq_len": 2048, "micro_batches": 1}
    assert r["clip_grad_norm"] == 1.0 and r["precision"] == "fp16"
    assert r["data"]["path"].endswith("pile_20B_tokenizer_text_document.bin")
    steps = r["checkpoints"]["steps"]
    assert steps[:4] == [0, 1, 2, 4] and 143000 in steps and 1000 in steps
    assert any("vocab" in n for n in a.notes)


def test_olmo_config_maps_to_recipe():
    doc = read_yaml(FIX / "OLMo-1B.yaml")
    assert detect(doc) == "olmo"
    a = from_olmo(doc, "OLMo-1B.yaml")
    validate(a.recipe, "adapted")
    r = a.recipe
    cfg = r["model"]["config"]
    assert (cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]) == (2048, 16, 16)
    assert cfg["intermediate_size"] == 8192 and cfg["vocab_size"] == 50304 and cfg["tie_word_embeddings"] is True
    assert r["model"]["family"] == "llama"
    assert any("layer_norm_type 'default'" in g for g in a.gaps)  # non-parametric LayerNorm: not Llama's RMSNorm
    assert r["optimizer"]["name"] == "adamw" and r["optimizer"]["betas"] == [0.9, 0.95]
    assert r["schedule"] == {
        "name": "cosine",
        "lr": 4e-4,
        "warmup_steps": 2000,
        "min_lr": pytest.approx(4e-5),
        "total_steps": 739328,
    }
    assert r["batch"] == {"size": 2048, "seq_len": 2048}
    assert r["precision"] == "bf16" and r["seed"] == 6198 and r["clip_grad_norm"] == 1.0
    assert any("3 token files" in n for n in a.notes)


def test_olmo_rms_config_is_llama_family():
    doc = read_yaml(FIX / "OLMo-1B.yaml")
    doc["model"]["layer_norm_type"] = "rms"
    a = from_olmo(doc, "x")
    assert a.recipe["model"]["family"] == "llama"


def test_verify_on_published_configs_reports_what_is_missing():
    r = run(str(FIX / "pythia-160m.yml"))
    assert r["verdict"] == "UNSUPPORTED" and "fp16" in r["reason"]
    assert "data order (data.order)" in r["missing"] and "loss log (loss_log)" in r["missing"]
    assert any(m.startswith("checkpoint weights at 154 declared steps") for m in r["missing"])
    r = run(str(FIX / "OLMo-1B.yaml"))
    assert r["verdict"] == "UNSUPPORTED" and "layer_norm_type" in r["reason"]


def test_bf16_neox_config_without_fp16_is_not_refused_for_precision(tmp_path):
    text = (FIX / "pythia-160m.yml").read_text().replace('"enabled": true', '"enabled": false')
    text = text.replace(
        '"launcher": "slurm",', '"launcher": "slurm", "padded-vocab-size": 50304, "bf16": {"enabled": true},'
    )
    p = tmp_path / "neox.yml"
    p.write_text(text)
    r = run(str(p))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert not any("vocab_size" in m for m in r["missing"])


@pytest.mark.parametrize("patch", [{"num-layers": "twelve"}, {"hidden-size": 7.5}])
def test_bad_neox_values_are_invalid_documents(patch):
    doc = read_yaml(FIX / "pythia-160m.yml")
    doc.update(patch)
    with pytest.raises(InvalidDocument):
        from_neox(doc, "bad.yml")


def test_yaml_that_is_neither_recipe_nor_config(tmp_path):
    p = tmp_path / "other.yaml"
    p.write_text("hello: world\n")
    with pytest.raises(InvalidDocument, match="neither a recipe"):
        resolve(str(p))
