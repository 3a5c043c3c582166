"""Every verdict path on tiny transformers runs (plain loop, recipe layout)."""

from __future__ import annotations

import json

import hf_runs
import jsonschema
import pytest

from openaudit.resources import schema
from openaudit.verify.api import run


def _check(result: dict) -> dict:
    jsonschema.validate(result, schema("verification"))
    json.dumps(result, allow_nan=False)
    return result


def _run(path, **kw) -> dict:
    return _check(run(str(path), device="cpu", **kw))


@pytest.fixture
def fresh(tmp_path, runs):
    return runs.copy("llama", tmp_path / "m")


def test_exact(verified):
    r = _check(verified("llama"))
    assert r["verdict"] == "REPRODUCED_EXACT"
    assert r["tier"] == "full" and r["metrics"]["bitwise_equal"] is True
    assert r["metrics"]["loss_rel_error"]["max"] == 0
    assert [(s["start"], s["end"]) for s in r["metrics"]["segments"]] == [(0, 10), (10, 20), (20, 30)]
    cal = r["metrics"]["calibration"]
    assert cal["separated"] is True and cal["wrong_swap"] == [1, 2]
    assert cal["wrong_loss_rel_max"] > r["metrics"]["tolerance"]["loss_rel"]
    env = r["environment"]
    assert env["device"] == "cpu" and env["torch"] and env["transformers"] and env["threads"] >= 1
    assert "use_deterministic_algorithms" in env["deterministic"]
    assert r["reason"] == "replayed losses and weights equal the published ones bit for bit"


def test_within_tolerance_when_log_is_rounded(fresh):
    log = fresh / "loss_log.jsonl"
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    log.write_text("".join(json.dumps({"step": r["step"], "loss": round(r["loss"], 5)}) + "\n" for r in rows))
    r = _run(fresh)
    assert r["verdict"] == "REPRODUCED_WITHIN_TOLERANCE"
    assert r["metrics"]["loss_log"]["rounding"] == 5
    assert 0 < r["metrics"]["loss_rel_error"]["max"] < 1e-5


def test_declared_rounding_is_used(fresh):
    text = (
        (fresh / "recipe.yaml").read_text().replace("  path: loss_log.jsonl", "  path: loss_log.jsonl\n  rounding: 4")
    )
    (fresh / "recipe.yaml").write_text(text)
    log = fresh / "loss_log.jsonl"
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    log.write_text("".join(json.dumps({"step": r["step"], "loss": round(r["loss"], 4)}) + "\n" for r in rows))
    m = _run(fresh)["metrics"]["loss_log"]
    assert m["rounding"] == 4 and m["rounding_declared"] is True


def test_within_tolerance_with_other_reduction_order(fresh):
    (fresh / "recipe.yaml").write_text(
        (fresh / "recipe.yaml").read_text().replace("micro_batches: 1", "micro_batches: 2")
    )
    r = _run(fresh)
    assert r["verdict"] in ("REPRODUCED_WITHIN_TOLERANCE", "REPRODUCED_EXACT")
    assert r["metrics"]["weight_distance"] < r["metrics"]["tolerance"]["weight_distance"]


def test_doctored_loss_is_diverged_at_that_step(fresh):
    log = fresh / "loss_log.jsonl"
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    rows[4]["loss"] *= 0.99  # step 5
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = _run(fresh)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 5
    assert "replayed loss at step 5" in r["reason"]


def test_tampered_end_checkpoint_names_the_tensor(fresh):
    from safetensors.torch import load_file, save_file

    p = fresh / "ck" / "step-30" / "model.safetensors"
    t = load_file(str(p))
    name = "model.layers.0.mlp.down_proj.weight"
    t[name] = t[name] + 0.01
    save_file(t, str(p))
    r = _run(fresh)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 30
    assert r["metrics"]["most_diverged_tensors"][0]["tensor"] == name


def test_wrong_data_order_diverges_at_step_one(tmp_path):
    d = hf_runs.plain_run(tmp_path / "w", steps=10, checkpoints=(0, 10), trained_order_seed=99)
    r = _run(d)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 1


def test_inconclusive_when_batches_cannot_be_told_apart(tmp_path):
    d = hf_runs.plain_run(tmp_path / "s", steps=10, checkpoints=(0, 10), same_batches=True)
    r = _run(d)
    assert r["verdict"] == "INCONCLUSIVE" and r["metrics"]["calibration"]["separated"] is False


def test_missing_optimizer_state_is_not_reproducible_with_forward_audit(fresh):
    for f in fresh.glob("ck/step-*/optimizer.pt"):
        f.unlink()
    r = _run(fresh)
    assert r["verdict"] == "NOT_REPRODUCIBLE" and r["tier"] == "forward"
    assert "optimizer state at step 0 (ck/step-0/optimizer.pt)" in r["missing"]
    assert any("optimizer state at step 20" in m for m in r["missing"])
    checks = r["metrics"]["forward_audit"]["checks"]
    assert [c["checkpoint"] for c in checks] == [0, 10, 20] and all(c["ok"] for c in checks)


@pytest.mark.parametrize(
    "remove, expect",
    [
        ("loss_log.jsonl", "loss log (loss_log.jsonl)"),
        ("order.json", "data order (order.json)"),
        ("tokens.bin", "training data (tokens.bin)"),
        ("config.json", "model config (config.json)"),
    ],
)
def test_missing_artifacts_are_listed(fresh, remove, expect):
    (fresh / remove).unlink()
    r = _run(fresh)
    assert r["verdict"] == "NOT_REPRODUCIBLE" and expect in r["missing"]
    assert any(i["kind"] == "missing" for i in r["issues"])


def test_missing_schedule_section(fresh):
    import yaml

    doc = yaml.safe_load((fresh / "recipe.yaml").read_text())
    del doc["schedule"]
    (fresh / "recipe.yaml").write_text(yaml.safe_dump(doc))
    r = _run(fresh)
    assert r["verdict"] == "NOT_REPRODUCIBLE" and "LR schedule parameters (schedule)" in r["missing"]


def test_steps_cap_compares_losses_only_and_says_so(verified, runs):
    r = _run(runs.get("llama"), steps=5)
    assert r["tier"] == "loss" and r["verdict"] in ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE")
    assert "weights not compared" in r["reason"] and "bit for bit" in r["reason"]
    assert "weights" not in r["reason"].split("(")[0]


def test_optimizer_step_counts_must_match_the_checkpoint(fresh):
    import torch

    p = fresh / "ck" / "step-10" / "optimizer.pt"
    sd = torch.load(p, weights_only=True)
    for st in sd["state"].values():
        st["step"] = torch.tensor(12.0)
    torch.save(sd, p)
    r = _run(fresh)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 10 and "records 12 updates" in r["reason"]
