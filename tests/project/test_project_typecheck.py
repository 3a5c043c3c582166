"""mypy stays clean, strictly, on the base layer, model.py and errors.py (issue 14).

The command is the one the README documents: `mypy` from the repository root, which checks the
``files`` of ``[tool.mypy]`` in pyproject.toml under the strict per-module overrides there."""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STRICT_TARGETS = {"openaudit/base": "openaudit.base.*", "openaudit/model.py": "openaudit.model",
                  "openaudit/errors.py": "openaudit.errors"}


def _mypy_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def test_mypy_config_checks_the_strict_targets_strictly() -> None:
    cfg = _mypy_config()
    assert set(cfg["files"]) == set(STRICT_TARGETS), cfg["files"]
    strict_modules = {m for o in cfg.get("overrides", []) if o.get("strict") is True for m in o["module"]}
    assert set(STRICT_TARGETS.values()) <= strict_modules, strict_modules
    # nothing is silenced wholesale: no ignore_errors, no weakening of strict in any override
    for section in [cfg, *cfg.get("overrides", [])]:
        assert "ignore_errors" not in section, section
        assert section.get("strict", True) is True, section
        assert "disable_error_code" not in section, section


def test_type_ignores_in_strict_files_name_their_code() -> None:
    files = [p for t in STRICT_TARGETS for p in ([REPO / t] if t.endswith(".py") else sorted((REPO / t).rglob("*.py")))]
    assert len(files) > 5
    bare = [f"{p.relative_to(REPO)}:{i}" for p in files
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"#\s*type:\s*ignore(?!\[)", line)]
    assert bare == []


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the [dev] extra: pip install -e '.[dev]')")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"^Success: no issues found in \d+ source files$", out, re.M), out
