"""Training script of the tiny-trainer example model (copied next to the model as train.py).

Trains a tiny byte-level Llama with the Hugging Face ``Trainer`` on the published tokenized dataset
``train_dataset.jsonl`` (one ``{"input_ids": [...]}`` row of 64 bytes per line; labels are the inputs,
the model shifts them) and leaves the ``output_dir`` exactly as the Trainer writes it: ``checkpoint-10``,
``checkpoint-20``, ``checkpoint-30`` (weights, ``optimizer.pt``, ``scheduler.pt``, ``rng_state.pth``,
``trainer_state.json``, ``training_args.bin``) and the final model and state at the top.

    python train.py            # in the model folder: regenerates every published artifact
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, Trainer, TrainingArguments

CONFIG = dict(
    vocab_size=256,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    intermediate_size=64,
    max_position_embeddings=64,
    tie_word_embeddings=True,
    bos_token_id=None,
    eos_token_id=None,
)
ARGS = dict(
    max_steps=30,
    per_device_train_batch_size=8,
    gradient_accumulation_steps=2,
    learning_rate=3e-3,
    weight_decay=0.1,
    warmup_steps=5,
    lr_scheduler_type="cosine_with_min_lr",
    lr_scheduler_kwargs={"min_lr_rate": 0.1},
    max_grad_norm=1.0,
    logging_steps=5,
    save_steps=10,
    seed=1234,
    use_cpu=True,
    report_to=[],
    disable_tqdm=True,
)


class Rows(torch.utils.data.Dataset):
    def __init__(self, path: Path):
        self.rows = [json.loads(line)["input_ids"] for line in path.read_text(encoding="utf-8").splitlines() if line]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        x = torch.tensor(self.rows[i])
        return {"input_ids": x, "labels": x.clone()}


def main(folder: str = ".") -> None:
    root = Path(folder)
    torch.set_num_threads(1)  # CPU reduction order depends on the thread count
    torch.manual_seed(ARGS["seed"])
    model = AutoModelForCausalLM.from_config(LlamaConfig(**CONFIG))
    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=str(root), **ARGS),
        train_dataset=Rows(root / "train_dataset.jsonl"),
    )
    trainer.train()
    trainer.save_model()
    trainer.save_state()


if __name__ == "__main__":
    main(*sys.argv[1:])
