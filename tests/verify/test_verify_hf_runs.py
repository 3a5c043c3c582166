"""Runs trained with transformers (plain loop and Trainer; GPT-NeoX, Llama, Mistral): honest runs are
REPRODUCED, doctored ones DIVERGED at the right step, what cannot be replayed faithfully UNSUPPORTED."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import HONEST
from hf_runs import doctor_losses, perturb_tensor
from safetensors import safe_open

from openaudit.resources import schema
from openaudit.verify.api import run

REPRODUCED = ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE")


def _run(path, **kw):
    r = run(str(path), device="cpu", **kw)
    jsonschema.validate(r, schema("verification"))
    json.dumps(r, allow_nan=False)
    return r


def _codes(r):
    return {i["code"] for i in r["issues"] if i["kind"] == "unsupported"}


@pytest.mark.parametrize("name", HONEST)
def test_honest_run_is_reproduced(verified, name):
    r = verified(name)
    assert r["verdict"] in REPRODUCED, (r["verdict"], r["reason"])
    assert r["tier"] == "full" and r["missing"] == [] and r["first_divergent_step"] is None
    m = r["metrics"]
    assert m["loss_log"]["compared"] >= 4
    assert m["calibration"]["separated"] is True
    assert m["detection_floor"]["tensor_rel"] < 5e-4  # one tensor changed by 5e-4 is always caught


def test_bf16_trainer_run_is_reproduced_with_bf16_floors(verified):
    r = verified("trainer-bf16")
    assert r["verdict"] in REPRODUCED, r["reason"]
    assert r["metrics"]["tolerance"]["loss_rel"] >= 1e-2 and r["metrics"]["detection_floor"]["tensor_rel"] >= 1e-2


def test_transformers_5_layout_is_what_is_replayed(runs):
    cfg = json.loads((runs.get("llama-rope-linear") / "config.json").read_text())
    assert cfg["rope_parameters"]["rope_type"] == "linear" and "rope_scaling" not in cfg
    with safe_open(str(runs.get("neox") / "ck" / "step-10" / "model.safetensors"), framework="pt") as fh:
        assert "embed_out.weight" in fh.keys()  # noqa: SIM118 (safe_open is not a mapping); saved name; the live module is lm_head


def test_transformers_4_config_keys_replay_the_same(runs, tmp_path):
    d = runs.copy("llama-rope-linear", tmp_path / "r")
    cfg = json.loads((d / "config.json").read_text())
    rope = cfg.pop("rope_parameters")
    cfg.update(
        rope_theta=rope["rope_theta"],
        rope_scaling={"type": "linear", "factor": rope["factor"]},
        transformers_version="4.57.1",
    )
    (d / "config.json").write_text(json.dumps(cfg))
    assert _run(d)["verdict"] in REPRODUCED


def test_live_head_name_in_a_checkpoint_maps_too(runs, tmp_path):
    from safetensors.torch import load_file, save_file

    d = runs.copy("neox", tmp_path / "n")
    for f in d.glob("ck/step-*/model.safetensors"):
        t = load_file(str(f))
        t["lm_head.weight"] = t.pop("embed_out.weight")  # as save_file(model.state_dict()) writes it
        save_file(t, str(f))
    assert _run(d)["verdict"] in REPRODUCED


@pytest.mark.parametrize(
    "name, log, expect",
    [
        ("llama", "loss_log.jsonl", 13),
        ("neox-tied-minlr-window", "loss_log.jsonl", 15),  # logged every 5 updates: the window ending at 15
        ("trainer-llama", "checkpoint-20/trainer_state.json", 15),
        ("trainer-neox", "checkpoint-20/trainer_state.json", 13),
        ("trainer-gpt2", "checkpoint-20/trainer_state.json", 15),
        ("trainer-collator-eos", "checkpoint-20/trainer_state.json", 14),  # logged every 2 updates
    ],
)
def test_losses_doctored_after_a_step_diverge_there(runs, tmp_path, name, log, expect):
    d = runs.copy(name, tmp_path / "d")
    doctor_losses(d / log, after=12, factor=0.97)
    for other in d.glob("checkpoint-*/trainer_state.json"):
        if other != d / log:
            doctor_losses(other, after=12, factor=0.97)
    r = _run(d)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == expect, (
        r["verdict"],
        r["first_divergent_step"],
        r["reason"],
    )


@pytest.mark.parametrize(
    "name, weights, tensor",
    [
        ("llama", "ck/step-20/model.safetensors", "model.layers.1.mlp.down_proj.weight"),
        ("neox", "ck/step-20/model.safetensors", "gpt_neox.layers.0.attention.query_key_value.bias"),
        ("mistral", "ck/step-20/model.safetensors", "model.norm.weight"),
        ("trainer-llama", "checkpoint-20/model.safetensors", "model.layers.0.self_attn.k_proj.weight"),
        ("trainer-neox", "checkpoint-20/model.safetensors", "gpt_neox.final_layer_norm.bias"),
        ("trainer-gpt2", "checkpoint-20/model.safetensors", "transformer.h.0.attn.c_attn.bias"),
        ("trainer-collator-eos", "checkpoint-20/model.safetensors", "model.layers.1.self_attn.o_proj.weight"),
        ("trainer-collator-ragged", "checkpoint-20/model.safetensors", "gpt_neox.layers.1.mlp.dense_h_to_4h.weight"),
    ],
)
def test_one_tensor_changed_by_5e_4_is_caught_at_its_checkpoint(runs, tmp_path, name, weights, tensor):
    d = runs.copy(name, tmp_path / "p")
    perturb_tensor(d / weights, tensor, rel=5e-4)
    r = _run(d)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 20, (r["verdict"], r["reason"])
    assert r["metrics"]["most_diverged_tensors"][0]["tensor"] == tensor


def test_hf_schedule_semantics_first_update_at_lr_0(runs, tmp_path):
    d = runs.copy("llama", tmp_path / "lr")
    text = (d / "recipe.yaml").read_text()
    (d / "recipe.yaml").write_text(text.replace("warmup_steps: 5", "warmup_steps: 6"))
    r = _run(d)
    # update 1 runs at LR 0 under either warmup (0-based step), so the loss of update 2 still agrees; update 2
    # runs at lr/5 vs lr/6 and moves the weights: the loss of update 3 is the first to differ
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 3


def test_declared_lr_must_match_the_optimizer_state(runs, tmp_path):
    d = runs.copy("llama", tmp_path / "lr2")
    (d / "recipe.yaml").write_text((d / "recipe.yaml").read_text().replace("lr: 0.003", "lr: 0.0033"))
    r = _run(d)
    assert r["verdict"] == "NOT_REPRODUCIBLE" and any(i["code"] == "inconsistent" for i in r["issues"])


def test_sparse_rounded_log_reading_and_rounding_are_detected(verified):
    log = verified("neox-tied-minlr-window")["metrics"]["loss_log"]
    assert log["reduce"] == "mean" and log["reading_detected"] is True
    assert log["rounding"] == 4 and log["rounding_declared"] is False


def test_dropout_without_rng_state_is_unsupported(verified, runs, tmp_path):
    r = verified("llama-dropout")  # a plain loop that published no RNG state
    assert r["verdict"] == "UNSUPPORTED" and "dropout" in _codes(r)
    assert "attention_dropout" in r["reason"]
    d = runs.copy("trainer-dropout", tmp_path / "d")
    (d / "checkpoint-20" / "rng_state.pth").unlink()
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and "dropout" in _codes(r)


def test_dropout_is_replayed_from_the_trainers_rng_states(verified):
    r = verified("trainer-dropout")  # masks drawn again; crosses epoch boundaries (100 rows, 16 per update)
    assert r["verdict"] in REPRODUCED and any("dropout replayed" in n for n in r["notes"])
    assert r["metrics"]["calibration"]["noise"].startswith("start weights moved")


def _edit_json(path, **changes):
    d = json.loads(path.read_text())
    d.update(changes)
    path.write_text(json.dumps(d))


@pytest.mark.parametrize(
    "change, code",
    [
        ({"auto_map": {"AutoModelForCausalLM": "modeling_x.X"}}, "remote_code"),
        ({"model_type": "not-a-transformers-model"}, "model_type"),
        ({"rope_parameters": {"rope_type": "made-up", "factor": 2.0, "rope_theta": 10000.0}}, "config_rejected"),
    ],
)
def test_config_openaudit_cannot_replay_is_unsupported(runs, tmp_path, change, code):
    d = runs.copy("llama", tmp_path / "c")
    _edit_json(d / "config.json", **change)
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and code in _codes(r), r["reason"]


def test_recipe_family_must_agree_with_model_type(runs, tmp_path):
    d = runs.copy("neox", tmp_path / "f")
    (d / "recipe.yaml").write_text((d / "recipe.yaml").read_text().replace("family: gpt_neox", "family: llama"))
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and "family_mismatch" in _codes(r)


def test_optimizer_groups_matching_no_grouping_are_unsupported(runs, tmp_path):
    import torch

    d = runs.copy("llama", tmp_path / "g")
    for f in d.glob("ck/step-*/optimizer.pt"):
        sd = torch.load(f, weights_only=True)
        g0, g1 = sd["param_groups"]
        half = len(g0["params"]) // 2
        sd["param_groups"] = [{**g0, "params": g0["params"][:half]}, {**g0, "params": g0["params"][half:]}, g1]
        torch.save(sd, f)
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and "param_groups" in _codes(r)


@pytest.mark.parametrize(
    "change, code",
    [
        ({"optim": "adafactor"}, "optimizer"),
        ({"label_smoothing_factor": 0.1}, "trainer_feature"),
        ({"_n_gpu": 2}, "distributed"),
    ],
)
def test_trainer_options_without_faithful_replay_are_unsupported(runs, tmp_path, change, code):
    from openaudit.verify.trainer_args import read_bin

    d = runs.copy("trainer-llama", tmp_path / "t")
    for ck in d.glob("checkpoint-*"):
        args = read_bin(ck / "training_args.bin", "training_args.bin")
        args.update(change)
        (ck / "training_args.json").write_text(json.dumps(args))  # a published JSON dump takes precedence
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and code in _codes(r), r["reason"]


def test_fp16_on_cpu_is_unsupported_not_diverged(runs, tmp_path):
    d = runs.copy("llama", tmp_path / "h")
    (d / "recipe.yaml").write_text((d / "recipe.yaml").read_text().replace("precision: fp32", "precision: fp16"))
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and "CUDA" in r["reason"]


def test_a_run_made_by_the_transformers_4_57_trainer_is_reproduced(tmp_path):
    """Made by scripts/make_verify_fixture.py under transformers 4.57.1: 4-decimal logs, num_items_in_batch
    counted over every label, config keys of 4.x -- replayed by the installed transformers 5."""
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parent / "fixtures" / "trainer-transformers-4.57"
    r = _run(src)
    assert r["verdict"] in REPRODUCED, r["reason"]
    assert r["metrics"]["loss_log"]["rounding"] == 4
    d = shutil.copytree(src, tmp_path / "doctored")
    for st in d.glob("checkpoint-*/trainer_state.json"):
        doctor_losses(st, after=12, factor=0.97)
    r = _run(d)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 15


@pytest.mark.parametrize(
    "name, weights, step",
    [
        ("trainer-llama", "checkpoint-10/model.safetensors", 10),  # the first checkpoint: no segment ends there
        ("llama", "ck/step-10/model.safetensors", 10),
    ],
)
def test_a_changed_first_checkpoint_is_found_at_its_own_step(runs, tmp_path, name, weights, step):
    d = runs.copy(name, tmp_path / "f")
    tensor = perturb_tensor(d / weights, None, rel=5e-4)
    r = _run(d)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == step, (r["first_divergent_step"], r["reason"])
    assert r["metrics"]["most_diverged_tensors"][0]["tensor"] == tensor


def test_a_schedule_the_logged_learning_rates_contradict_is_unsupported_not_diverged(tmp_path):
    """tiny-open logs the LR of every update; a recipe naming the 1-based recipe-1 cosine for what was
    transformers' 0-based cosine (first update at LR 0) is openaudit misreading the schedule."""
    import shutil

    from conftest import EXAMPLES

    d = shutil.copytree(EXAMPLES / "tiny-open", tmp_path / "t")
    text = (d / "recipe.yaml").read_text()
    text = text.replace("name: get_cosine_with_min_lr_schedule_with_warmup", "name: cosine\n  min_lr: 3.0e-4")
    (d / "recipe.yaml").write_text(text.replace("  kwargs: {min_lr: 3.0e-4}\n", ""))
    r = _run(d, threads=1)
    assert r["verdict"] == "UNSUPPORTED" and "scheduler" in _codes(r)


def test_undeclared_row_layout_is_read_the_way_that_reproduces(runs, tmp_path):
    d = runs.copy("llama", tmp_path / "row")
    (d / "recipe.yaml").write_text((d / "recipe.yaml").read_text().replace("  row: labels\n", ""))
    r = _run(d)
    assert r["verdict"] in REPRODUCED and any("labels rows" in n for n in r["notes"])
    doctor_losses(d / "loss_log.jsonl", after=12)
    r = _run(d)
    assert (
        r["verdict"] == "DIVERGED"
        and r["first_divergent_step"] == 13
        and any("diverges under every reading" in n and "data.row is not declared" in n for n in r["notes"])
    )


def test_collator_runs_read_the_saved_tokenizer_and_the_trainers_config_rewrite(verified, runs):
    """pad = eos inside packed rows: the labels mask every eos (DataCollatorForLanguageModeling), and the
    input embedding had no padding_idx although config.json now names a pad token (the Trainer aligned it
    with the tokenizer after building the model)."""
    cfg = json.loads((runs.get("trainer-collator-eos") / "checkpoint-10" / "config.json").read_text())
    assert cfg["pad_token_id"] == 2
    r = verified("trainer-collator-eos")
    notes = " ".join(r["notes"])
    assert "pad token id 2 (right padding) from checkpoint-30/tokenizer_config.json" in notes
    assert "without padding_idx" in notes and "unmasked" not in notes
    ragged = verified("trainer-collator-ragged")
    assert "updates 29..30 come after the last update the logging interval reaches (step 28)" in " ".join(
        ragged["notes"]
    )


def test_ragged_rows_without_a_known_pad_token_are_unsupported(runs, tmp_path):
    d = runs.copy("trainer-collator-ragged", tmp_path / "r")
    for f in d.glob("checkpoint-*/tokenizer*.json"):
        f.unlink()
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and "data_layout" in _codes(r), (r["verdict"], r["reason"])
    assert "no pad token is known" in r["reason"]


def test_a_pad_token_without_an_id_is_unsupported_not_guessed(runs, tmp_path):
    d = runs.copy("trainer-collator-eos", tmp_path / "u")
    for f in d.glob("checkpoint-*/tokenizer_config.json"):
        _edit_json(f, pad_token="<nowhere>")
    r = _run(d)
    assert r["verdict"] == "UNSUPPORTED" and "data_layout" in _codes(r), (r["verdict"], r["reason"])
    assert "'<nowhere>', which has no id" in r["reason"]


def test_rows_padded_on_the_left_as_the_tokenizer_says(runs, tmp_path):
    """The replay pads on the tokenizer's padding_side; the run was padded on the right, so reading it as
    left-padded changes the batches and the replay diverges (the side is read, not assumed)."""
    d = runs.copy("trainer-collator-ragged", tmp_path / "l")
    for f in d.glob("checkpoint-*/tokenizer_config.json"):
        _edit_json(f, padding_side="left")
    r = _run(d)
    # logged every 4 updates: the first whole window after checkpoint-10 ends at 16
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 16, (r["verdict"], r["reason"])
    assert "(left padding)" in " ".join(r["notes"])


def test_a_run_that_logged_no_loss_is_checked_through_its_weights(verified, runs, tmp_path):
    r = verified("trainer-unlogged")
    assert r["verdict"] in REPRODUCED and r["missing"] == [], (r["verdict"], r["reason"])
    assert any("no loss was logged" in n for n in r["notes"])
    d = runs.copy("trainer-unlogged", tmp_path / "t")
    perturb_tensor(d / "checkpoint-20" / "model.safetensors", "model.layers.0.mlp.up_proj.weight", rel=5e-4)
    r = _run(d)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 20, (r["verdict"], r["reason"])
