"""Every verdict path on micro training runs made in a temp folder (each replay takes well under a second)."""
from __future__ import annotations

import json
import random

import jsonschema
import pytest

from openaudit.resources import schema
from openaudit.verify.api import run

from verify_helpers import edit_recipe, make_run


def _check(result: dict) -> dict:
    jsonschema.validate(result, schema("verification"))
    json.dumps(result, allow_nan=False)
    return result


@pytest.fixture(scope="module")
def micro(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("micro") / "m")


@pytest.fixture
def fresh(tmp_path, micro):
    import shutil

    dst = tmp_path / "m"
    shutil.copytree(micro, dst)
    return dst


def test_exact(micro):
    r = _check(run(str(micro)))
    assert r["verdict"] == "REPRODUCED_EXACT"
    assert r["tier"] == "full"
    assert r["metrics"]["bitwise_equal"] is True
    assert r["metrics"]["loss_rel_error"]["max"] == 0
    assert [(s["start"], s["end"]) for s in r["metrics"]["segments"]] == [(0, 3), (3, 6)]
    cal = r["metrics"]["calibration"]
    assert cal["separated"] is True and cal["wrong_swap"] == [1, 2]
    assert cal["wrong_loss_rel_max"] > r["metrics"]["tolerance"]["loss_rel"]
    env = r["environment"]
    assert env["device"] == "cpu" and env["torch"] and env["threads"] >= 1
    assert "use_deterministic_algorithms" in env["deterministic"]


def test_llama_family_exact(tmp_path):
    r = _check(run(str(make_run(tmp_path / "l", family="llama"))))
    assert r["verdict"] == "REPRODUCED_EXACT"


def test_within_tolerance_when_log_is_rounded(fresh):
    log = fresh / "losses.jsonl"
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    log.write_text("".join(json.dumps({"step": r["step"], "loss": round(r["loss"], 5)}) + "\n" for r in rows))
    r = _check(run(str(fresh)))
    assert r["verdict"] == "REPRODUCED_WITHIN_TOLERANCE"
    assert 0 < r["metrics"]["loss_rel_error"]["max"] < 1e-5


def test_within_tolerance_with_other_reduction_order(fresh):
    edit_recipe(fresh, "micro_batches: 1", "micro_batches: 2")
    r = _check(run(str(fresh)))
    assert r["verdict"] in ("REPRODUCED_WITHIN_TOLERANCE", "REPRODUCED_EXACT")
    assert r["metrics"]["weight_distance"] < r["metrics"]["tolerance"]["weight_distance"]


def test_doctored_loss_is_diverged_at_that_step(fresh):
    log = fresh / "losses.jsonl"
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    rows[4]["loss"] *= 0.99  # step 5
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = _check(run(str(fresh)))
    assert r["verdict"] == "DIVERGED"
    assert r["first_divergent_step"] == 5


def test_tampered_end_checkpoint_names_the_tensor(fresh):
    from safetensors.torch import load_file, save_file

    p = fresh / "model.safetensors"
    t = load_file(str(p))
    name = "gpt_neox.layers.0.mlp.dense_4h_to_h.weight"
    t[name] = t[name] + 0.01
    save_file(t, str(p))
    r = _check(run(str(fresh)))
    assert r["verdict"] == "DIVERGED"
    assert r["first_divergent_step"] == 6
    assert r["metrics"]["most_diverged_tensors"][0]["tensor"] == name


def test_tampered_hyperparameter_diverges(fresh):
    edit_recipe(fresh, "lr: 1.0e-2", "lr: 1.1e-2")
    r = _check(run(str(fresh)))
    assert r["verdict"] == "DIVERGED"
    assert r["first_divergent_step"] == 2  # step 1 runs at lr 0.5 * lr in warmup: it already differs in weights


def test_wrong_data_order_diverges_at_step_one(tmp_path):
    rng = random.Random(99)
    other = [[rng.randrange(200) for _ in range(4)] for _ in range(6)]
    r = _check(run(str(make_run(tmp_path / "w", train_order=other))))
    assert r["verdict"] == "DIVERGED"
    assert r["first_divergent_step"] == 1


def test_inconclusive_when_batches_cannot_be_told_apart(tmp_path):
    r = _check(run(str(make_run(tmp_path / "s", same_batches=True))))
    assert r["verdict"] == "INCONCLUSIVE"
    assert r["metrics"]["calibration"]["separated"] is False


def test_missing_optimizer_state_is_not_reproducible_with_forward_audit(fresh):
    for f in fresh.glob("ck/step-*/optimizer.safetensors"):
        f.unlink()
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert r["tier"] == "forward"
    assert any("optimizer state at step 0" in m for m in r["missing"])
    assert any("optimizer state at step 3" in m for m in r["missing"])
    checks = r["metrics"]["forward_audit"]["checks"]
    assert [c["checkpoint"] for c in checks] == [0, 3] and all(c["ok"] for c in checks)


@pytest.mark.parametrize(
    "remove, expect",
    [
        ("losses.jsonl", "loss log (losses.jsonl)"),
        ("order.json", "data order (order.json)"),
        ("data.txt", "training data (data.txt)"),
        ("config.json", "model config (config.json)"),
    ],
)
def test_missing_artifacts_are_listed(fresh, remove, expect):
    (fresh / remove).unlink()
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert expect in r["missing"]


def test_missing_schedule_section(fresh):
    text = (fresh / "recipe.yaml").read_text().splitlines()
    (fresh / "recipe.yaml").write_text("\n".join(l for l in text if not l.startswith("schedule:")) + "\n")
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert "LR schedule parameters (schedule)" in r["missing"]


def test_corrupt_checkpoint_is_unusable_not_a_crash(fresh):
    (fresh / "ck" / "step-3" / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header}")
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert any("step-3/model.safetensors" in m and "unusable" in m for m in r["missing"])


def test_config_that_does_not_match_weights(fresh):
    cfg = json.loads((fresh / "config.json").read_text())
    cfg["intermediate_size"] = 48
    (fresh / "config.json").write_text(json.dumps(cfg))
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert any("do not match the config" in m or "shape" in m for m in r["missing"])


def test_out_of_range_order_is_unusable(fresh):
    (fresh / "order.json").write_text(json.dumps({"batches": [[10**9, 0, 0, 0]] * 6}))
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert any("outside the token store" in m for m in r["missing"])


def test_skipped_budget_reports_estimate(micro):
    r = _check(run(str(micro), budget_seconds=0))
    assert r["verdict"] == "SKIPPED_BUDGET"
    est = r["metrics"]["estimate"]
    assert est["replay_steps"] == 6 and est["calibration_steps"] == 6 and est["flops"] > 0 and est["seconds"] > 0


def test_steps_limit_truncates_to_loss_tier(micro):
    r = _check(run(str(micro), steps=2))
    assert r["verdict"] == "REPRODUCED_EXACT"
    assert r["tier"] == "loss"
    assert r["metrics"]["loss_rel_error"]["steps"] == 2


@pytest.mark.parametrize(
    "old, new, word",
    [
        ("precision: fp32", "precision: fp16", "fp16"),
        ("family: gpt-neox", "family: mamba", "mamba"),
        ("name: adamw", "name: lion", "lion"),
    ],
)
def test_unsupported(fresh, old, new, word):
    edit_recipe(fresh, old, new)
    r = _check(run(str(fresh)))
    assert r["verdict"] == "UNSUPPORTED"
    assert word in r["reason"]


def test_determinism_two_runs_identical(micro):
    a, b = run(str(micro), deterministic=True), run(str(micro))
    assert a["environment"]["deterministic"]["use_deterministic_algorithms"] is True
    assert b["environment"]["deterministic"]["use_deterministic_algorithms"] is False
    strip = lambda r: [s["loss"]["per_step"] for s in r["metrics"]["segments"]]  # noqa: E731
    assert strip(a) == strip(b)


def test_bf16_run_replays(tmp_path):
    r = _check(run(str(make_run(tmp_path / "b", precision="bf16"))))
    assert r["verdict"] in ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE")
    assert r["metrics"]["tolerance"]["loss_rel"] >= 1e-2


def test_sgd_run_replays(tmp_path):
    r = _check(run(str(make_run(tmp_path / "s", opt="sgd"))))
    assert r["verdict"] == "REPRODUCED_EXACT"


def test_empty_loss_log_lists_the_entries(fresh):
    (fresh / "losses.jsonl").write_text("")
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert "loss log entries for steps 1..6 (6 steps)" in r["missing"]


def test_hf_buffers_in_checkpoints_are_ignored(fresh):
    import torch
    from safetensors.torch import load_file, save_file

    for p in [fresh / "model.safetensors", *fresh.glob("ck/step-*/model.safetensors")]:
        t = load_file(str(p))
        t["gpt_neox.layers.0.attention.rotary_emb.inv_freq"] = torch.ones(2)
        t["gpt_neox.layers.0.attention.masked_bias"] = torch.tensor(-1e9)
        save_file(t, str(p))
    assert _check(run(str(fresh)))["verdict"] == "REPRODUCED_EXACT"


def test_short_data_order_is_unusable(fresh):
    order = json.loads((fresh / "order.json").read_text())
    (fresh / "order.json").write_text(json.dumps({"batches": order["batches"][:4]}))
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert any("no batch for step 5" in m for m in r["missing"])


def test_config_inflated_beyond_the_weights_is_refused_before_building(fresh, monkeypatch):
    import openaudit.verify.models as models
    import openaudit.verify.replay as replay

    cfg = json.loads((fresh / "config.json").read_text())
    cfg["num_hidden_layers"] = 100_000
    (fresh / "config.json").write_text(json.dumps(cfg))
    boom = lambda *a, **k: (_ for _ in ()).throw(AssertionError("a model was built"))  # noqa: E731
    monkeypatch.setattr(models, "build_model", boom)
    monkeypatch.setattr(replay, "build_model", boom)
    r = _check(run(str(fresh)))
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert any("the config implies" in m for m in r["missing"])
