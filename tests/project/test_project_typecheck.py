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
STRICT_TARGETS = {
    "openaudit/base": "openaudit.base.text",
    "openaudit/model.py": "openaudit.model",
    "openaudit/errors.py": "openaudit.errors",
}
NOT_STRICT = "openaudit.cli.main"  # outside `files`: mypy's defaults


def _need_mypy() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (it is in the [dev] extra: pip install -e '.[dev]')")


def _options(config: Path, *flags: str):  # -> mypy.options.Options
    from mypy.main import process_options

    return process_options(["--config-file", str(config), *flags, str(REPO / "openaudit" / "errors.py")])[1]


def test_mypy_config_is_strict_on_the_targets_and_only_there(tmp_path: Path) -> None:
    """The per-module flags equal mypy's own ``--strict`` on base/model/errors, and do not leak to the
    rest of the package (``strict = true`` in an override would turn it on everywhere)."""
    _need_mypy()
    from mypy.options import PER_MODULE_OPTIONS

    cfg = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert set(cfg["files"]) == set(STRICT_TARGETS), cfg["files"]
    for section in [cfg, *cfg.get("overrides", [])]:  # nothing is silenced wholesale
        assert not {"ignore_errors", "disable_error_code", "strict", "ignore_missing_imports"} & set(section), section

    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    default, strict, ours = _options(empty), _options(empty, "--strict"), _options(REPO / "pyproject.toml")
    flags = [
        n
        for n in dir(strict)
        if not n.startswith("_") and not callable(getattr(strict, n)) and getattr(strict, n) != getattr(default, n)
    ]
    assert "disallow_untyped_defs" in flags and "warn_return_any" in flags, flags
    for module in STRICT_TARGETS.values():
        mine = ours.clone_for_module(module)
        assert {f: getattr(mine, f) for f in flags} == {f: getattr(strict, f) for f in flags}, module
    other = ours.clone_for_module(NOT_STRICT)
    per_module = [f for f in flags if f in PER_MODULE_OPTIONS]
    assert {f: getattr(other, f) for f in per_module} == {f: getattr(default, f) for f in per_module}


def test_type_ignores_in_strict_files_name_their_code() -> None:
    files = [p for t in STRICT_TARGETS for p in ([REPO / t] if t.endswith(".py") else sorted((REPO / t).rglob("*.py")))]
    assert len(files) > 5
    bare = [
        f"{p.relative_to(REPO)}:{i}"
        for p in files
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"#\s*type:\s*ignore(?!\[)", line)
    ]
    assert bare == []


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    _need_mypy()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"^Success: no issues found in \d+ source files$", out, re.M), out
