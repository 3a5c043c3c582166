"""Optimizers and LR schedules as the publisher ran them.

Optimizer state comes in two forms: ``torch.save(optimizer.state_dict())`` (``optimizer.pt``: integer-
indexed parameters in parameter groups -- what the Trainer and most training loops publish) or
openaudit's own safetensors of ``<param>.<slot>`` tensors. Integer indices are mapped to parameters by
finding the grouping that produced them: one group in model order, the Trainer's decay / no-decay
split (``get_decay_parameter_names``), or the recipe's ``no_decay`` name list -- the grouping must
match every group's size and every state tensor's shape, and exactly one distinct assignment may
match; otherwise the replay is UNSUPPORTED (never guessed). The saved groups' hyper-parameters (betas,
eps, weight decay, foreach/fused flags) are the ones the optimizer ran with and are kept.

LR schedules: transformers' own scheduler functions (``get_cosine_schedule_with_warmup`` ...) give the
multiplier; update ``k`` (1-based) runs at ``base_lr * lambda(k - 1)``, exactly as ``LambdaLR`` computes
it (so the first update of a warmup runs at LR 0). The three schedules of recipe version 1
(``constant``, ``linear``, ``cosine``) keep their documented 1-based formula.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

import torch

from openaudit.verify import hfmodel
from openaudit.verify.codes import ArtifactProblem, Code, ReplayGap

SUPPORTED = ("adamw", "adam", "sgd")
LEGACY_SCHEDULES = ("constant", "linear", "cosine")
HF_SCHEDULES = (
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_linear_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_inverse_sqrt_schedule",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_wsd_schedule",
)


# -- schedules ---------------------------------------------------------------------------------------
def legacy_lr(step: int, sched: Mapping[str, Any]) -> float:
    """Recipe-1 schedules: update ``step`` (1-based) after ``warmup_steps`` linear warmup updates
    (update k < warmup at lr*k/warmup), then constant / linear / cosine decay to ``min_lr`` at ``total_steps``."""
    lr = float(sched["lr"])
    warm = int(sched.get("warmup_steps", 0))
    total = int(sched.get("total_steps", max(step, 1)))
    floor = float(sched.get("min_lr", 0.0))
    if warm and step <= warm:
        return lr * step / warm
    name = sched["name"]
    if name == "constant" or total <= warm:
        return lr
    progress = min(1.0, (step - warm) / (total - warm))
    if name == "linear":
        return floor + (lr - floor) * (1.0 - progress)
    return floor + (lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def _dummy(lr: float) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def hf_lambda(
    name: str, lr: float, warmup: int, total: int | None, kwargs: Mapping[str, Any]
) -> Callable[[int], float]:
    """The multiplier function transformers' scheduler ``name`` builds (called with the 0-based step)."""
    import transformers.optimization as hfopt

    fn = getattr(hfopt, name, None)
    if name not in HF_SCHEDULES or fn is None:
        raise ReplayGap(Code.SCHEDULER, f"LR schedule {name!r} is not a transformers scheduler function")
    params = inspect.signature(fn).parameters
    args: dict[str, Any] = dict(kwargs)
    if "num_warmup_steps" in params:
        args["num_warmup_steps"] = warmup
    if "num_training_steps" in params and total is not None:
        args["num_training_steps"] = total
    try:
        sched = fn(_dummy(lr), **args)
    except (TypeError, ValueError) as exc:
        raise ReplayGap(
            Code.SCHEDULER, f"{name}({', '.join(sorted(args))}): {' '.join(str(exc).split())[:160]}"
        ) from None
    return sched.lr_lambdas[0]


def trainer_lambda(
    kind: str, lr: float, warmup: int, total: int, kwargs: Mapping[str, Any] | None
) -> Callable[[int], float]:
    """The multiplier of the Trainer's ``get_scheduler(lr_scheduler_type, ...)``."""
    from transformers import get_scheduler

    if kind in ("reduce_lr_on_plateau", "greedy"):
        raise ReplayGap(Code.SCHEDULER, f"lr_scheduler_type {kind!r} depends on evaluation metrics")
    try:
        sched = get_scheduler(
            kind,
            _dummy(lr),
            num_warmup_steps=warmup,
            num_training_steps=total,
            scheduler_specific_kwargs=dict(kwargs or {}),
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise ReplayGap(Code.SCHEDULER, f"lr_scheduler_type {kind!r}: {' '.join(str(exc).split())[:160]}") from None
    lambdas = getattr(sched, "lr_lambdas", None)
    if not lambdas:
        raise ReplayGap(Code.SCHEDULER, f"lr_scheduler_type {kind!r} is not a LambdaLR schedule")
    return lambdas[0]


class Schedule:
    """LR of every parameter group for update ``k`` (1-based)."""

    def __init__(self, spec: Mapping[str, Any], lam: Callable[[int], float] | None):
        self.spec = dict(spec)
        self.lam = lam
        self.base = float(spec["lr"])

    def lrs(self, step: int, bases: list[float]) -> list[float]:
        if self.lam is None:
            lr = legacy_lr(step, self.spec)
            return [lr for _ in bases]
        m = self.lam(step - 1)
        return [b * m for b in bases]


def make_schedule(spec: Mapping[str, Any]) -> Schedule:
    name = spec["name"]
    if spec.get("trainer"):  # a Trainer lr_scheduler_type ("cosine" here is transformers' cosine)
        return Schedule(
            spec,
            trainer_lambda(
                name, float(spec["lr"]), int(spec.get("warmup_steps", 0)), int(spec["total_steps"]), spec.get("kwargs")
            ),
        )
    if name in LEGACY_SCHEDULES:
        return Schedule(spec, None)
    total = spec.get("total_steps")
    return Schedule(
        spec,
        hf_lambda(
            name,
            float(spec["lr"]),
            int(spec.get("warmup_steps", 0)),
            None if total is None else int(total),
            spec.get("kwargs") or {},
        ),
    )


# -- optimizers --------------------------------------------------------------------------------------
def _cls(name: str):
    name = name.lower()
    if name not in SUPPORTED:
        raise ReplayGap(Code.OPTIMIZER, f"optimizer {name!r} (supported: {', '.join(SUPPORTED)})")
    return {"adamw": torch.optim.AdamW, "adam": torch.optim.Adam, "sgd": torch.optim.SGD}[name]


def _hyper(spec: Mapping[str, Any]) -> dict[str, Any]:
    name = str(spec["name"]).lower()
    out: dict[str, Any] = {"lr": 0.0, "weight_decay": float(spec.get("weight_decay", 0.0))}
    if name in ("adamw", "adam"):
        out["betas"] = tuple(float(b) for b in spec.get("betas", (0.9, 0.999)))
        out["eps"] = float(spec.get("eps", 1e-8))
    else:
        out["momentum"] = float(spec.get("momentum", 0.0))
    impl = spec.get("implementation", "default")
    if impl == "foreach":
        out["foreach"] = True
    elif impl == "fused":
        out["fused"] = True
    elif impl == "single_tensor":
        out["foreach"] = False
    return out


def groupings(model: torch.nn.Module, spec: Mapping[str, Any], n_groups: int) -> list[tuple[str, list[list[str]]]]:
    """Candidate parameter groupings (name lists per group, in model order)."""
    names = [n for n, _ in hfmodel.parameters(model)]
    out: list[tuple[str, list[list[str]]]] = []
    if n_groups == 1:
        out.append(("one group", [names]))
    if n_groups == 2:
        rules: list[tuple[str, set[str]]] = [("Trainer decay/no-decay", hfmodel.trainer_decay_names(model))]
        no_decay = spec.get("no_decay")
        if isinstance(no_decay, list):
            rules.append((f"no_decay {no_decay}", hfmodel.substring_decay_names(model, no_decay)))
        for label, decay in rules:
            a = [n for n in names if n in decay]
            b = [n for n in names if n not in decay]
            out += [(label, [a, b]), (label + " (reversed)", [b, a])]
    return out


def _fits(groups: list[list[str]], saved: Mapping[str, Any], shapes: Mapping[str, tuple[int, ...]]) -> bool:
    saved_groups = saved["param_groups"]
    if [len(g) for g in groups] != [len(g.get("params", [])) for g in saved_groups]:
        return False
    for names, g in zip(groups, saved_groups):
        for name, idx in zip(names, g["params"]):
            st = saved["state"].get(idx) or {}
            for v in st.values():
                if isinstance(v, torch.Tensor) and v.dim() > 0 and tuple(v.shape) != shapes[name]:
                    return False
    return True


def check_state_dict(saved: Any, rel: str) -> Mapping[str, Any]:
    if not (
        isinstance(saved, dict) and isinstance(saved.get("state"), dict) and isinstance(saved.get("param_groups"), list)
    ):
        raise ArtifactProblem(f"{rel}: not an optimizer state_dict (state + param_groups)")
    for g in saved["param_groups"]:
        if not isinstance(g, dict) or not isinstance(g.get("params"), list):
            raise ArtifactProblem(f"{rel}: a parameter group without a params list")
    for idx, st in saved["state"].items():
        for slot, v in (st or {}).items():
            if isinstance(v, torch.Tensor) and v.is_floating_point() and not torch.isfinite(v).all():
                raise ArtifactProblem(f"{rel}: state {idx}.{slot} holds non-finite values")
    return saved


def from_state_dict(
    model: torch.nn.Module, spec: Mapping[str, Any], saved: Mapping[str, Any], rel: str
) -> torch.optim.Optimizer:
    """An optimizer over ``model`` holding the published state (a copy: the cached state stays intact)."""
    saved = check_state_dict(saved, rel)
    shapes = {n: tuple(p.shape) for n, p in hfmodel.parameters(model)}
    fitting = [(label, g) for label, g in groupings(model, spec, len(saved["param_groups"])) if _fits(g, saved, shapes)]
    distinct = {tuple(map(tuple, g)) for _, g in fitting}
    if not fitting:
        sizes = [len(g["params"]) for g in saved["param_groups"]]
        raise ReplayGap(
            Code.PARAM_GROUPS,
            f"{rel}: parameter groups of sizes {sizes} match no known grouping of the "
            f"model's {len(shapes)} parameters (one group, the Trainer's decay split, "
            "or the recipe's optimizer.no_decay list)",
        )
    if len(distinct) > 1:
        raise ReplayGap(
            Code.PARAM_GROUPS, f"{rel}: parameter groups are ambiguous ({', '.join(l for l, _ in fitting)})"
        )
    params = dict(hfmodel.parameters(model))
    groups = [{"params": [params[n] for n in names], **_hyper(spec)} for names in fitting[0][1]]
    opt = _cls(str(spec["name"]))(groups)
    opt.load_state_dict(copy.deepcopy(dict(saved)))
    _agree(opt, spec, rel)
    for g in opt.param_groups:
        g.setdefault("initial_lr", spec.get("lr"))
    return opt


def _agree(opt: torch.optim.Optimizer, spec: Mapping[str, Any], rel: str) -> None:
    """The declared hyper-parameters must be ones the saved optimizer ran with (in at least one parameter
    group: groups may legitimately differ, e.g. a lower LR for embeddings)."""
    declared: list[tuple[str, tuple[float, ...]]] = []
    if spec.get("lr") is not None:
        declared.append(("initial_lr", (float(spec["lr"]),)))
    if "betas" in spec:
        declared.append(("betas", tuple(float(b) for b in spec["betas"])))
    if "eps" in spec:
        declared.append(("eps", (float(spec["eps"]),)))
    for key, want in declared:
        saved = [g[key] for g in opt.param_groups if g.get(key) is not None]
        if not saved:
            continue
        as_tuple = [tuple(v) if isinstance(v, (list, tuple)) else (v,) for v in saved]
        if not any(
            len(t) == len(want) and all(math.isclose(float(x), y, rel_tol=1e-9) for x, y in zip(t, want))
            for t in as_tuple
        ):
            raise ArtifactProblem(
                f"{rel}: the optimizer ran with {key} {saved[0]!r} but the run declares "
                f"{want if len(want) > 1 else want[0]!r}",
                Code.INCONSISTENT,
            )


def from_slots(
    model: torch.nn.Module, spec: Mapping[str, Any], tensors: Mapping[str, torch.Tensor], rel: str
) -> torch.optim.Optimizer:
    """An optimizer from ``<param>.<slot>`` tensors with the recipe's hyper-parameters (one group, or a
    decay / no-decay pair when the recipe names ``no_decay``)."""
    params = dict(hfmodel.parameters(model))
    hyper = _hyper(spec)
    if isinstance(spec.get("no_decay"), list):
        decay = hfmodel.substring_decay_names(model, spec["no_decay"])
        groups = [
            {"params": [p for n, p in params.items() if n in decay], **hyper},
            {"params": [p for n, p in params.items() if n not in decay], **{**hyper, "weight_decay": 0.0}},
        ]
    else:
        groups = [{"params": list(params.values()), **hyper}]
    opt = _cls(str(spec["name"]))([g for g in groups if g["params"]])
    slots: dict[str, dict[str, torch.Tensor]] = {}
    for key, v in tensors.items():
        pname, _, slot = key.rpartition(".")
        slots.setdefault(pname, {})[slot] = v
    unknown = [p for p in slots if p not in params]
    if unknown:
        renamed = _rename_by_shape(unknown, [p for p in params if p not in slots], slots, params)
        for old, new in renamed.items():
            slots[new] = slots.pop(old)
    if not slots:  # a fresh optimizer (e.g. the step-0 state of SGD without momentum)
        return opt
    for pname, p in params.items():
        st = slots.get(pname)
        if not st:
            raise ArtifactProblem(f"{rel}: no optimizer state for parameter {pname!r}")
        for slot, v in st.items():
            if slot != "step" and tuple(v.shape) != tuple(p.shape):
                raise ArtifactProblem(
                    f"{rel}: {pname}.{slot} has shape {tuple(v.shape)}, parameter has {tuple(p.shape)}",
                    Code.SIZE_MISMATCH,
                )
            if v.is_floating_point() and not torch.isfinite(v).all():
                raise ArtifactProblem(f"{rel}: {pname}.{slot} holds non-finite values")
        opt.state[p] = {
            k: (v.to(torch.float32).reshape(()).clone() if k == "step" else v.to(p.device, p.dtype).clone())
            for k, v in st.items()
        }
    return opt


def _rename_by_shape(unknown: list[str], free: list[str], slots, params) -> dict[str, str]:
    """Saved names the live model calls differently (``embed_out`` vs ``lm_head``): paired only when the
    shape identifies exactly one free parameter; otherwise the state names no model parameter."""
    out: dict[str, str] = {}
    for old in unknown:
        shape = next((tuple(v.shape) for k, v in slots[old].items() if k != "step"), None)
        match = [n for n in free if tuple(params[n].shape) == shape and n not in out.values()]
        if shape is None or len(match) != 1 or len([u for u in unknown if u != old and _shape(slots[u]) == shape]):
            raise ArtifactProblem(f"optimizer state {old!r} names no model parameter")
        out[old] = match[0]
    return out


def _shape(st: Mapping[str, torch.Tensor]) -> tuple[int, ...] | None:
    return next((tuple(v.shape) for k, v in st.items() if k != "step"), None)


def step_counts(opt: torch.optim.Optimizer) -> set[float]:
    """The distinct update counts Adam-style states record (empty for SGD)."""
    out: set[float] = set()
    for st in opt.state.values():
        v = st.get("step")
        if (isinstance(v, torch.Tensor) and v.numel() == 1) or isinstance(v, (int, float)):
            out.add(float(v))
    return out
