"""The shipped examples give their verdicts (examples/tiny-open, examples/tiny-trainer, examples/variants/*).

Exactness depends on the platform: on the CPU and library versions that wrote them the replays are
bit-for-bit (REPRODUCED_EXACT); elsewhere floating-point reduction order may differ and the honest
examples are REPRODUCED_WITHIN_TOLERANCE -- both are accepted here, as the docs say."""

from __future__ import annotations

import json
import pickle

import jsonschema
import pytest
from conftest import EXAMPLES

from openaudit.resources import schema
from openaudit.verify.api import run

VARIANTS = EXAMPLES / "variants"
REPRODUCED = ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE")


def _run(path, **kw):
    r = run(str(path), device="cpu", threads=1, **kw)
    jsonschema.validate(r, schema("verification"))
    return r


@pytest.fixture(scope="module")
def tiny_open():
    return _run(EXAMPLES / "tiny-open")


def test_tiny_open_reproduces(tiny_open):
    r = tiny_open
    assert r["verdict"] in REPRODUCED, r["reason"]
    assert r["tier"] == "full" and r["missing"] == []
    assert r["environment"]["threads"] == 1


def test_tiny_trainer_reproduces():
    r = _run(EXAMPLES / "tiny-trainer")
    assert r["verdict"] in REPRODUCED, r["reason"]
    assert r["tier"] == "full" and r["missing"] == []
    assert [(s["start"], s["end"]) for s in r["metrics"]["segments"]] == [(10, 20), (20, 30)]
    assert r["metrics"]["loss_log"]["reduce"] == "mean"  # logging_steps 5: window means


def test_tiny_trainer_is_small_and_as_the_trainer_left_it():
    root = EXAMPLES / "tiny-trainer"
    for rel in (
        "README.md",
        "LICENSE",
        "train.py",
        "train_dataset.jsonl",
        "model.safetensors",
        "trainer_state.json",
        "checkpoint-10/optimizer.pt",
        "checkpoint-10/scheduler.pt",
        "checkpoint-10/training_args.bin",
        "checkpoint-20/trainer_state.json",
        "checkpoint-30/model.safetensors",
    ):
        assert (root / rel).is_file(), rel
    assert sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) < 2_000_000


def test_tiny_open_is_a_complete_open_release():
    root = EXAMPLES / "tiny-open"
    for rel in (
        "README.md",
        "LICENSE",
        "config.json",
        "train.py",
        "data/train.txt",
        "data_order.json",
        "recipe.yaml",
        "loss_log.jsonl",
        "model.safetensors",
        "checkpoints/step-10/optimizer.safetensors",
    ):
        assert (root / rel).is_file(), rel
    card = (root / "README.md").read_text()
    assert card.startswith("---\nlicense: apache-2.0\n")
    assert "Apache License" in (root / "LICENSE").read_text()
    assert json.loads((root / "config.json").read_text())["model_type"] == "gpt_neox"
    assert sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) < 3_000_000


def test_doctored_loss_log_diverges():
    r = _run(VARIANTS / "doctored-loss-log", steps=20)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 15


def test_wrong_data_order_diverges():
    r = _run(VARIANTS / "wrong-data-order", steps=10)
    assert r["verdict"] == "DIVERGED" and r["first_divergent_step"] == 1


def test_missing_optimizer_state_lists_it():
    r = _run(VARIANTS / "missing-optimizer-state")
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert "optimizer state at step 10 (checkpoints/step-10/optimizer.safetensors)" in r["missing"]
    assert all(c["ok"] for c in r["metrics"]["forward_audit"]["checks"])


def test_unsafe_pickle_refused_without_loading(monkeypatch):
    import torch

    def forbidden(*a, **k):
        raise AssertionError("an unsafe artifact was deserialised")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    r = _run(VARIANTS / "unsafe-pickle-checkpoint")
    assert r["verdict"] == "REFUSED_UNSAFE_ARTIFACT"
    assert any("os.system" in u for u in r["metrics"]["unsafe"])
    assert r["tier"] == "none"


@pytest.mark.parametrize(
    "name",
    ["tiny-open", "doctored-loss-log", "wrong-data-order", "missing-optimizer-state", "unsafe-pickle-checkpoint"],
)
def test_every_example_has_a_recipe(name):
    root = EXAMPLES / name if name == "tiny-open" else VARIANTS / name
    assert (root / "recipe.yaml").is_file()
