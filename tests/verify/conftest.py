"""Session fixtures for the verify tests: tiny transformers runs, each trained once per session (on
demand), in a temp folder. Tests that change a run copy it first."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hf_runs
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

PLAIN: dict[str, dict[str, Any]] = {
    "llama": {},
    "neox": {"model_type": "gpt_neox"},
    "mistral": {"model_type": "mistral"},
    "llama-rope-linear": {"extra": {"rope_scaling": {"rope_type": "linear", "factor": 2.0}}},
    "llama-headdim-mlpbias-tied": {"extra": {"head_dim": 32, "mlp_bias": True, "tie_word_embeddings": True}},
    "neox-tied-minlr-window": {
        "model_type": "gpt_neox",
        "extra": {"tie_word_embeddings": True},
        "micro": 2,
        "schedule": "get_cosine_with_min_lr_schedule_with_warmup",
        "schedule_kwargs": {"min_lr_rate": 0.1},
        "log_every": 5,
        "rounding": 4,
    },
    "llama-dropout": {"extra": {"attention_dropout": 0.1}},
}
TRAINER: dict[str, dict[str, Any]] = {
    "trainer-llama": {"accumulation": 2},
    "trainer-neox": {
        "model_type": "gpt_neox",
        "extra": {"tie_word_embeddings": True},
        "logging_steps": 1,
        "lr_scheduler_type": "linear",
    },
    "trainer-mistral": {
        "model_type": "mistral",
        "lr_scheduler_type": "cosine_with_min_lr",
        "lr_scheduler_kwargs": {"min_lr_rate": 0.1},
        "data_seed": 7,
    },
    "trainer-dropout": {
        "model_type": "gpt_neox",
        "extra": {"attention_dropout": 0.1, "hidden_dropout": 0.1},
        "accumulation": 2,
    },
    "trainer-bf16": {"bf16": True},
    "trainer-gpt2": {"model_type": "gpt2", "accumulation": 2},
    # DataCollatorForLanguageModeling and its tokenizer, saved with the checkpoints: pad = eos inside packed
    # rows (config.json gets pad_token_id from the Trainer after the model was built); ragged rows padded
    # with a pad token of its own, the logging interval leaving the last updates unlogged
    "trainer-collator-eos": {"collator": "eos", "logging_steps": 2},
    "trainer-collator-ragged": {"model_type": "gpt_neox", "collator": "pad", "ragged": True, "logging_steps": 4},
    "trainer-unlogged": {"logging_steps": 500},  # the default interval: no loss logged within 30 updates
}
HONEST = [
    "llama",
    "neox",
    "mistral",
    "llama-rope-linear",
    "llama-headdim-mlpbias-tied",
    "neox-tied-minlr-window",
    "trainer-llama",
    "trainer-neox",
    "trainer-mistral",
    "trainer-dropout",
    "trainer-gpt2",
    "trainer-collator-eos",
    "trainer-collator-ragged",
]


class Runs:
    def __init__(self, base: Path):
        self.base = base
        self.made: dict[str, Path] = {}

    def get(self, name: str) -> Path:
        if name not in self.made:
            folder = self.base / name
            if name in PLAIN:
                hf_runs.plain_run(folder, **PLAIN[name])
            else:
                hf_runs.trainer_run(folder, **TRAINER[name])
            self.made[name] = folder
        return self.made[name]

    def copy(self, name: str, dst: Path) -> Path:
        shutil.copytree(self.get(name), dst)
        return dst


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> Runs:
    import torch

    torch.set_num_threads(1)  # the runs record no thread count; one thread is fastest on a shared CPU
    return Runs(tmp_path_factory.mktemp("hf-runs"))


@pytest.fixture(scope="session")
def verified(runs) -> Callable[[str], dict[str, Any]]:
    """The verification of an unmodified run (computed once per session)."""
    from openaudit.verify.api import run

    cache: dict[str, dict[str, Any]] = {}

    def get(name: str) -> dict[str, Any]:
        if name not in cache:
            cache[name] = run(str(runs.get(name)), device="cpu")
        return cache[name]

    return get
