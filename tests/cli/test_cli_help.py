"""Every command's --help: plain text without rich escapes (``\\[required]``), and what it says is true.
Commands are found by walking the real click application, so a command added later is covered."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
import typer

from openaudit.cli.app import app
from openaudit.cli.main import main

main(["--help"])  # every command module registered (however main loads them)


def _commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = [()]

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                found.append(path + (name,))
                walk(sub, path + (name,))

    walk(root, ())
    return found


COMMANDS = _commands()


def test_every_command_of_the_design_is_registered() -> None:
    top = {c[0] for c in COMMANDS if len(c) == 1}
    assert {
        "audit",
        "check",
        "rubric",
        "license",
        "contamination",
        "verify",
        "render",
        "badge",
        "bom",
        "snapshot",
        "batch",
    } <= top
    assert {("rubric", "list"), ("rubric", "show"), ("rubric", "validate"), ("license", "identify")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "openaudit")
def test_help_is_plain_and_unescaped(path: tuple[str, ...], capsys) -> None:
    assert main([*path, "--help"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Usage: openaudit") and err == ""
    assert "\\[" not in out and "\\]" not in out, out
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    if any(isinstance(p, click.Argument) and p.required for p in cmd.params):
        assert "[required]" in out
    if any(isinstance(p, click.Option) and p.show_default and p.default not in (None, False) for p in cmd.params):
        assert "[default: " in out


def test_help_names_the_right_files_and_sources(capsys) -> None:
    main(["render", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "check --verdict-output" in out and "check --format json" not in out
    main(["batch", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "state.jsonl" in out and "state.json," not in out and "state.json)" not in out


def test_help_through_the_console_script() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "openaudit.cli.main", "audit", "--help"], capture_output=True, text=True, timeout=60
    )
    out = " ".join(proc.stdout.split())
    assert proc.returncode == 0 and "[default: auto]" in out and "\\[" not in out
