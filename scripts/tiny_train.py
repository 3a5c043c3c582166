"""Training script of the tiny-open example model (copied next to the model as train.py).

A plain PyTorch loop over the model code of Hugging Face ``transformers``: builds the GPT-NeoX model
from ``config.json`` (``AutoModelForCausalLM.from_config``), trains it with AdamW (no weight decay on
biases and LayerNorms) under ``get_cosine_with_min_lr_schedule_with_warmup`` on the published bytes in
the published order (``data_order.json``), and writes the per-step loss log, intermediate checkpoints
(``save_pretrained`` weights + AdamW state as safetensors) and the final weights. Hyper-parameters come
from the published ``recipe.yaml``; nothing here depends on openaudit.

    python train.py                       # in the model folder: reproduces every published artifact
    python train.py --order other.json    # train on another data order (used to build a variant)
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch
import transformers
import yaml
from safetensors.torch import save_file
from transformers import AutoConfig, AutoModelForCausalLM


def optimizer_state(model, opt) -> dict[str, torch.Tensor]:
    """AdamW state as ``<parameter>.<slot>`` tensors (step, exp_avg, exp_avg_sq); zeros before step 1."""
    out = {}
    for name, p in model.named_parameters():
        state = opt.state.get(p) or {
            "step": torch.tensor(0.0),
            "exp_avg": torch.zeros_like(p),
            "exp_avg_sq": torch.zeros_like(p),
        }
        for slot, v in state.items():
            out[f"{name}.{slot}"] = v.detach().clone().contiguous()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=".", help="model folder holding recipe.yaml and config.json (default: here)")
    ap.add_argument("--order", default=None, help="data order file to train on (default: the recipe's)")
    args = ap.parse_args(argv)
    root = Path(args.dir)
    recipe = yaml.safe_load((root / "recipe.yaml").read_text(encoding="utf-8"))
    torch.set_num_threads(int(recipe["environment"]["threads"]))  # CPU reduction order depends on it
    torch.manual_seed(int(recipe["seed"]))
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(root))
    model.train()
    o, s = recipe["optimizer"], recipe["schedule"]
    named = list(model.named_parameters())
    skip = [x.lower() for x in o["no_decay"]]
    groups = [
        {"params": [p for n, p in named if not any(x in n.lower() for x in skip)], "weight_decay": o["weight_decay"]},
        {"params": [p for n, p in named if any(x in n.lower() for x in skip)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=s["lr"], betas=tuple(o["betas"]), eps=o["eps"])
    sched = getattr(transformers, s["name"])(
        opt, num_warmup_steps=s["warmup_steps"], num_training_steps=s["total_steps"], **s.get("kwargs", {})
    )
    data = torch.frombuffer(bytearray((root / recipe["data"]["path"]).read_bytes()), dtype=torch.uint8).long()
    order = json.loads(Path(args.order or root / recipe["data"]["order"]).read_text(encoding="utf-8"))["batches"]
    seq = int(recipe["batch"]["seq_len"])
    ck = recipe["checkpoints"]
    log_lines = []

    def checkpoint(step: int) -> None:
        folder = root / ck["dir"].replace("{step}", str(step))
        model.save_pretrained(folder)
        save_file(optimizer_state(model, opt), str(folder / ck["optimizer"]), metadata={"step": str(step)})

    if 0 in ck["steps"]:
        checkpoint(0)
    for step in range(1, int(s["total_steps"]) + 1):
        x = torch.stack([data[i : i + seq] for i in order[step - 1]])
        lr = sched.get_last_lr()[0]
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe["clip_grad_norm"])
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        log_lines.append(json.dumps({"step": step, "loss": loss.item(), "lr": lr}))
        if step in ck["steps"]:
            checkpoint(step)
    model.save_pretrained(root)
    tmp = root / (recipe["loss_log"] + ".tmp")
    tmp.write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    os.replace(tmp, root / recipe["loss_log"])
    print(f"trained {s['total_steps']} steps; final loss {json.loads(log_lines[-1])['loss']:.4f}")


if __name__ == "__main__":
    main()
