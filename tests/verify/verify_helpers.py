"""Helpers for the verify tests: a micro fully-open training run in a temp folder (a few ms a step)."""
from __future__ import annotations

import importlib.util
import json
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _trainer():
    spec = importlib.util.spec_from_file_location("openaudit_tiny_train", REPO / "scripts" / "tiny_train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


NEOX = {"model_type": "gpt_neox", "vocab_size": 256, "hidden_size": 16, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 32, "rotary_pct": 0.5, "use_parallel_residual": True}
LLAMA = {"model_type": "llama", "vocab_size": 256, "hidden_size": 16, "num_hidden_layers": 1,
         "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 24, "tie_word_embeddings": True}

RECIPE = """recipe_version: 1
model: {{family: {family}, config: config.json}}
tokenizer: {{kind: byte}}
data: {{path: data.txt, format: bytes, order: order.json}}
batch: {{size: 4, seq_len: 16, micro_batches: 1}}
optimizer: {{name: {opt}, betas: [0.9, 0.95], eps: 1.0e-8, weight_decay: 0.1}}
schedule: {{name: cosine, lr: 1.0e-2, warmup_steps: 2, total_steps: {steps}, min_lr: 1.0e-3}}
clip_grad_norm: 1.0
precision: fp32
seed: 7
environment: {{threads: 1}}
checkpoints: {{dir: "ck/step-{{step}}", steps: [0, 3]}}
final: {{path: model.safetensors, step: {steps}}}
loss_log: losses.jsonl
"""

TEXT = ("In the beginning God created the heaven and the earth. And the earth was without form, and void; "
        "and darkness was upon the face of the deep. ") * 6


def make_run(folder: Path, *, family: str = "gpt-neox", steps: int = 6, same_batches: bool = False,
             train_order: list | None = None, opt: str = "adamw", precision: str = "fp32") -> Path:
    """Write a micro fully-open model folder (recipe, config, data, order) and train it."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = NEOX if family == "gpt-neox" else LLAMA
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "data.txt").write_text(TEXT)
    rng = random.Random(3)
    hi = len(TEXT) - 17
    if same_batches:
        one = [rng.randrange(hi) for _ in range(4)]
        batches = [list(one) for _ in range(steps)]
    else:
        batches = [[rng.randrange(hi) for _ in range(4)] for _ in range(steps)]
    (folder / "order.json").write_text(json.dumps({"batches": batches}))
    (folder / "recipe.yaml").write_text(RECIPE.format(family=family, steps=steps, opt=opt).replace(
        "precision: fp32", f"precision: {precision}"))
    args = ["--dir", str(folder)]
    if train_order is not None:
        other = folder / "actual-order.json"
        other.write_text(json.dumps({"batches": train_order}))
        args += ["--order", str(other)]
    _trainer().main(args)
    return folder


def copy_example(name: str, dst: Path) -> Path:
    src = EXAMPLES / name if (EXAMPLES / name).is_dir() else EXAMPLES / "variants" / name
    shutil.copytree(src, dst)
    return dst


def edit_recipe(folder: Path, old: str, new: str) -> None:
    p = folder / "recipe.yaml"
    text = p.read_text()
    assert old in text, old
    p.write_text(text.replace(old, new))
