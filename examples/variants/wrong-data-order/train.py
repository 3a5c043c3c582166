"""Training script of the tiny-open example model (copied next to the model as train.py).

Reads the published recipe (recipe.yaml) and config (config.json), trains the reference decoder
from openaudit.verify.models on the published data in the published order, and writes the per-step
loss log, intermediate checkpoints (weights + AdamW state, safetensors) and the final weights.

    python train.py                       # in the model folder: reproduces every published artifact
    python train.py --order other.json    # train on another data order (used to build a variant)
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from openaudit.verify import engine
from openaudit.verify.artifacts import save_tensors
from openaudit.verify.models import build_model
from openaudit.verify.recipe import load_recipe


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=".", help="model folder holding recipe.yaml (default: here)")
    ap.add_argument("--order", default=None, help="data order file to train on (default: the recipe's)")
    args = ap.parse_args(argv)
    root = Path(args.dir)
    recipe = load_recipe(root / "recipe.yaml")
    threads = (recipe.get("environment") or {}).get("threads")
    if threads:
        torch.set_num_threads(int(threads))  # CPU reduction order depends on the thread count
    torch.manual_seed(int(recipe.get("seed")))
    model = build_model(recipe.family, recipe.model_config)
    model.train()
    optim = engine.make_optimizer(model.parameters(), recipe.get("optimizer"))
    data, batch = recipe.get("data"), recipe.get("batch")
    tokens = engine.load_tokens(root / data["path"], data.get("format", "bytes"))
    order_path = Path(args.order) if args.order else root / data["order"]
    batches = json.loads(order_path.read_text(encoding="utf-8"))["batches"]
    sched, clip = recipe.get("schedule"), recipe.get("clip_grad_norm")
    total = int(sched["total_steps"])
    ck_steps = set(recipe.checkpoint_steps())
    vocab = int(recipe.model_config["vocab_size"])
    log_lines = []

    def checkpoint(step: int) -> None:
        save_tensors(model.state_dict(), root / recipe.model_file(step), {"step": str(step)})
        save_tensors(engine.optimizer_tensors(model, optim), root / recipe.optimizer_file(step), {"step": str(step)})

    if 0 in ck_steps:
        checkpoint(0)
    for step in range(1, total + 1):
        x, y = engine.make_batch(tokens, batches[step - 1], int(batch["seq_len"]), vocab)
        lr = engine.lr_at(step, sched)
        loss = engine.train_step(model, optim, x, y, lr, clip=clip, precision=recipe.precision,
                                 micro_batches=int(batch.get("micro_batches", 1)))
        log_lines.append(json.dumps({"step": step, "loss": loss, "lr": lr}))
        if step in ck_steps:
            checkpoint(step)
    final = recipe.get("final")
    save_tensors(model.state_dict(), root / final["path"], {"step": str(total)})
    tmp = root / (recipe.get("loss_log") + ".tmp")
    tmp.write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    os.replace(tmp, root / recipe.get("loss_log"))
    print(f"trained {total} steps; final loss {json.loads(log_lines[-1])['loss']:.4f}")


if __name__ == "__main__":
    main()
