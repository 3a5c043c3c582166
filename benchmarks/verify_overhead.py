"""Replay cost versus the same steps of a plain transformers training loop (same process, interleaved).

    python benchmarks/verify_overhead.py [--steps 8] [--reps 3] [--device auto|cpu|cuda] [--threads 1]

Publishes a small Llama run in a temp folder the way a transformers user would (``from_config``, AdamW
with decay / no-decay groups, ``get_cosine_schedule_with_warmup``, ``save_pretrained`` +
``torch.save(optimizer.state_dict())`` at step 0, a recipe), then times, alternately and ``--reps``
times each, (a) openaudit's replay of steps 1..N (``Replayer.run``: checkpoint loading through
transformers, optimizer-state mapping, published batches, schedule, clipping, loss collection) and
(b) a plain transformers loop doing the same steps from the same checkpoint. Prints the best times,
the ratio and the largest relative loss difference between the two (0 = bit for bit). The full
``openaudit verify`` also runs a calibration (a noise and a swapped-batch replay of the first segment)
and a forward-only audit; their cost is printed as the estimate's step count.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch

CONFIG = dict(
    vocab_size=512,
    hidden_size=128,
    num_hidden_layers=4,
    num_attention_heads=4,
    num_key_value_heads=2,
    intermediate_size=384,
    max_position_embeddings=256,
)
BATCH, SEQ, LR, WARMUP = 8, 128, 1e-3, 2


def _optimizer(model):
    named = list(model.named_parameters())
    groups = [
        {"params": [p for n, p in named if "norm" not in n and "bias" not in n], "weight_decay": 0.1},
        {"params": [p for n, p in named if "norm" in n or "bias" in n], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=LR, betas=(0.9, 0.95), eps=1e-8)


def make_folder(d: Path, steps: int) -> None:
    from transformers import AutoModelForCausalLM, LlamaConfig, get_cosine_schedule_with_warmup

    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, CONFIG["vocab_size"], (50_000,), generator=g)
    (d / "tokens.bin").write_bytes(tokens.to(torch.int16).numpy().astype("<u2").tobytes())
    order = [torch.randint(0, len(tokens) - SEQ, (BATCH,), generator=g).tolist() for _ in range(steps)]
    (d / "order.json").write_text(json.dumps({"batches": order}))
    torch.manual_seed(1)
    cfg = LlamaConfig(**CONFIG)
    cfg.save_pretrained(d)
    model = AutoModelForCausalLM.from_config(cfg)
    opt = _optimizer(model)
    get_cosine_schedule_with_warmup(opt, WARMUP, steps)
    model.save_pretrained(d / "ck" / "step-0")
    torch.save(opt.state_dict(), d / "ck" / "step-0" / "optimizer.pt")
    (d / "recipe.yaml").write_text(f"""recipe_version: 1
model: {{family: llama, config: config.json}}
tokenizer: {{kind: pretokenized}}
data: {{path: tokens.bin, format: uint16, order: order.json, row: labels}}
batch: {{size: {BATCH}, seq_len: {SEQ}}}
optimizer: {{name: adamw, betas: [0.9, 0.95], eps: 1.0e-8, weight_decay: 0.1, no_decay: [norm, bias]}}
schedule: {{name: get_cosine_schedule_with_warmup, lr: {LR}, warmup_steps: {WARMUP}, total_steps: {steps}}}
clip_grad_norm: 1.0
checkpoints: {{dir: "ck/step-{{step}}", model: model.safetensors, optimizer: optimizer.pt, steps: [0]}}
""")


def plain_loop(d: Path, rp, steps: int, dev) -> tuple[float, list[float]]:
    """What a user would write: transformers model from the checkpoint, same optimizer state, batches, schedule."""
    from transformers import AutoModelForCausalLM, get_cosine_schedule_with_warmup

    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(d / "ck" / "step-0", dtype=torch.float32).to(dev).train()
    opt = _optimizer(model)
    opt.load_state_dict(torch.load(d / "ck" / "step-0" / "optimizer.pt", weights_only=True))
    sched = get_cosine_schedule_with_warmup(opt, WARMUP, steps)
    losses = []
    for step in range(1, steps + 1):
        (mb,) = rp.feed.update(step)
        out = model(input_ids=mb["input_ids"], labels=mb["labels"])
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        losses.append(out.loss.item())
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, losses


def replay(rp, steps: int, dev) -> tuple[float, list[float]]:
    t0 = time.perf_counter()
    run = rp.run(0, steps)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, [run.losses[s] for s in sorted(run.losses)]


def measure(d: Path, steps: int, reps: int, device: str) -> dict:
    from openaudit.verify.api import resolve
    from openaudit.verify.environment import pick_device, set_determinism
    from openaudit.verify.plan import check_config
    from openaudit.verify.replay import Replayer

    dev = pick_device(device)
    set_determinism(False)
    plan = resolve(str(d))
    plan.segments = [(0, steps)]
    rp = Replayer(plan, dev, check_config(plan))
    replay(rp, 1, dev)  # warm-up (allocator, kernels, imports)
    plain_loop(d, rp, 1, dev)
    best_r = best_p = float("inf")
    ratios = []
    for _ in range(reps):  # interleaved, so machine load hits both sides alike
        tr, lr_ = replay(rp, steps, dev)
        tp, lp = plain_loop(d, rp, steps, dev)
        best_r, best_p = min(best_r, tr), min(best_p, tp)
        ratios.append(tr / tp)
    diff = max(abs(a - b) / abs(b) for a, b in zip(lr_, lp))
    return {
        "device": str(dev),
        "steps": steps,
        "replay_s": best_r,
        "plain_s": best_p,
        "ratio": best_r / best_p,
        "median_pair_ratio": statistics.median(ratios),
        "max_rel_loss_diff": diff,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument(
        "--threads", type=int, default=None, help="CPU threads (default: torch's); 1 is steadier on a busy machine"
    )
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
            print(
                f"{r['device']:>5}: {r['steps']} steps  replay {r['replay_s']:.3f} s  plain transformers loop "
                f"{r['plain_s']:.3f} s  ratio {r['ratio']:.3f} (best/best), {r['median_pair_ratio']:.3f} (median pair)  "
                f"max rel. loss diff {r['max_rel_loss_diff']:.2e}  threads {torch.get_num_threads()}"
            )
        if "cuda" not in devices:
            print(" cuda: not available on this machine (no GPU figures)")
        print(
            "a full `openaudit verify` adds a noise and a swapped-batch replay of the first segment (x3 its steps) "
            "and one forward pass per checkpoint"
        )


if __name__ == "__main__":
    main()
