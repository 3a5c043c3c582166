"""Replay overhead versus a plain torch training loop over the same steps (goal: <= 5 %, determinism off).

    python benchmarks/verify_overhead.py [--steps 8] [--reps 3] [--device auto|cpu|cuda]

Trains a small GPT-NeoX-style model for a few steps in a temp folder (checkpoint at step 0), then
times, alternately and ``--reps`` times each, (a) ``Replayer.run`` (openaudit's replay: checkpoint
and optimizer-state loading, published batches, schedule, clipping, loss collection) and (b) a plain
torch loop doing the same maths from the same checkpoint. Prints the best times and the ratio.
On a CUDA machine, ``--device auto`` runs it on the GPU; the CPU figure is printed too.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
CONFIG = {"model_type": "gpt_neox", "vocab_size": 256, "hidden_size": 96, "num_hidden_layers": 3,
          "num_attention_heads": 4, "intermediate_size": 384, "rotary_pct": 0.25}
BATCH, SEQ = 8, 128


def make_folder(d: Path, steps: int) -> None:
    text = ("And God said, Let there be light: and there was light. " * 400).encode()
    (d / "data.txt").write_bytes(text)
    rng = random.Random(0)
    (d / "order.json").write_text(json.dumps({"batches": [[rng.randrange(len(text) - SEQ - 1) for _ in range(BATCH)]
                                                         for _ in range(steps)]}))
    (d / "config.json").write_text(json.dumps(CONFIG))
    (d / "recipe.yaml").write_text(f"""recipe_version: 1
model: {{family: gpt-neox, config: config.json}}
data: {{path: data.txt, format: bytes, order: order.json}}
batch: {{size: {BATCH}, seq_len: {SEQ}}}
optimizer: {{name: adamw, betas: [0.9, 0.95], weight_decay: 0.1}}
schedule: {{name: cosine, lr: 1.0e-3, warmup_steps: 2, total_steps: {steps}}}
clip_grad_norm: 1.0
seed: 1
checkpoints: {{dir: "ck/step-{{step}}", steps: [0]}}
final: {{path: model.safetensors, step: {steps}}}
loss_log: losses.jsonl
""")
    spec = importlib.util.spec_from_file_location("tiny_train", ROOT / "scripts" / "tiny_train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(["--dir", str(d)])


def plain_loop(plan, rp, steps: int, dev) -> tuple[float, list[float]]:
    """What a user would write: same model class, same checkpoint, same optimizer, same batches."""
    from safetensors.torch import load_file

    from openaudit.verify.engine import lr_at, make_batch, make_optimizer
    from openaudit.verify.models import build_model

    t0 = time.perf_counter()
    model = build_model("gpt-neox", CONFIG)
    model.load_state_dict(load_file(str(plan.recipe.path(plan.weights[0]))))
    model.to(dev).train()
    opt = make_optimizer(model.parameters(), plan.recipe.get("optimizer"))
    sched = plan.recipe.get("schedule")
    losses = []
    for step in range(1, steps + 1):
        x, y = make_batch(rp.tokens, rp.batches[step - 1], SEQ, 256)
        x, y = x.to(dev), y.to(dev)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, sched)
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = F.cross_entropy(logits.float().reshape(-1, 256), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=False)
        opt.step()
        losses.append(loss.item())
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, losses


def replay(rp, steps: int, dev) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    run = rp.run(0, steps)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, [run.losses[s] for s in sorted(run.losses)]


def measure(folder: Path, steps: int, reps: int, device: str) -> dict:
    from openaudit.verify.environment import pick_device, set_determinism
    from openaudit.verify.plan import make_plan
    from openaudit.verify.recipe import load_recipe
    from openaudit.verify.replay import Replayer

    dev = pick_device(device)
    set_determinism(False)
    plan = make_plan(load_recipe(folder / "recipe.yaml"))
    plan.optim.setdefault(0, plan.recipe.optimizer_file(0))
    rp = Replayer(plan, dev)
    replay(rp, 2, dev)  # warm-up (allocator, kernels)
    plain_loop(plan, rp, 2, dev)
    best_r = best_p = float("inf")
    ratios = []
    for _ in range(reps):  # interleaved, so machine load hits both sides alike
        tr, lr_ = replay(rp, steps, dev)
        tp, lp = plain_loop(plan, rp, steps, dev)
        best_r, best_p = min(best_r, tr), min(best_p, tp)
        ratios.append(tr / tp)
    same = max(abs(a - b) / abs(b) for a, b in zip(lr_, lp))
    return {"device": str(dev), "steps": steps, "replay_s": best_r, "plain_s": best_p,
            "overhead_pct": 100.0 * (best_r / best_p - 1.0), "median_pair_pct": 100.0 * (statistics.median(ratios) - 1.0),
            "max_rel_loss_diff": same}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's); 1 is steadier on a busy machine")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_folder(folder, args.steps)
        devices = ["cpu"] + (["cuda"] if args.device in ("auto", "cuda") and torch.cuda.is_available() else [])
        if args.device == "cpu":
            devices = ["cpu"]
        for dev in devices:
            r = measure(folder, args.steps, args.reps, dev)
            print(f"{r['device']:>5}: {r['steps']} steps  replay {r['replay_s']:.3f} s  plain loop {r['plain_s']:.3f} s  "
                  f"overhead {r['overhead_pct']:+.1f} % (best/best), {r['median_pair_pct']:+.1f} % (median pair)  (goal <= 5 %)  max rel. loss diff {r['max_rel_loss_diff']:.2e}  "
                  f"threads {torch.get_num_threads()}")
        if "cuda" not in devices:
            print(" cuda: not available on this machine (no GPU figures)")


if __name__ == "__main__":
    main()
