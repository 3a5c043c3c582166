"""Locate data shipped with openaudit (rubrics, schemas, license index) without the checkout."""

from __future__ import annotations

import hashlib
import json
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from openaudit.base.files import write_atomic
from openaudit.base.parse import load_yaml


def rubrics_dir() -> Path:
    """The folder holding rubric YAML files and ``schema/`` (top-level ``rubrics/`` in a checkout,
    package ``openaudit.rubrics_data`` when installed)."""
    here = Path(__file__).resolve().parent.parent / "rubrics"
    if (here / "schema").is_dir():
        return here
    return Path(str(resources.files("openaudit.rubrics_data")))


def data_dir() -> Path:
    """``openaudit/data``: generated package data (e.g. the license fingerprint index)."""
    return Path(__file__).resolve().parent / "data"


@cache
def schema(name: str) -> dict[str, Any]:
    """Load ``rubrics/schema/<name>.schema.json`` (name without suffix, e.g. "report")."""
    path = rubrics_dir() / "schema" / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _shipped_loader() -> type:
    base = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader

    class ShippedLoader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node, deep=False):  # type: ignore[override]
            mapping = super().construct_mapping(node, deep=deep)
            return {(k if isinstance(k, str) else str(k)): v for k, v in mapping.items()}

    return ShippedLoader


SHIPPED_CACHE = "shipped_yaml.json"  # in data_dir(): the shipped YAML documents, pre-parsed


@lru_cache(maxsize=1)
def _shipped_cache() -> dict[str, str]:
    """sha256 of a shipped YAML text -> its data as JSON text (see ``build_shipped_cache``)."""
    try:
        data = json.loads((data_dir() / SHIPPED_CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, dict):
        return {}
    return {k: v for k, v in docs.items() if isinstance(k, str) and isinstance(v, str)}


def parse_shipped_yaml(text: str, source: str) -> Any:
    """Parse YAML shipped with openaudit (rubrics/*.yaml): package data, not audited input.

    First choice: the pre-parsed copy in ``data/shipped_yaml.json``, used only when the sha256 of
    ``text`` matches the one it was built from (so an edited file is never served stale data).
    Otherwise one libyaml pass (safe constructors only; mapping keys stringified exactly as the
    hardened loader does) instead of the hardened loader's event pass plus per-key checks. The test
    suite checks both give what the hardened loader gives for every shipped file; a text this loader
    rejects goes through the hardened loader, so a broken file's error is unchanged."""
    cached = _shipped_cache().get(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    if cached is not None:
        return json.loads(cached)
    loader = _shipped_loader()(text)
    try:
        return loader.get_single_data()
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError):
        return load_yaml(text, source=source)
    finally:
        loader.dispose()


def build_shipped_cache(out: Path | None = None) -> Path:
    """(Re)write ``data/shipped_yaml.json`` from rubrics/*.yaml, each parsed by the hardened loader.
    A document whose data does not survive a JSON round trip unchanged is left out (it is then
    parsed from YAML at run time). Run ``python -m openaudit.resources`` after editing rubrics/."""
    docs: dict[str, str] = {}
    files: dict[str, str] = {}
    for path in sorted(rubrics_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = load_yaml(text, source=str(path))
        blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        if json.loads(blob) != data or _json_types(json.loads(blob)) != _json_types(data):
            continue
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        docs[digest] = blob
        files[path.name] = digest
    target = out or data_dir() / SHIPPED_CACHE
    payload = json.dumps({"format": 1, "files": files, "documents": docs}, ensure_ascii=False, indent=0)
    write_atomic(target, payload + "\n", mode=0o644)
    _shipped_cache.cache_clear()
    return target


def _json_types(obj: Any) -> Any:
    """The type skeleton of plain data (so 1, 1.0 and True, equal under ==, still differ)."""
    if isinstance(obj, dict):
        return {k: _json_types(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_types(v) for v in obj]
    return type(obj).__name__


def stale_shipped_files() -> list[str]:
    """Shipped YAML files whose current text has no pre-parsed copy (parsed from YAML, slower)."""
    cache = _shipped_cache()
    return [
        p.name
        for p in sorted(rubrics_dir().glob("*.yaml"))
        if hashlib.sha256(p.read_text(encoding="utf-8").encode("utf-8")).hexdigest() not in cache
    ]


if __name__ == "__main__":
    print(build_shipped_cache())
