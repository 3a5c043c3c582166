"""Layering of the render, rubric and CLI areas (issue 14): renderers present a report and never
build one; rubric modules never reach up into policy (the describe <-> policy.load cycle); the API
never imports the CLI. Checked on the import statements of the source, function-local ones included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "openaudit"
FORBIDDEN = {
    "render": (
        "openaudit.api",
        "openaudit.cli",
        "openaudit.batch",
        "openaudit.sources",
        "openaudit.collect",
        "openaudit.policy",
    ),
    "rubric": ("openaudit.policy", "openaudit.api", "openaudit.cli", "openaudit.render", "openaudit.batch"),
    "api.py": ("openaudit.cli", "openaudit.batch"),
}


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("area", sorted(FORBIDDEN))
def test_no_upward_imports(area: str) -> None:
    files = [PKG / area] if area.endswith(".py") else sorted((PKG / area).rglob("*.py"))
    assert files
    bad = [(f.name, name) for f in files for name in _imports(f) if name.startswith(FORBIDDEN[area])]
    assert bad == [], bad
