"""Library surface of training replay: ``run(target, ...) -> dict`` (the verification object)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openaudit.errors import InvalidDocument, TargetNotFound, UsageError
from openaudit.verify import hub as verify_hub
from openaudit.verify.adapters import detect, to_recipe
from openaudit.verify.codes import ArtifactProblem, Code, Kind, Tier, Verdict
from openaudit.verify.environment import DEVICES, describe_without_torch
from openaudit.verify.evaluate import evaluate, result
from openaudit.verify.paths import Root
from openaudit.verify.plan import Plan, from_recipe
from openaudit.verify.recipe import Recipe, from_dict, load_recipe, read_yaml
from openaudit.verify.trainer import from_trainer, is_trainer_output

RECIPE_NAMES = ("recipe.yaml", "RECIPE.yaml", "recipe.yml", "RECIPE.yml")


def plan_of(recipe: Recipe, max_steps: int | None) -> Plan:
    """A recipe's plan: the recipe's own layout, or the Trainer output folder it names."""
    tr = recipe.get("trainer")
    if tr:
        out = tr.get("output_dir", ".").strip("/")
        out = "" if out in (".", "") else out
        plan = from_trainer(
            recipe.root,
            recipe.source,
            output_rel=out,
            dataset=tr.get("dataset"),
            order=tr.get("order"),
            pad_token_id=tr.get("pad_token_id"),
            tolerance=recipe.get("tolerance"),
            max_steps=max_steps,
            notes=recipe.notes,
        )
        for msg in recipe.refused:
            plan.add(Kind.PROBLEM, Code.PATH_OUTSIDE, msg)
        return plan
    return from_recipe(recipe, max_steps)


def _from_yaml_file(p: Path, max_steps: int | None) -> Plan:
    """A recipe, or a published GPT-NeoX / OLMo training config turned into one by an adapter."""
    doc = read_yaml(p)
    if isinstance(doc, dict) and "recipe_version" in doc:
        return plan_of(load_recipe(p), max_steps)
    kind = detect(doc)
    if kind is None:
        raise InvalidDocument(f"{p}: $: neither a recipe (recipe_version) nor a GPT-NeoX or OLMo training config")
    adapted = to_recipe(doc, kind, str(p))
    plan = plan_of(from_dict(adapted.recipe, p.absolute().parent, str(p), notes=tuple(adapted.notes)), max_steps)
    for gap in adapted.gaps:
        plan.add(Kind.UNSUPPORTED, Code.CONFIG_FEATURE, gap)
    return plan


def _inside(folder: Path, p: Path) -> bool:
    real, base = p.resolve(), folder.resolve()
    return real == base or base in real.parents


def resolve(
    target: str,
    *,
    max_steps: int | None = None,
    revision: str | None = None,
    token: str | None = None,
    offline: bool = False,
) -> Plan:
    """The plan of a recipe file, a published config, a model / Trainer output folder, or a Hub id."""
    p = Path(target)
    if p.is_file():
        if p.suffix.lower() not in (".yaml", ".yml"):
            raise UsageError(f"{target}: expected a recipe .yaml or a model folder")
        return _from_yaml_file(p, max_steps)
    if p.is_dir():
        for name in RECIPE_NAMES:
            if (p / name).is_file() or (p / name).is_symlink():
                if not _inside(p, p / name):
                    raise InvalidDocument(f"{p / name}: a symbolic link out of the target folder (refused)")
                return plan_of(load_recipe(p / name), max_steps)
        root = Root.of(p)
        if is_trainer_output(root):
            return from_trainer(root, str(p), max_steps=max_steps)
        if _olmo_core_save(root):
            plan = Plan(source=str(p), root=root)
            plan.add(
                Kind.UNSUPPORTED,
                Code.FRAMEWORK,
                "an OLMo-core save folder (stepN/model_and_optim/ torch distributed "
                "checkpoints): replaying it needs OLMo-core's own model code and "
                "its checkpoint metadata pickles; openaudit replays transformers models",
            )
            return plan
        configs = sorted(list(p.glob("*.yml")) + list(p.glob("*.yaml")) + list(p.glob("configs/*.y*ml")))[:20]
        for cfg in configs:
            if not _inside(p, cfg):
                continue
            try:
                return _from_yaml_file(cfg, max_steps)
            except InvalidDocument:
                continue
        plan = Plan(source=str(p), root=root)
        plan.add(
            Kind.MISSING,
            Code.RECIPE,
            "replay recipe (recipe.yaml), a Trainer output_dir (checkpoint-N/) or a GPT-NeoX/OLMo training config",
        )
        return plan
    if p.exists():
        raise UsageError(f"{target}: not a file or folder")
    if _looks_like_hub_id(target):
        recipe = verify_hub.fetch(target, revision=revision, token=token, offline=offline)
        return plan_of(recipe, max_steps)
    raise TargetNotFound(f"{target}: no such file or folder, and not a Hub model id")


def _olmo_core_save(root: Root) -> bool:
    """``stepN/model_and_optim/.metadata`` + ``stepN/.metadata.json``: what OLMo-core's checkpointer writes."""
    for name, _ in root.child_dirs():
        if name.startswith("step") and name[4:].isdigit():
            try:
                if root.is_file(f"{name}/model_and_optim/.metadata") and root.is_file(f"{name}/.metadata.json"):
                    return True
            except ArtifactProblem:
                continue
    return False


def _looks_like_hub_id(s: str) -> bool:
    parts = s.split("/")
    return len(parts) == 2 and all(parts) and not s.startswith((".", "/")) and "\\" not in s


def check_options(device: str, budget_seconds: float | None, steps: int | None, threads: int | None = None) -> None:
    if device not in DEVICES:
        raise UsageError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if budget_seconds is not None and not budget_seconds >= 0:
        raise UsageError(f"budget must be a non-negative number of seconds, got {budget_seconds!r}")
    if steps is not None and steps < 1:
        raise UsageError(f"steps must be at least 1, got {steps!r}")
    if threads is not None and not 1 <= threads <= 4096:
        raise UsageError(f"threads must be between 1 and 4096, got {threads!r}")


def run(
    target: str,
    *,
    device: str = "auto",
    budget_seconds: float | None = None,
    steps: int | None = None,
    deterministic: bool = False,
    revision: str | None = None,
    token: str | None = None,
    offline: bool = False,
    threads: int | None = None,
) -> dict[str, Any]:
    """Replay the published training segment(s) of ``target`` and return the verification dict
    ``{verdict, tier, reason, metrics, missing[], issues[], first_divergent_step, environment, ...}``
    (rubrics/schema/verification.schema.json). ``threads``: CPU threads of the replay (default: the run's
    recorded thread count, else torch's). Bad input raises an OpenAuditError."""
    check_options(device, budget_seconds, steps, threads)

    def plan_() -> Plan:
        p = resolve(target, max_steps=steps, revision=revision, token=token, offline=offline)
        if threads is not None:
            p.threads = threads
        return p

    plan = plan_()
    out = evaluate(plan, device=device, budget_seconds=budget_seconds, deterministic=deterministic)
    choices = open_choices(plan)
    readings = [c for n in range(1, len(choices) + 1) for c in itertools.combinations(choices, n)]
    for reading in readings:
        if out["verdict"] != "DIVERGED":
            break
        alt = plan_()
        for choice in reading:
            choice.change(alt)
        second = evaluate(alt, device=device, budget_seconds=budget_seconds, deterministic=deterministic)
        if second["verdict"].startswith("REPRODUCED"):
            second.setdefault("notes", []).extend(f"{c.left_open}: {c.read_as}" for c in reading)
            return second
        if second["verdict"] == "DIVERGED" and _agreement(second) > _agreement(out):
            out = second  # the reading that agrees longest, then closest, places the divergence
    if readings and out["verdict"] == "DIVERGED":
        out.setdefault("notes", []).append(
            "the replay diverges under every reading of what the artifacts leave open ("
            + "; ".join(c.left_open for c in choices)
            + ")"
        )
    return out


def _agreement(r: dict[str, Any]) -> tuple[int, float]:
    """How far a diverged replay agrees: its first divergent step, then (at the same step) how close its
    weights stay — a doctored tensor differs under every reading, a wrong reading adds its own differences."""
    distance = (r.get("metrics") or {}).get("weight_distance")
    return (r["first_divergent_step"] or 0, -distance if isinstance(distance, (int, float)) else float("-inf"))


@dataclass(frozen=True)
class Choice:
    """Something the published artifacts leave open, and its other reading, tried (alone and with the
    other choices) when the replay diverges under the first. A reading only changes which honest run is
    replayed: every check still applies, so no reading can clear a doctored artifact."""

    change: Callable[[Plan], None]
    left_open: str
    read_as: str  # the note when the replay reproduces under this reading


def _labels_rows(plan: Plan) -> None:
    plan.data = {**(plan.data or {}), "row": "labels"}
    plan.mode = "batch_mean"


def _unmasked(plan: Plan) -> None:
    plan.data = {**(plan.data or {}), "mask_pad": False}


def _no_padding_idx(plan: Plan) -> None:
    plan.padding_idx = False


def open_choices(plan: Plan) -> list[Choice]:
    d = plan.data or {}
    out = []
    if d.get("row_declared") is False:  # recipe 1.0 token rows are seq_len+1 windows, or transformers' labels rows
        out.append(
            Choice(
                _labels_rows,
                "data.row is not declared",
                "the token rows were read as labels rows (seq_len tokens, model(input_ids=row, labels=row))",
            )
        )
    pad, source = d.get("pad_token_id"), d.get("pad_source")
    if source and pad is not None:
        from openaudit.verify import data as vdata  # HEAVY: numpy and torch (a replay has run by now)

        if not vdata.rows_have_labels(plan.root, d["path"]):
            out.append(
                Choice(
                    _unmasked,
                    f"rows without labels and a tokenizer with pad token {pad} ({source})",
                    "the labels were read as the inputs unmasked (a dataset that copied them), not as "
                    "DataCollatorForLanguageModeling makes them",
                )
            )
        if (plan.config or {}).get("pad_token_id") == pad:
            out.append(
                Choice(
                    _no_padding_idx,
                    f"config.json's pad_token_id {pad} equals the saved tokenizer's, as the Trainer writes it "
                    "after building the model",
                    "the input embedding was replayed without padding_idx (the model was built before its "
                    "config had a pad token)",
                )
            )
    return out


def run_or_report(target: str, **kw: Any) -> dict[str, Any]:
    """``run`` for ``audit --verify``: a recipe or config that cannot be read becomes a verification
    result saying why (NOT_REPRODUCIBLE, tier none) instead of stopping the audit."""
    try:
        return run(target, **kw)
    except InvalidDocument as exc:
        plan = Plan(source=target, root=Root.of(Path(target)) if Path(target).is_dir() else Root.of(Path(".")))
        plan.add(Kind.PROBLEM, Code.RECIPE_INVALID, exc.message)
        return result(
            Verdict.NOT_REPRODUCIBLE,
            Tier.NONE,
            f"the replay recipe or config is invalid: {exc.message}",
            plan,
            describe_without_torch(str(kw.get("device", "auto"))),
        )
