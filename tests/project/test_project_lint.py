"""ruff stays clean on the whole tree, lint and format (issue 14), with the configuration in pyproject.toml.

`.ci/run` runs the same commands after the test suite; this test makes the README test command catch a
lint or format slip too."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (it is in the [dev] extra: pip install -e '.[dev]')")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ruff_lint_is_clean():
    proc = _ruff("check")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "All checks passed!" in proc.stdout


def test_ruff_format_is_clean():
    proc = _ruff("format", "--check")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "already formatted" in proc.stdout and "would be reformatted" not in proc.stdout


def test_ruff_catches_a_slip(tmp_path: Path):
    """The check can fail: an unused import and a badly formatted line are both reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx=( 1,2 )\n", encoding="utf-8")
    for args in (("check", "--select", "F401"), ("format", "--check")):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--no-cache", str(bad)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
