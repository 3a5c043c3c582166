"""Evaluation script of the tiny-open example model (copied next to the model as evaluate.py).

Computes the model's mean next-byte cross-entropy on the held-out text ``data/heldout.txt`` (verses
that follow the training text and were never trained on), over consecutive non-overlapping windows
of ``seq_len`` bytes (``model(input_ids=x, labels=x)``: ``seq_len - 1`` predictions each), and writes
``eval_results.json``: ``{"dataset", "bytes", "windows", "seq_len", "loss", "bits_per_byte", "checkpoint"}``.

    python evaluate.py                            # final weights (model.safetensors)
    python evaluate.py --weights checkpoints/step-10 --out -
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import torch
import yaml
from transformers import AutoModelForCausalLM


def heldout_loss(root: Path, weights: str, data: str = "data/heldout.txt") -> dict:
    recipe = yaml.safe_load((root / "recipe.yaml").read_text(encoding="utf-8"))
    torch.set_num_threads(int(recipe["environment"]["threads"]))
    model = AutoModelForCausalLM.from_pretrained(root / weights, dtype=torch.float32).eval()
    seq = int(recipe["batch"]["seq_len"])
    tokens = torch.frombuffer(bytearray((root / data).read_bytes()), dtype=torch.uint8).long()
    x = torch.stack([tokens[i : i + seq] for i in range(0, len(tokens) - seq, seq)])
    with torch.no_grad():
        loss = float(model(input_ids=x, labels=x).loss)
    return {
        "dataset": data,
        "bytes": len(tokens),
        "windows": int(x.shape[0]),
        "seq_len": seq,
        "loss": round(loss, 4),
        "bits_per_byte": round(loss / math.log(2), 4),
        "checkpoint": (Path(weights) / "model.safetensors").as_posix(),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=".", help="model folder holding recipe.yaml (default: here)")
    ap.add_argument(
        "--weights", default=".", help="folder of the weights to evaluate (save_pretrained layout), relative to --dir"
    )
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
    print(
        f"held-out loss {result['loss']:.4f} ({result['bits_per_byte']:.3f} bits/byte) over {result['windows']} windows"
    )


if __name__ == "__main__":
    main()
