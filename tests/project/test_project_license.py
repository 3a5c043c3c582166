"""The project ships the license it declares (issue 10 item 7): the quick start's
`openaudit license identify LICENSE` names it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from openaudit.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_license_file_is_the_declared_license(capsys, monkeypatch) -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    monkeypatch.chdir(REPO)
    assert main(["license", "identify", "LICENSE", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["id"] == declared == "Apache-2.0" and result["modified"] is False
