"""Evaluation script of the tiny-open example model (copied next to the model as evaluate.py).

Computes the model's mean next-byte cross-entropy on the held-out text ``data/heldout.txt`` (verses
that follow the training text and were never trained on), over consecutive non-overlapping windows
of ``seq_len`` + 1 bytes, and writes ``eval_results.json``:
``{"dataset", "bytes", "windows", "seq_len", "loss", "bits_per_byte", "checkpoint"}``.

    python evaluate.py                          # final weights (model.safetensors)
    python evaluate.py --weights checkpoints/step-10/model.safetensors --out -
"""
from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import torch

from openaudit.verify import engine
from openaudit.verify.artifacts import load_tensors
from openaudit.verify.models import build_model
from openaudit.verify.recipe import load_recipe


def heldout_loss(root: Path, weights: str, data: str = "data/heldout.txt") -> dict:
    recipe = load_recipe(root / "recipe.yaml")
    threads = (recipe.get("environment") or {}).get("threads")
    if threads:
        torch.set_num_threads(int(threads))
    model = build_model(recipe.family, recipe.model_config)
    engine.load_model_tensors(model, load_tensors(root / weights, weights), weights)
    model.eval()
    seq = int(recipe.get("batch")["seq_len"])
    tokens = engine.load_tokens(root / data, "bytes")
    offsets = list(range(0, len(tokens) - seq - 1, seq))
    x, y = engine.make_batch(tokens, offsets, seq, int(recipe.model_config["vocab_size"]))
    loss = engine.eval_loss(model, x, y)
    return {"dataset": data, "bytes": int(len(tokens)), "windows": len(offsets), "seq_len": seq,
            "loss": round(loss, 4), "bits_per_byte": round(loss / math.log(2), 4), "checkpoint": weights}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=".", help="model folder holding recipe.yaml (default: here)")
    ap.add_argument("--weights", default="model.safetensors", help="weights to evaluate, relative to --dir")
    ap.add_argument("--out", default="eval_results.json", help="output file relative to --dir, or - for stdout")
    args = ap.parse_args(argv)
    root = Path(args.dir)
    result = heldout_loss(root, args.weights)
    text = json.dumps(result, indent=2, sort_keys=True) + "\n"
    if args.out == "-":
        print(text, end="")
        return
    tmp = root / (args.out + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, root / args.out)
    print(f"held-out loss {result['loss']:.4f} ({result['bits_per_byte']:.3f} bits/byte) over {result['windows']} windows")


if __name__ == "__main__":
    main()
