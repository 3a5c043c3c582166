"""The layer contracts in pyproject.toml ([tool.importlinter]) hold: `lint-imports` is clean (issue 14)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (it is in the [dev] extra)")
    proc = subprocess.run([exe, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "BROKEN" not in proc.stdout and proc.stdout.count("KEPT") >= 2, proc.stdout[-2000:]


def test_contract_covers_every_package():
    """A new top-level package must be placed in the layers (or the contract silently ignores it)."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    named = {part.strip() for layer in layers for part in layer.replace(":", "|").split("|")}
    pkgs = {p.name for p in (REPO / "openaudit").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert pkgs - named == set(), f"packages missing from the layer contract: {sorted(pkgs - named)}"
