"""The README's two fresh-machine commands stay true: CI runs the test command verbatim, and the main
command's example target exists and audits."""

from __future__ import annotations

import re
from pathlib import Path

from openaudit.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def _setup_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_readme_has_exactly_two_setup_commands():
    cmds = _setup_commands()
    assert len(cmds) == 2, cmds
    assert all("\n" not in c for c in cmds)
    assert "openaudit audit examples/" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _setup_commands()[1] in ci.splitlines()


def test_main_command_target_exists_and_audits(capsys):
    args = _setup_commands()[0].split("openaudit audit ", 1)[1].split()
    assert (REPO / args[0]).is_dir(), args[0]
    argv = ["audit"] + [str(REPO / a) if (REPO / a).exists() else a for a in args] + ["-f", "json", "--no-timestamp"]
    assert main(argv) == 0
    report = __import__("json").loads(capsys.readouterr().out)
    assert report["verification"]["verdict"].startswith("REPRODUCED")
    assert report["contamination"]["benchmarks"][0]["items_contaminated"] > 0
