"""The pieces the replay rebuilds, checked against the libraries they imitate: the Trainer's sampler,
transformers' schedulers, the static reading of training_args.bin, loss-log rounding and windows."""

from __future__ import annotations

import math
import pickle

import pytest

from openaudit.verify import losslog
from openaudit.verify.data import Sampling, sampled_updates
from openaudit.verify.optim import hf_lambda, legacy_lr, trainer_lambda
from openaudit.verify.trainer_args import log_rounding, loss_count, read_bin


@pytest.mark.parametrize("n, bs, accum, drop", [(100, 8, 2, False), (37, 4, 3, False), (37, 4, 1, True)])
def test_trainer_sampler_is_accelerates_seedable_sampler(n, bs, accum, drop):
    """Epoch by epoch, the rows equal what accelerate's SeedableRandomSampler (the Trainer's) yields."""
    from accelerate.data_loader import SeedableRandomSampler
    from torch.utils.data import BatchSampler

    steps = 25
    ours = sampled_updates(n, Sampling("trainer", seed=42, micro_size=bs, accumulation=accum, drop_last=drop), steps)
    sampler = SeedableRandomSampler(data_source=range(n), replacement=False, num_samples=n, data_seed=42)
    theirs: list[list[list[int]]] = []
    epoch = 0
    while len(theirs) < steps:
        sampler.set_epoch(epoch)
        batches = [list(b) for b in BatchSampler(sampler, bs, drop)]
        theirs += [batches[i : i + accum] for i in range(0, len(batches), accum)]
        epoch += 1
    assert ours == theirs[:steps]


def test_torch_loader_sampler_draws_across_epochs_like_a_dataloader():
    import torch
    from torch.utils.data import DataLoader

    g = torch.Generator().manual_seed(5)
    loader = DataLoader(range(10), batch_size=3, shuffle=True, generator=g)
    expected = [b.tolist() for _ in range(3) for b in loader]
    ours = sampled_updates(10, Sampling("torch", seed=5, micro_size=3, accumulation=1), len(expected))
    assert [u[0] for u in ours] == expected


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("get_linear_schedule_with_warmup", {}),
        ("get_cosine_schedule_with_warmup", {}),
        ("get_cosine_with_min_lr_schedule_with_warmup", {"min_lr_rate": 0.1}),
        ("get_cosine_with_min_lr_schedule_with_warmup", {"min_lr": 3e-4}),
        ("get_constant_schedule_with_warmup", {}),
    ],
)
def test_hf_schedules_give_the_lr_lambdalr_gives(name, kwargs):
    import torch
    import transformers

    lr, warm, total = 3e-3, 5, 30
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    fn = getattr(transformers, name)
    extra = {"num_training_steps": total} if "num_training_steps" in fn.__code__.co_varnames else {}
    sched = fn(opt, num_warmup_steps=warm, **extra, **kwargs)
    lam = hf_lambda(name, lr, warm, total, kwargs)
    for k in range(1, total + 1):  # update k runs at the LR the scheduler holds before its k-th step
        assert lr * lam(k - 1) == opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
    assert lam(0) == 0.0  # the first warmup update runs at LR 0


def test_trainer_cosine_is_transformers_not_recipe_1():
    lam = trainer_lambda("cosine", 3e-3, 5, 30, {})
    assert lam(0) == 0.0 and legacy_lr(1, {"name": "cosine", "lr": 3e-3, "warmup_steps": 5, "total_steps": 30}) > 0


def test_training_args_bin_is_read_without_unpickling(runs, monkeypatch):
    import torch

    def forbidden(*a, **k):
        raise AssertionError("unpickled")

    for mod, name in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (torch, "load")):
        monkeypatch.setattr(mod, name, forbidden)
    args = read_bin(runs.get("trainer-llama") / "checkpoint-10" / "training_args.bin", "training_args.bin")
    assert args["per_device_train_batch_size"] == 8 and args["gradient_accumulation_steps"] == 2
    assert args["lr_scheduler_type"] == "cosine" and args["optim"] in ("adamw_torch", "adamw_torch_fused")
    assert args["accelerator_config"]["use_seedable_sampler"] is True
    assert str(args["__class__"]).endswith("TrainingArguments")


def test_training_args_with_a_dangerous_global_are_never_loaded(tmp_path):
    from openaudit.verify.artifacts import unsafe_issue

    p = tmp_path / "training_args.bin"
    p.write_bytes(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.")
    issue = unsafe_issue(p, "training_args.bin", load=False)
    assert issue is not None and "os.system" in issue.message


@pytest.mark.parametrize(
    "version, count, rounding",
    [
        ("4.57.1", "tokens_all", 4),
        ("5.9.0", "tokens_all", None),
        ("5.10.1", "tokens", None),
        ("5.24.0", "tokens", None),
        (None, None, None),
        ("garbage", None, None),
    ],
)
def test_trainer_semantics_by_version(version, count, rounding):
    assert loss_count(version) == count and log_rounding(version) == rounding


def test_rounding_detection():
    assert losslog.detect_rounding([5.1234, 4.5, 3.0001]) == 4
    assert losslog.detect_rounding([5.123456789012345, 4.5]) is None
    assert losslog.detect_rounding([1e-7]) is None
    assert losslog.allowed(5.1234, 0.0, 4) == pytest.approx(5e-5)


def test_sparse_log_windows():
    entries = losslog.parse_jsonl('{"step": 5, "loss": 2.0}\n{"step": 10, "loss": 1.0}\n', "log", "mean")
    assert [(e.start, e.step) for e in entries] == [(1, 5), (6, 10)]
    entries = losslog.parse_jsonl('{"step": 5, "loss": 2.0}\n', "log", "step")
    assert [(e.start, e.step) for e in entries] == [(5, 5)]
    rows = losslog.compare(
        losslog.parse_jsonl('{"step": 2, "loss": 1.5}\n', "log", "mean"),
        {1: 1.0, 2: 2.0},
        1e-9,
        None,
        lambda v: sum(v) / len(v),
    )
    assert rows[0]["ok"] and rows[0]["replayed"] == 1.5


def test_history_windows_follow_the_previous_loss_entry():
    hist = [
        {"loss": 3.0, "step": 5, "learning_rate": 0.1},
        {"eval_loss": 9.0, "step": 5},
        {"loss": 2.0, "step": 10, "learning_rate": 0.05},
        {"train_loss": 2.5, "step": 10},
    ]
    entries = losslog.from_log_history(hist, "trainer_state.json")
    assert [(e.start, e.step, e.value, e.lr) for e in entries] == [(1, 5, 3.0, 0.1), (6, 10, 2.0, 0.05)]


def test_rel_error_is_inf_for_non_finite():
    assert losslog.rel_error(math.nan, 1.0) == math.inf and losslog.rel_error(1.0, 0.0) == math.inf
