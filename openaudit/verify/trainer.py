"""A transformers ``Trainer`` ``output_dir`` as published -> a replay :class:`~openaudit.verify.plan.Plan`.

Read: ``checkpoint-N/`` folders (``model.safetensors`` or a vetted ``pytorch_model.bin``,
``optimizer.pt``, ``scheduler.pt``, ``scaler.pt``, ``trainer_state.json`` with ``log_history``,
``config.json``, training arguments -- ``training_args.bin`` read statically or ``training_args.json``),
the final weights at the top when ``trainer_state.json`` there gives their step, and the tokenized
training dataset (named by a recipe's ``trainer.dataset``, or ``train_dataset.jsonl`` /
``train_dataset/`` next to the checkpoints). Rebuilt from the arguments: the batch layout
(``per_device_train_batch_size`` x ``gradient_accumulation_steps``), the seeded sampler
(``data_seed`` or ``seed``; accelerate's seedable sampler), AdamW / SGD with the saved parameter groups,
``get_scheduler(lr_scheduler_type, ...)`` with the Trainer's warmup rule, ``max_grad_norm``, bf16 / fp16,
and the loss normalisation of the transformers version that wrote the checkpoints.
"""

from __future__ import annotations

import math
import re
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.verify import losslog, trainer_args
from openaudit.verify.codes import ArtifactProblem, Code, Kind
from openaudit.verify.paths import Root
from openaudit.verify.plan import Checkpoint, Plan, finish
from openaudit.verify.recipe import read_json
from openaudit.verify.tokenizer import pad_token

CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
DATASET_NAMES = ("train_dataset.jsonl", "train_dataset")
SUPPORTED_OPTIM = {"adamw_torch": "adamw", "adamw_torch_fused": "adamw", "adamw_hf": None, "sgd": "sgd"}
MAX_STATE_BYTES = 64 << 20


def _join(a: str, b: str) -> str:
    return f"{a}/{b}" if a else b


def checkpoint_dirs(root: Root, output_rel: str = "") -> list[tuple[int, str]]:
    out = []
    for name, _ in root.child_dirs(output_rel):
        m = CHECKPOINT_RE.match(name)
        if m:
            out.append((int(m.group(1)), _join(output_rel, name)))
    return sorted(out)


def is_trainer_output(root: Root, output_rel: str = "") -> bool:
    return any(root.is_file(f"{rel}/trainer_state.json") for _, rel in checkpoint_dirs(root, output_rel))


def _state(plan: Plan, rel: str) -> dict[str, Any] | None:
    if not plan.exists(rel):
        return None
    try:
        doc = read_json(plan.root.path(rel), MAX_STATE_BYTES)
    except InvalidDocument as exc:
        plan.add(Kind.PROBLEM, Code.UNREADABLE, exc.message)
        return None
    if not isinstance(doc, dict):
        plan.add(Kind.PROBLEM, Code.UNREADABLE, f"{rel}: not a JSON object")
        return None
    return doc


def _checkpoints(plan: Plan, output_rel: str) -> list[dict[str, Any]]:
    states: list[dict[str, Any]] = []
    for step, rel in checkpoint_dirs(plan.root, output_rel):
        c = Checkpoint(step, expected_optimizer=f"{rel}/optimizer.pt")
        c.model = next((f"{rel}/{f}" for f in WEIGHT_FILES if plan.exists(f"{rel}/{f}")), None)
        if c.model is None:
            plan.add(
                Kind.MISSING, Code.CHECKPOINT_WEIGHTS, f"checkpoint weights at step {step} ({rel}/model.safetensors)"
            )
        for attr, name in (
            ("optimizer", "optimizer.pt"),
            ("scheduler", "scheduler.pt"),
            ("scaler", "scaler.pt"),
            ("rng", "rng_state.pth"),
        ):
            if plan.exists(f"{rel}/{name}"):
                setattr(c, attr, f"{rel}/{name}")
        plan.checkpoints[step] = c
        st = _state(plan, f"{rel}/trainer_state.json")
        if st is not None:
            st["__rel"] = f"{rel}/trainer_state.json"
            states.append(st)
            if st.get("global_step") not in (None, step):
                plan.add(
                    Kind.PROBLEM,
                    Code.INCONSISTENT,
                    f"{rel}/trainer_state.json: global_step {st.get('global_step')} in the folder of step {step}",
                )
    top = _state(plan, _join(output_rel, "trainer_state.json"))
    if top is not None:
        top["__rel"] = _join(output_rel, "trainer_state.json")
        states.append(top)
        final = top.get("global_step")
        weights = next((_join(output_rel, f) for f in WEIGHT_FILES if plan.exists(_join(output_rel, f))), None)
        if isinstance(final, int) and weights and final not in plan.checkpoints:
            plan.checkpoints[final] = Checkpoint(final, model=weights)
    return states


def _config(plan: Plan) -> None:
    configs = []
    for step in sorted(plan.checkpoints):
        ck = plan.checkpoints[step]
        if not ck.model:
            continue
        rel = ck.model.rsplit("/", 1)[0] + "/config.json" if "/" in ck.model else "config.json"
        if plan.exists(rel):
            try:
                configs.append((rel, read_json(plan.root.path(rel))))
            except InvalidDocument as exc:
                plan.add(Kind.PROBLEM, Code.UNREADABLE, exc.message)
    if not configs:
        plan.add(Kind.MISSING, Code.MODEL_CONFIG, "model config (checkpoint-N/config.json)")
        return
    rel, cfg = configs[-1]
    for other, c in configs[:-1]:
        if c != cfg:
            plan.add(Kind.PROBLEM, Code.INCONSISTENT, f"{other} and {rel} describe different models")
    if not isinstance(cfg, dict):
        plan.add(Kind.PROBLEM, Code.UNREADABLE, f"{rel}: not a JSON object")
        return
    plan.config = cfg


def _num(args: dict[str, Any], key: str, default: Any = None) -> Any:
    v = args.get(key, default)
    return default if isinstance(v, bool) or not isinstance(v, (int, float)) else v


def _gap(plan: Plan, code: Code, msg: str) -> None:
    plan.add(Kind.UNSUPPORTED, code, msg)


def _settings(plan: Plan, args: dict[str, Any], max_steps: int) -> dict[str, Any]:
    """Batch, optimizer, schedule, precision and sampling from the training arguments."""
    n_gpu = _num(args, "_n_gpu", 0)
    procs = (
        (args.get("distributed_state") or {}).get("num_processes", 1)
        if isinstance(args.get("distributed_state"), dict)
        else 1
    )
    if n_gpu > 1 or (isinstance(procs, int) and procs > 1) or _num(args, "local_rank", -1) not in (-1, 0):
        _gap(plan, Code.DISTRIBUTED, f"trained on several devices (n_gpu {n_gpu}, processes {procs})")
    for key, bad in (
        ("label_smoothing_factor", lambda v: bool(v)),
        ("neftune_noise_alpha", lambda v: v is not None),
        ("optim_args", lambda v: bool(v)),
        ("group_by_length", lambda v: v is True),
        ("use_liger_kernel", lambda v: v is True),
        ("deepspeed", lambda v: bool(v)),
        ("fsdp", lambda v: bool(v)),
    ):
        if key in args and bad(args[key]):
            _gap(plan, Code.TRAINER_FEATURE, f"training argument {key} = {args[key]!r} is not replayed")
    strategy = args.get("train_sampling_strategy", "random")
    if strategy not in ("random", "sequential"):
        _gap(plan, Code.TRAINER_FEATURE, f"train_sampling_strategy {strategy!r} is not replayed")
    acc = args.get("accelerator_config") if isinstance(args.get("accelerator_config"), dict) else {}
    if strategy == "random" and acc.get("use_seedable_sampler", True) is False:
        _gap(plan, Code.DATA_LAYOUT, "use_seedable_sampler is off: the sampler drew its seed from the global RNG")
    optim = str(args.get("optim", "adamw_torch"))
    name = SUPPORTED_OPTIM.get(optim)
    if name is None:
        _gap(plan, Code.OPTIMIZER, f"optim {optim!r} (replayed: adamw_torch, adamw_torch_fused, sgd)")
        name = "adamw"
    plan.optimizer = {
        "name": name,
        "betas": [_num(args, "adam_beta1", 0.9), _num(args, "adam_beta2", 0.999)],
        "eps": _num(args, "adam_epsilon", 1e-8),
        "weight_decay": _num(args, "weight_decay", 0.0),
    }
    ws = _num(args, "warmup_steps", 0)
    ratio = _num(args, "warmup_ratio", 0.0) or 0.0
    warmup = int(ws) if ws >= 1 else (math.ceil(max_steps * ratio) if ratio > 0 else math.ceil(max_steps * ws))
    plan.schedule = {
        "name": str(args.get("lr_scheduler_type", "linear")),
        "trainer": True,
        "lr": _num(args, "learning_rate", 5e-5),
        "warmup_steps": warmup,
        "total_steps": max_steps,
        "kwargs": args.get("lr_scheduler_kwargs") or {},
    }
    if str(args.get("logging_strategy", "steps")) == "steps" and max_steps > 0:
        every = _num(args, "logging_steps", 500)
        every = math.ceil(max_steps * every) if 0 < every < 1 else int(every)  # a float < 1: a share of max_steps
        if every >= 1:
            plan.log.last_logged = max_steps - max_steps % every
    grad = _num(args, "max_grad_norm", 1.0)
    plan.clip = float(grad) if grad and grad > 0 else None
    plan.precision = "bf16" if args.get("bf16") else ("fp16" if args.get("fp16") else "fp32")
    if args.get("torch_compile"):
        plan.notes.append("trained with torch_compile: the replay runs eagerly (same maths, another kernel order)")
    plan.device = (
        "cuda" if n_gpu >= 1 else ("cpu" if args.get("use_cpu") or args.get("no_cuda") or "_n_gpu" in args else None)
    )
    micro = int(_num(args, "per_device_train_batch_size", 8)) * max(1, int(n_gpu))
    accum = int(_num(args, "gradient_accumulation_steps", 1))
    seed = args.get("data_seed") if isinstance(args.get("data_seed"), int) else _num(args, "seed", 42)
    plan.batch = {"micro_size": micro, "micro_batches": accum, "size": micro * accum}
    return {
        "kind": "sequential" if strategy == "sequential" else "trainer",
        "seed": int(seed),
        "micro_size": micro,
        "accumulation": accum,
        "drop_last": bool(args.get("dataloader_drop_last", False)),
    }


def _collator(plan: Plan, folder: str) -> dict[str, Any]:
    """The language-modelling collator's pad token, from the tokenizer saved in the last checkpoint."""
    try:
        tok = pad_token(plan.root, folder)
    except InvalidDocument as exc:
        plan.add(Kind.PROBLEM, Code.UNREADABLE, exc.message)
        return {}
    if tok is None:
        return {}
    if tok.side not in ("right", "left"):
        _gap(plan, Code.DATA_LAYOUT, f"{tok.source}: padding_side {tok.side!r}")
        return {}
    if tok.token_id is None:
        return {"pad_unknown": tok.problem}
    plan.notes.append(
        f"pad token id {tok.token_id} ({tok.side} padding) from {tok.source}: rows without labels are labelled "
        "as DataCollatorForLanguageModeling does (the inputs, pad tokens -100)"
    )
    return {"pad_token_id": tok.token_id, "pad_side": tok.side, "pad_source": tok.source}


def _dataset(plan: Plan, output_rel: str, dataset: str | None) -> str | None:
    if dataset:
        if plan.exists(dataset) or plan.exists(dataset, folder=True):
            return dataset
        plan.add(Kind.MISSING, Code.TRAINING_DATA, f"tokenized training dataset ({dataset})")
        return None
    for base in dict.fromkeys([output_rel, ""]):
        for name in DATASET_NAMES:
            rel = _join(base, name)
            if plan.exists(rel) or plan.exists(rel, folder=True):
                return rel
    plan.add(
        Kind.MISSING,
        Code.TRAINING_DATA,
        "tokenized training dataset (train_dataset.jsonl or a save_to_disk "
        "folder train_dataset/, or trainer.dataset in a recipe)",
    )
    return None


def from_trainer(
    root: Root,
    source: str,
    *,
    output_rel: str = "",
    dataset: str | None = None,
    order: str | None = None,
    pad_token_id: int | None = None,
    tolerance: dict | None = None,
    max_steps: int | None = None,
    notes: tuple[str, ...] = (),
) -> Plan:
    plan = Plan(source=source, root=root, kind="trainer", tolerance=dict(tolerance or {}), notes=list(notes))
    states = _checkpoints(plan, output_rel)
    if not plan.checkpoints:
        plan.add(Kind.MISSING, Code.CHECKPOINTS, "checkpoint-N folders of the Trainer's output_dir")
    _config(plan)
    version = (plan.config or {}).get("transformers_version")
    args, args_rel = None, None
    latest = checkpoint_dirs(root, output_rel)
    scans: tuple[str, ...] = ()
    if latest:
        try:
            args, args_rel = trainer_args.read_args(root, latest[-1][1])
        except (ArtifactProblem, InvalidDocument) as exc:
            plan.add(Kind.PROBLEM, Code.UNREADABLE, str(getattr(exc, "message", exc)))
        if args_rel and args_rel.endswith(".bin"):
            scans = (args_rel,)
    total = max([st.get("max_steps") for st in states if isinstance(st.get("max_steps"), int)] or [0])
    if args is None:
        plan.add(Kind.MISSING, Code.TRAINING_ARGS, "training arguments (checkpoint-N/training_args.bin or .json)")
        sampling = None
    else:
        sampling = _settings(plan, args, total or int(_num(args, "max_steps", 0)))
    plan.log.entries = losslog.merge(
        [
            losslog.from_log_history(st.get("log_history"), st["__rel"])
            for st in states
            if isinstance(st.get("log_history"), list)
        ]
    )
    plan.log.reduce = "mean"
    values = [e.value for e in plan.log.entries]
    plan.log.rounding = trainer_args.log_rounding(version) or losslog.detect_rounding(values)
    if not plan.log.entries and plan.log.last_logged == 0:  # logging_steps > max_steps: the Trainer logged none
        plan.notes.append(
            "the logging interval is longer than the run: no loss was logged; the updates are checked "
            "through the weights"
        )
    elif not plan.log.entries:
        plan.add(Kind.MISSING, Code.LOSS_LOG, "loss entries in trainer_state.json log_history")
    rel = _dataset(plan, output_rel, dataset)
    plan.data = {"kind": "dataset", "path": rel, "order": order, "sampler": sampling, "pad_token_id": pad_token_id}
    if pad_token_id is None and latest:
        plan.data.update(_collator(plan, latest[-1][1]))
    if rel is None or sampling is None:
        plan.data = None if rel is None else plan.data
    count = trainer_args.loss_count(version)
    if count is None:
        _gap(
            plan,
            Code.LOSS_CONVENTION,
            "config.json does not say which transformers version wrote the run, so the "
            "Trainer's loss normalisation (num_items_in_batch) is unknown",
        )
    plan.mode = count or "tokens"
    plan.trainer = {"transformers_version": version, "training_args": args_rel, "max_steps": total or None}
    finish(plan, max_steps, scans)
    return plan
