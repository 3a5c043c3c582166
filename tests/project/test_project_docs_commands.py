"""The documented commands work: every command in a ```bash or ```console block of README.md and
docs/*.md is run (offline, in a scratch folder where ``examples``, ``rubrics`` and ``LICENSE`` of
this checkout are visible), and its exit code and a key line of its output are checked. Commands are
extracted automatically, so commands other engineers add are covered.

The conventions, for whoever writes docs:
* ```bash: one command per line. ``# ... exit N ...`` in the trailing comment says the exit code
  (default 0); ``# ... → TEXT`` says a key line: TEXT must appear in stdout/stderr (whitespace
  normalised). A command without ``→`` that writes ``-o FILE`` must leave a non-empty FILE, any
  other must print something.
* ```console: ``$ command`` lines, each followed by its expected output; the first output line is
  the key line. ``exit N`` works as above.
* Synopses with placeholders go in ```text blocks; they are not run.
Commands that cannot run offline are listed, with the reason, in ``SKIP`` below.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
VISIBLE = ("examples", "rubrics", "LICENSE")  # what the documented commands may read from the checkout

# Documented commands that cannot run here, each with the reason (exact command text as written).
SKIP = {
    # a Hub model id: needs the network (the Hub path is tested against the local fake Hub in tests/sources)
    "openaudit audit sentence-transformers/all-MiniLM-L6-v2": "online: Hub model id",
    # the README's two fresh-machine commands: they build a venv and pip-install (network, minutes);
    # CI runs the test command verbatim (.ci/run) and test_project_readme_ci audits the main command's target
    "python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e '.[verify]' "
    "&& openaudit audit examples/tiny-open --verify --benchmark examples/benchmarks/kjv-cloze.jsonl": "setup: creates a venv and installs from PyPI",
    "python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && pip install -e "
    "'.[dev,verify,ray]' && python -m pytest": "setup: creates a venv, installs from PyPI and runs this suite",
    # illustrative output: LICENSE there stands for a modified MIT text that is not in the repository
    "openaudit license identify LICENSE#licenses.md": "illustrative: a modified MIT text not in the repo",
}


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str  # what is run
    exit_code: int
    key: str | None

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _comment(line: str) -> tuple[str, str]:
    """``(command, comment)``: the trailing ``#`` comment of a shell line (quotes respected)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def _expectations(comment: str) -> tuple[int, str | None]:
    m = re.search(r"\bexit (\d)\b", comment.split("→", 1)[0])
    key = comment.split("→", 1)[1].strip() if "→" in comment else None
    return (int(m.group(1)) if m else 0), key


def extract() -> list[Command]:
    cmds: list[Command] = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^```(bash|console)\n(.*?)^```", text, re.S | re.M):
            start = text[: m.start(2)].count("\n") + 1
            lines = m.group(2).splitlines()
            for i, raw in enumerate(lines):
                if m.group(1) == "console":
                    if not raw.startswith("$ "):
                        continue
                    command, comment = _comment(raw[2:])
                    code, _ = _expectations(comment)
                    out = [x for x in lines[i + 1 :] if x.strip()]
                    key = None if not out or out[0].startswith("$ ") else out[0].strip()
                else:
                    if not raw.strip() or raw.lstrip().startswith("#"):
                        continue
                    command, comment = _comment(raw)
                    code, key = _expectations(comment)
                cmds.append(Command(path.name, start + i, command, code, key))
    return cmds


COMMANDS = extract()


def _skip_reason(cmd: Command) -> str | None:
    return SKIP.get(cmd.text) or SKIP.get(f"{cmd.text}#{cmd.doc}")


def test_the_docs_have_commands_and_every_skip_is_still_documented() -> None:
    assert len(COMMANDS) >= 15, [c.id for c in COMMANDS]
    assert {c.doc for c in COMMANDS} >= {"README.md", "formats.md", "evidence.md"}
    documented = {c.text for c in COMMANDS} | {f"{c.text}#{c.doc}" for c in COMMANDS}
    assert not set(SKIP) - documented, f"stale SKIP entries: {set(SKIP) - documented}"
    runnable = [c for c in COMMANDS if not _skip_reason(c)]
    assert all(c.key or " -o " in f" {c.text} " for c in runnable if c.text.startswith("openaudit ")), [
        c.id for c in runnable if c.text.startswith("openaudit ") and not c.key and " -o " not in c.text
    ]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> dict[str, Path]:
    """One scratch folder per documentation file: its commands run in order and share files."""
    base = tmp_path_factory.mktemp("docs")
    folders = {}
    for doc in {c.doc for c in COMMANDS}:
        d = base / doc.replace(".", "_")
        d.mkdir()
        for name in VISIBLE:
            (d / name).symlink_to(REPO / name)
        folders[doc] = d
    return folders


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9", COLUMNS="120", PYTHONIOENCODING="utf-8")
    env.pop("OPENAUDIT_DEBUG", None)
    return env


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.id for c in COMMANDS])
def test_documented_command(cmd: Command, scratch: dict[str, Path]) -> None:
    reason = _skip_reason(cmd)
    if reason:
        pytest.skip(reason)
    cwd = scratch[cmd.doc]
    proc = subprocess.run(["bash", "-c", cmd.text], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == cmd.exit_code, f"{cmd.id}: `{cmd.text}` exited {proc.returncode}\n{out[-2000:]}"
    assert "Traceback" not in out
    if cmd.key:
        flat = " ".join(out.split())
        assert " ".join(cmd.key.split()) in flat, (
            f"{cmd.id}: `{cmd.key}` not in the output of `{cmd.text}`\n{out[-2000:]}"
        )
    elif " -o " in f" {cmd.text} ":
        dest = cwd / shlex.split(cmd.text)[shlex.split(cmd.text).index("-o") + 1]
        assert dest.is_file() and dest.stat().st_size > 0, f"{cmd.id}: {dest.name} not written"
    elif cmd.text.startswith("openaudit "):
        assert proc.stdout.strip(), f"{cmd.id}: no output"


# ---------------------------------------------------------------- configuration examples


def _toml_examples() -> list[tuple[str, str]]:
    """``(first line, text)`` of every ```toml block in the docs."""
    out = []
    for path in DOCS:
        for m in re.finditer(r"^```toml\n(.*?)^```", path.read_text(encoding="utf-8"), re.S | re.M):
            out.append((m.group(1).splitlines()[0], m.group(1)))
    return out


@pytest.mark.parametrize("first,text", _toml_examples())
def test_documented_configuration_loads_where_the_docs_put_it(first: str, text: str, tmp_path: Path) -> None:
    """Each example says which file it belongs in (its first line) and loads there."""
    from openaudit.config import load_config

    name = re.fullmatch(r"#\s*(openaudit\.toml|pyproject\.toml)\s*", first)
    assert name, f"a ```toml example must start with `# openaudit.toml` or `# pyproject.toml`, not {first!r}"
    (tmp_path / name.group(1)).write_text(text, encoding="utf-8")
    cfg = load_config(tmp_path)
    assert cfg.get("rubric") == "openaudit" and cfg.get("format") == "markdown" and cfg["batch"]["jobs"] == 4
