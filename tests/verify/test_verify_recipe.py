"""Recipe loading and validation: bad recipes are InvalidDocument naming file, JSON path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES

from openaudit.errors import InvalidDocument
from openaudit.verify.recipe import load_recipe

GOOD = (EXAMPLES / "tiny-open" / "recipe.yaml").read_text()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "recipe.yaml"
    p.write_text(text)
    return p


def test_example_recipe_loads_and_resolves():
    r = load_recipe(EXAMPLES / "tiny-open" / "recipe.yaml")
    assert r.family == "gpt-neox"
    assert r.model_config["hidden_size"] == 32
    assert r.checkpoint_steps() == [0, 10, 20]
    assert r.model_file(10) == "checkpoints/step-10/model.safetensors"
    assert r.optimizer_file(20) == "checkpoints/step-20/optimizer.safetensors"


def test_checkpoint_steps_discovered_when_not_declared(tmp_path):
    (tmp_path / "ck" / "step-5").mkdir(parents=True)
    (tmp_path / "ck" / "step-12").mkdir()
    (tmp_path / "ck" / "other").mkdir()
    p = _write(tmp_path, "recipe_version: 1\nmodel: {family: llama}\ncheckpoints: {dir: 'ck/step-{step}'}\n")
    assert load_recipe(p).checkpoint_steps() == [5, 12]


@pytest.mark.parametrize(
    "text, where",
    [
        (GOOD + "surprise: 1\n", "$:"),
        (GOOD.replace("  micro_batches: 1\n", "  micro_batches: 1\n  shuffle: true\n"), "$.batch"),
        (GOOD.replace("size: 8", "size: eight"), "$.batch.size"),
        (GOOD.replace("precision: fp32", "precision: fp64"), "$.precision"),
        (GOOD.replace("recipe_version: 1", "recipe_version: 2"), "$.recipe_version"),
        (GOOD.replace("dir: checkpoints/step-{step}", "dir: checkpoints/latest"), "$.checkpoints.dir"),
        (GOOD.replace("betas: [0.9, 0.95]", "betas: [0.9]"), "$.optimizer.betas"),
        (GOOD.replace("lr: 3.0e-3", "lr: -1"), "$.schedule.lr"),
    ],
)
def test_invalid_recipe_names_file_path_and_reason(tmp_path, text, where):
    p = _write(tmp_path, text)
    with pytest.raises(InvalidDocument) as exc:
        load_recipe(p)
    msg = exc.value.message
    assert str(p) in msg and where in msg
    assert "\n" not in msg


def test_segment_end_must_follow_start(tmp_path):
    p = _write(tmp_path, GOOD + "segment: {start: 10, end: 10}\n")
    with pytest.raises(InvalidDocument, match=r"\$\.segment"):
        load_recipe(p)


@pytest.mark.parametrize("text", ["- just\n- a list\n", "model: [unclosed\n", "", "\x00\x01binary"])
def test_not_a_recipe(tmp_path, text):
    with pytest.raises(InvalidDocument):
        load_recipe(_write(tmp_path, text))


def test_missing_and_oversized_files(tmp_path):
    with pytest.raises(InvalidDocument, match="cannot read"):
        load_recipe(tmp_path / "nope.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "#" * (2 << 20))
    with pytest.raises(InvalidDocument):
        load_recipe(big)


def test_bad_config_json_is_invalid_document(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    p = _write(tmp_path, "recipe_version: 1\nmodel: {family: llama, config: config.json}\n")
    with pytest.raises(InvalidDocument, match="config.json"):
        load_recipe(p)


@pytest.mark.parametrize(
    "text, where",
    [
        (GOOD.replace("  row: labels\n", "  row: diagonal\n"), "$.data.row"),
        (
            GOOD.replace("  row: labels\n", "  row: labels\n  sampler: {kind: shuffled, seed: 1}\n"),
            "$.data.sampler.kind",
        ),
        (GOOD.replace("loss_log: loss_log.jsonl", "loss_log: {path: loss_log.jsonl, reduce: sometimes}"), "$.loss_log"),
        (
            GOOD.replace("name: get_cosine_with_min_lr_schedule_with_warmup", "name: get_made_up_schedule"),
            "$.schedule.name",
        ),
        (GOOD.replace("no_decay: [bias, layernorm]", "no_decay: bias"), "$.optimizer.no_decay"),
        ("recipe_version: 1\nname: x\n", "$"),
    ],
)
def test_recipe_1_1_keys_are_validated(tmp_path, text, where):
    p = _write(tmp_path, text)
    with pytest.raises(InvalidDocument) as exc:
        load_recipe(p)
    assert where in exc.value.message


def test_recipe_1_1_keys_load(tmp_path):
    r = load_recipe(EXAMPLES / "tiny-open" / "recipe.yaml")
    assert r.get("data")["row"] == "labels" and r.get("schedule")["kwargs"] == {"min_lr": 3.0e-4}
    p = _write(
        tmp_path,
        "recipe_version: 1\ntrainer: {output_dir: out, dataset: data/train.jsonl}\n"
        "loss_log: {path: log.jsonl, reduce: mean, rounding: 4}\n",
    )
    assert load_recipe(p).get("trainer")["dataset"] == "data/train.jsonl"


def test_config_path_outside_is_refused_not_read(tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text('{"model_type": "llama"}')
    inner = tmp_path / "inner"
    inner.mkdir()
    p = _write(inner, "recipe_version: 1\nmodel: {family: llama, config: ../outside.json}\n")
    r = load_recipe(p)
    assert r.model_config is None and r.refused and "'..' is refused" in r.refused[0]
