"""Library surface of training replay: ``run(target, ...) -> dict`` (the verification object)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openaudit.errors import InvalidDocument, TargetNotFound, UsageError
from openaudit.verify.recipe import Recipe, from_dict, load_recipe, read_yaml

RECIPE_NAMES = ("recipe.yaml", "RECIPE.yaml", "recipe.yml", "RECIPE.yml")


def _from_yaml_file(p: Path) -> Recipe:
    """A recipe, or a published GPT-NeoX / OLMo training config turned into one by an adapter."""
    doc = read_yaml(p)
    if isinstance(doc, dict) and "recipe_version" in doc:
        return load_recipe(p)
    from openaudit.verify.adapters import detect, to_recipe

    kind = detect(doc)
    if kind is None:
        raise InvalidDocument(f"{p}: $: neither a recipe (recipe_version) nor a GPT-NeoX or OLMo training config")
    adapted = to_recipe(doc, kind, str(p))
    return from_dict(adapted.recipe, p.resolve().parent, str(p), notes=tuple(adapted.notes))


def resolve(target: str) -> Recipe:
    """A recipe from a recipe file, a published config, a model folder, or a Hub id."""
    p = Path(target)
    if p.is_file():
        if p.suffix.lower() not in (".yaml", ".yml"):
            raise UsageError(f"{target}: expected a recipe .yaml or a model folder")
        return _from_yaml_file(p)
    if p.is_dir():
        for name in RECIPE_NAMES:
            if (p / name).is_file():
                return load_recipe(p / name)
        for cfg in sorted(list(p.glob("*.yml")) + list(p.glob("*.yaml")) + list(p.glob("configs/*.y*ml")))[:20]:
            try:
                return _from_yaml_file(cfg)
            except InvalidDocument:
                continue
        return from_dict({"recipe_version": 1, "model": {"family": "unknown"}}, p.resolve(), str(p),
                         notes=("no recipe.yaml or training config in the folder",))
    if p.exists():
        raise UsageError(f"{target}: not a file or folder")
    if _looks_like_hub_id(target):
        from openaudit.verify.hub import fetch

        return fetch(target)
    raise TargetNotFound(f"{target}: no such file or folder, and not a Hub model id")


def _looks_like_hub_id(s: str) -> bool:
    parts = s.split("/")
    return len(parts) == 2 and all(parts) and not s.startswith((".", "/")) and "\\" not in s


def run(target: str, *, device: str = "auto", budget_seconds: float | None = None, steps: int | None = None,
        deterministic: bool = False) -> dict[str, Any]:
    """Replay the published training segment(s) of ``target`` and return the verification dict
    ``{verdict, tier, reason, metrics, missing[], first_divergent_step, environment, ...}``
    (rubrics/schema/verification.schema.json). Bad input raises an OpenAuditError."""
    from openaudit.verify.environment import DEVICES
    from openaudit.verify.evaluate import evaluate, result
    from openaudit.verify.environment import describe_without_torch
    from openaudit.verify.plan import make_plan

    if device not in DEVICES:
        raise UsageError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if budget_seconds is not None and not budget_seconds >= 0:
        raise UsageError(f"budget must be a non-negative number of seconds, got {budget_seconds!r}")
    if steps is not None and steps < 1:
        raise UsageError(f"steps must be at least 1, got {steps!r}")
    recipe = resolve(target)
    plan = make_plan(recipe, max_steps=steps)
    if recipe.notes and recipe.family == "unknown":
        plan.unsupported.clear()
        plan.missing.insert(0, "replay recipe (recipe.yaml) or a GPT-NeoX/OLMo training config")
        return result("NOT_REPRODUCIBLE", "none", recipe.notes[0], plan, describe_without_torch(device))
    out = evaluate(plan, device=device, budget_seconds=budget_seconds, deterministic=deterministic)
    if recipe.notes:
        out["notes"] = list(recipe.notes)
    return out
