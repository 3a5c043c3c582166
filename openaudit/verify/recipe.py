"""Declarative replay recipe: load with the hardened parser, validate (rubrics/schema/recipe.schema.json),
resolve paths inside the target.

A recipe names the model config, checkpoints (weights + optimizer state), the LR schedule, clipping,
precision, batch layout, data and order, the loss log and the segment -- or, for a run made with the
transformers ``Trainer``, its ``output_dir`` and tokenized dataset. Unknown keys are errors. A bad
recipe raises :class:`openaudit.errors.InvalidDocument` naming the file, the JSON path and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaudit.base.parse import load_json, load_yaml
from openaudit.errors import InvalidDocument
from openaudit.resources import schema
from openaudit.verify.paths import PathRefused, Root

MAX_RECIPE_BYTES = 1 << 20
MAX_CONFIG_BYTES = 1 << 20

DEFAULT_MODEL_FILE = "model.safetensors"
DEFAULT_OPTIMIZER_FILE = "optimizer.safetensors"


def read_text(path: Path, max_bytes: int) -> str:
    """UTF-8 text of a regular file no larger than ``max_bytes`` (InvalidDocument otherwise)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidDocument(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not path.is_file():
        raise InvalidDocument(f"{path}: not a regular file")
    if size > max_bytes:
        raise InvalidDocument(f"{path}: {size} bytes is over the {max_bytes}-byte limit")
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidDocument(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InvalidDocument(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_yaml(path: Path, max_bytes: int = MAX_RECIPE_BYTES) -> Any:
    """The one way verify/ parses YAML: the hardened loader (size, alias, duplicate-key, depth limits)."""
    return load_yaml(read_text(path, max_bytes), source=str(path), max_bytes=max_bytes)


def read_json(path: Path, max_bytes: int = MAX_CONFIG_BYTES) -> Any:
    """The one way verify/ parses JSON files it is given: the hardened loader."""
    return load_json(read_text(path, max_bytes), source=str(path), max_bytes=max_bytes)


def _json_path(parts) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def validate(doc: Any, source: str) -> None:
    """Validate a recipe mapping against the schema; first error -> InvalidDocument."""
    import jsonschema

    if not isinstance(doc, dict):
        raise InvalidDocument(f"{source}: $: a recipe must be a mapping, got {type(doc).__name__}")
    validator = jsonschema.Draft202012Validator(schema("recipe"))
    errors = sorted(validator.iter_errors(doc), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        raise InvalidDocument(f"{source}: {_json_path(err.absolute_path)}: {' '.join(err.message.split())[:200]}")
    seg = doc.get("segment")
    if seg and seg["end"] <= seg["start"]:
        raise InvalidDocument(f"{source}: $.segment: end ({seg['end']}) must be after start ({seg['start']})")


@dataclass(frozen=True)
class Recipe:
    """A validated recipe; ``root`` is the folder its relative paths resolve against (and stay inside)."""

    doc: Mapping[str, Any]
    root: Root
    source: str
    model_config: Mapping[str, Any] | None = None  # resolved config (None: file missing)
    config_path: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    refused: tuple[str, ...] = field(default_factory=tuple)  # paths refused while resolving (outside the target)

    @property
    def base(self) -> Path:
        return self.root.base

    def path(self, rel: str) -> Path:
        return self.root.path(rel)

    def get(self, key: str, default: Any = None) -> Any:
        return self.doc.get(key, default)

    @property
    def family(self) -> str | None:
        fam = (self.doc.get("model") or {}).get("family")
        return str(fam).lower().replace("_", "-") if fam else None

    @property
    def precision(self) -> str:
        return self.doc.get("precision", "fp32")

    def checkpoint_dir(self, step: int) -> str:
        return self.doc["checkpoints"]["dir"].replace("{step}", str(step))

    def model_file(self, step: int) -> str:
        name = self.doc["checkpoints"].get("model", DEFAULT_MODEL_FILE)
        return f"{self.checkpoint_dir(step)}/{name}"

    def optimizer_file(self, step: int) -> str:
        name = self.doc["checkpoints"].get("optimizer", DEFAULT_OPTIMIZER_FILE)
        return f"{self.checkpoint_dir(step)}/{name}"

    def checkpoint_steps(self) -> list[int]:
        """Declared checkpoint steps, or those found on disk matching the folder pattern."""
        ck = self.doc.get("checkpoints")
        if not ck:
            return []
        if "steps" in ck:
            return sorted(int(s) for s in ck["steps"])
        parent_rel, _, leaf = ck["dir"].rpartition("/")
        if "{step}" in parent_rel:
            return []
        prefix, _, suffix = leaf.partition("{step}")
        found = []
        for name, _child in self.root.child_dirs(parent_rel):
            if name.startswith(prefix) and name.endswith(suffix):
                mid = name[len(prefix) : len(name) - len(suffix) if suffix else None]
                if mid.isdigit():
                    found.append(int(mid))
        return sorted(found)


def from_dict(doc: Any, base: Path, source: str, notes: tuple[str, ...] = ()) -> Recipe:
    """Validate ``doc`` and resolve its model config (a path inside ``base`` or inline)."""
    validate(doc, source)
    root = Root.of(base)
    cfg = (doc.get("model") or {}).get("config")
    model_config: Mapping[str, Any] | None = None
    config_path = None
    refused: tuple[str, ...] = ()
    if isinstance(cfg, dict):
        model_config = cfg
    elif isinstance(cfg, str):
        config_path = cfg
        try:
            p = root.path(cfg)
        except PathRefused as exc:
            refused = (str(exc),)
        else:
            if p.is_file():
                model_config = read_json(p)
                if not isinstance(model_config, dict):
                    raise InvalidDocument(f"{p}: $: a model config must be a JSON object")
    return Recipe(
        doc=doc,
        root=root,
        source=source,
        model_config=model_config,
        config_path=config_path,
        notes=notes,
        refused=refused,
    )


def load_recipe(path: str | Path) -> Recipe:
    """Read, validate and resolve a recipe file."""
    p = Path(path)
    doc = read_yaml(p)
    return from_dict(doc, p.absolute().parent, str(p))
