"""Tiny training runs made the way a publisher using transformers makes them: a plain PyTorch loop
(``AutoModelForCausalLM.from_config``, AdamW with decay / no-decay groups, a transformers scheduler,
``save_pretrained`` + ``torch.save(optimizer.state_dict())``) written in openaudit's recipe layout, or the
``Trainer`` (its ``output_dir`` as it leaves it, plus the tokenized dataset). 2 layers, width 64."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

VOCAB = 256
BASE = {
    "llama": {
        "model_type": "llama",
        "vocab_size": VOCAB,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
        "max_position_embeddings": 128,
        "tie_word_embeddings": False,
    },
    "mistral": {
        "model_type": "mistral",
        "vocab_size": VOCAB,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
        "max_position_embeddings": 128,
        "sliding_window": 16,
        "tie_word_embeddings": False,
    },
    # GPT-2: its head class name gives no causal-LM loss type (the Trainer then counts every label, not the
    # shifted ones), and its model class's ignore pattern "attn.bias" also matches the c_attn.bias parameters.
    "gpt2": {
        "model_type": "gpt2",
        "vocab_size": VOCAB,
        "n_embd": 64,
        "n_layer": 2,
        "n_head": 4,
        "n_positions": 128,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
    },
    "gpt_neox": {
        "model_type": "gpt_neox",
        "vocab_size": VOCAB,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 128,
        "max_position_embeddings": 128,
        "rotary_pct": 0.5,
        "tie_word_embeddings": False,
        "use_parallel_residual": True,
    },
}


def word_tokenizer(pad_is_eos: bool = False):
    """A word-level fast tokenizer over the VOCAB ids: [PAD] 0 (unless pad is eos), [UNK] 1, </s> 2."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "</s>": 2, **{f"t{i}": i for i in range(3, VOCAB)}}
    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="[UNK]")), unk_token="[UNK]", eos_token="</s>"
    )
    tok.pad_token = "</s>" if pad_is_eos else "[PAD]"
    return tok


def make_config(model_type: str, extra: dict[str, Any] | None = None):
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    d = dict(BASE[model_type])
    d.update(extra or {})
    return CONFIG_MAPPING[d.pop("model_type")](**d)


def tokens(n: int, seed: int = 0):
    import torch

    g = torch.Generator().manual_seed(seed)
    # a skewed distribution so the model has something to learn within a few steps
    probs = torch.softmax(torch.randn(VOCAB, generator=g) * 2.0, 0)
    return torch.multinomial(probs, n, replacement=True, generator=g)


def _window_log(losses: list[float], every: int, rounding: int | None) -> list[dict[str, Any]]:
    rows = []
    for end in range(every, len(losses) + 1, every):
        v = sum(losses[end - every : end]) / every
        rows.append({"step": end, "loss": round(v, rounding) if rounding is not None else v})
    return rows


def plain_run(
    folder: Path,
    *,
    model_type: str = "llama",
    extra: dict[str, Any] | None = None,
    steps: int = 30,
    checkpoints: tuple[int, ...] = (0, 10, 20, 30),
    batch: int = 8,
    seq: int = 32,
    micro: int = 1,
    schedule: str = "get_cosine_schedule_with_warmup",
    schedule_kwargs: dict[str, Any] | None = None,
    warmup: int = 5,
    lr: float = 3e-3,
    no_decay: tuple[str, ...] | None = ("bias", "norm"),
    weight_decay: float = 0.1,
    log_every: int = 1,
    rounding: int | None = None,
    seed: int = 0,
    declare_log: dict[str, Any] | None = None,
    family: str | None = None,
    same_batches: bool = False,
    trained_order_seed: int | None = None,
) -> Path:
    """Train with a plain loop and publish in the recipe layout. ``same_batches``: every update gets the
    same batch; ``trained_order_seed``: train on another order than the published one."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    cfg = make_config(model_type, extra)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg)
    cfg.save_pretrained(folder)
    data = tokens(20_000, seed + 1).to(torch.int32)
    (folder / "tokens.bin").write_bytes(data.to(torch.int16).numpy().astype("<u2").tobytes())
    g = torch.Generator().manual_seed(seed + 2)
    order = [torch.randint(0, len(data) - seq, (batch,), generator=g).tolist() for _ in range(steps)]
    if same_batches:
        order = [order[0]] * steps
    (folder / "order.json").write_text(json.dumps({"batches": order}))
    if trained_order_seed is not None:
        g = torch.Generator().manual_seed(trained_order_seed)
        order = [torch.randint(0, len(data) - seq, (batch,), generator=g).tolist() for _ in range(steps)]
    named = list(model.named_parameters())
    if no_decay:
        decay = [p for n, p in named if not any(s in n.lower() for s in no_decay)]
        rest = [p for n, p in named if any(s in n.lower() for s in no_decay)]
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
    else:
        groups = [{"params": [p for _, p in named], "weight_decay": weight_decay}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8)
    fn = getattr(transformers, schedule)
    kw = dict(schedule_kwargs or {})
    if "num_training_steps" in fn.__code__.co_varnames:
        kw["num_training_steps"] = steps
    sched = fn(opt, num_warmup_steps=warmup, **kw)

    def save(step: int) -> None:
        d = folder / "ck" / f"step-{step}"
        model.save_pretrained(d)
        torch.save(opt.state_dict(), d / "optimizer.pt")

    if 0 in checkpoints:
        save(0)
    losses = []
    for step in range(1, steps + 1):
        x = torch.stack([data[o : o + seq] for o in order[step - 1]]).long()
        opt.zero_grad()
        total = 0.0
        for chunk in x.chunk(micro):
            out = model(input_ids=chunk, labels=chunk)
            share = chunk.shape[0] / x.shape[0]
            (out.loss * share if micro > 1 else out.loss).backward()
            total += out.loss.item() * share if micro > 1 else out.loss.item()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(total)
        if step in checkpoints:
            save(step)
    rows = _window_log(losses, log_every, rounding)
    (folder / "loss_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    log: Any = {"path": "loss_log.jsonl", **(declare_log or {})}
    sched_doc = {"name": schedule, "lr": lr, "warmup_steps": warmup, "total_steps": steps}
    if schedule_kwargs:
        sched_doc["kwargs"] = schedule_kwargs
    recipe = {
        "recipe_version": 1,
        "model": {"family": family or model_type, "config": "config.json"},
        "tokenizer": {"kind": "pretokenized"},
        "data": {"path": "tokens.bin", "format": "uint16", "order": "order.json", "row": "labels"},
        "batch": {"size": batch, "seq_len": seq, "micro_batches": micro},
        "optimizer": {
            "name": "adamw",
            "betas": [0.9, 0.95],
            "eps": 1e-8,
            "weight_decay": weight_decay,
            **({"no_decay": list(no_decay)} if no_decay else {}),
        },
        "schedule": sched_doc,
        "clip_grad_norm": 1.0,
        "precision": "fp32",
        "environment": {"threads": 1},
        "checkpoints": {
            "dir": "ck/step-{step}",
            "model": "model.safetensors",
            "optimizer": "optimizer.pt",
            "steps": list(checkpoints),
        },
        "loss_log": log,
    }
    import yaml

    (folder / "recipe.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False))
    return folder


def trainer_run(
    folder: Path,
    *,
    model_type: str = "llama",
    extra: dict[str, Any] | None = None,
    max_steps: int = 30,
    save_steps: int = 10,
    logging_steps: int = 5,
    per_device: int = 8,
    accumulation: int = 1,
    rows: int = 100,
    seq: int = 32,
    seed: int = 42,
    data_seed: int | None = None,
    collator: str | None = None,
    ragged: bool = False,
    **args: Any,
) -> Path:
    """Train with the Trainer; the output_dir is the run folder, the dataset sits next to the checkpoints.

    ``collator``: rows without labels through ``DataCollatorForLanguageModeling(mlm=False)`` of a word-level
    tokenizer given to the Trainer as its ``processing_class`` (saved with each checkpoint; the Trainer writes
    its special tokens into config.json): ``"pad"``, a pad token of its own (id 0); ``"eos"``, pad = eos
    (id 2), which the packed rows also contain between documents. ``ragged``: rows of 8..seq tokens."""
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
    from transformers.utils import logging as hf_logging

    folder.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    hf_logging.set_verbosity_error()
    data = tokens(rows * seq, seed + 7).view(rows, seq).tolist()
    if collator == "eos":  # documents packed with the eos token between them
        data = [[2 if (i * 7 + j) % 11 == 0 else t for j, t in enumerate(r)] for i, r in enumerate(data)]
    if ragged:
        data = [r[: 8 + (i * 5) % (seq - 7)] for i, r in enumerate(data)]
    (folder / "train_dataset.jsonl").write_text("".join(json.dumps({"input_ids": r}) + "\n" for r in data))

    class Rows(torch.utils.data.Dataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, i):
            x = torch.tensor(data[i])
            return {"input_ids": x} if collator else {"input_ids": x, "labels": x.clone()}

    cfg = make_config(model_type, extra)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg)
    targs = dict(
        output_dir=str(folder),
        max_steps=max_steps,
        per_device_train_batch_size=per_device,
        gradient_accumulation_steps=accumulation,
        learning_rate=3e-3,
        weight_decay=0.1,
        warmup_steps=5,
        lr_scheduler_type="cosine",
        logging_steps=logging_steps,
        save_steps=save_steps,
        seed=seed,
        data_seed=data_seed,
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
        save_strategy="steps",
    )
    targs.update(args)
    kw: dict[str, Any] = {}
    if collator:
        from transformers import DataCollatorForLanguageModeling

        tok = word_tokenizer(pad_is_eos=collator == "eos")
        kw = {"data_collator": DataCollatorForLanguageModeling(tok, mlm=False), "processing_class": tok}
    trainer = Trainer(model=model, args=TrainingArguments(**targs), train_dataset=Rows(), **kw)
    trainer.train()
    return folder


def doctor_losses(path: Path, after: int, factor: float = 0.97) -> None:
    """Multiply every published loss of a step after ``after`` (JSON lines or trainer_state.json)."""
    if path.suffix == ".jsonl":
        rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        for r in rows:
            if r["step"] > after:
                r["loss"] = r["loss"] * factor
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return
    state = json.loads(path.read_text())
    for r in state["log_history"]:
        if "loss" in r and r["step"] > after:
            r["loss"] = r["loss"] * factor
    path.write_text(json.dumps(state))


def perturb_tensor(path: Path, name: str | None = None, rel: float = 5e-4) -> str:
    """Scale one tensor of a safetensors file by (1 + rel): a relative change of ``rel``."""
    import torch
    from safetensors.torch import load_file, save_file

    t = load_file(str(path))
    name = name or sorted(k for k in t if t[k].dim() == 2)[0]
    t[name] = t[name] * (1 + rel)
    save_file(t, str(path), metadata={"format": "pt"})
    assert math.isclose(float((t[name] / (1 + rel) * rel).norm() / (t[name] / (1 + rel)).norm()), rel, rel_tol=1e-3)
    del torch
    return name
