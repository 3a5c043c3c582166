"""Locate data shipped with openaudit (rubrics, schemas, license index) without the checkout."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


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


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    """Load ``rubrics/schema/<name>.schema.json`` (name without suffix, e.g. "report")."""
    path = rubrics_dir() / "schema" / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))
