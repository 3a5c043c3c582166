"""One line and a hint that fits the error (typed: the error class carries its hint); `check`'s
verdict lines are real lines; `rubric validate` and `check` read a document with one loader and
give one reason; missing files are said plainly; a missing command module is a hard error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from openaudit.cli.main import main

REPO = Path(__file__).resolve().parents[2]
RESTRICTED = REPO / "examples" / "restricted-weights"
SAMPLE = REPO / "tests" / "render" / "sample_report.json"
RUBRIC_HINT = "rubric validate"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def hint(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), err
    return lines[1]


# ---------------------------------------------------------------- item 3: check -o / -f


@pytest.mark.parametrize("extra", [["-f", "markdown"], ["-o", "OUT"], ["-f", "json", "-o", "OUT"]])
def test_check_with_a_report_prints_real_line_breaks(capsys, tmp_path: Path, extra: list[str]) -> None:
    extra = [str(tmp_path / "r.out") if x == "OUT" else x for x in extra]
    rc, _out, err = run(
        capsys,
        "check",
        str(RESTRICTED),
        "--policy",
        str(REPO / "examples/policies/open-science.yaml"),
        "--no-timestamp",
        *extra,
    )
    assert rc == 1
    assert "\\n" not in err, err
    lines = err.splitlines()
    assert lines[0].startswith("policy VIOLATED: restricted-weights") and len(lines) > 2
    assert all(line.startswith(("  violation [", "  unverified: ")) for line in lines[1:])


def test_check_without_a_report_prints_lines_on_stdout(capsys, tmp_path: Path) -> None:
    rc, out, err = run(
        capsys,
        "check",
        str(RESTRICTED),
        "--policy",
        str(REPO / "examples/policies/open-science.yaml"),
        "--verdict-output",
        str(tmp_path / "v.json"),
    )
    assert rc == 1 and err == "" and "\\n" not in out and out.count("\n") > 2
    verdict = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert verdict["ok"] is False and verdict["violations"]
    assert main(["render", str(SAMPLE), "-f", "markdown", "--policy-verdict", str(tmp_path / "v.json")]) == 0


# ---------------------------------------------------------------- item 6: hints that fit


def test_bad_report_for_render_and_badge_gets_a_report_hint(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1.0"}', encoding="utf-8")
    for args in (["render", str(bad)], ["badge", str(bad)], ["bom", str(bad)]):
        rc, _, err = run(capsys, *args)
        assert rc == 2 and RUBRIC_HINT not in err and "openaudit audit --format json" in hint(err), args


def test_bad_policy_verdict_gets_a_verdict_hint(capsys) -> None:
    rc, _, err = run(capsys, "render", str(SAMPLE), "--policy-verdict", str(SAMPLE))
    assert rc == 2 and "--verdict-output" in hint(err) and RUBRIC_HINT not in err


def test_bad_config_gets_a_config_hint(capsys, tmp_path: Path) -> None:
    cfg = tmp_path / "openaudit.toml"
    cfg.write_text('fromat = "json"\n', encoding="utf-8")
    rc, _, err = run(capsys, "--config", str(cfg), "rubric", "list")
    assert rc == 2 and "unknown key 'fromat'" in err
    assert RUBRIC_HINT not in err and "[tool.openaudit]" in hint(err)


def test_unknown_rubric_names_the_shipped_ones(capsys) -> None:
    for args in (["rubric", "show", "nope"], ["audit", str(RESTRICTED), "--rubric", "nope"]):
        rc, _, err = run(capsys, *args)
        assert rc == 2 and "no shipped rubric named 'nope'" in err
        assert "rubric list" in hint(err) and RUBRIC_HINT not in err


def test_invalid_rubric_and_policy_hints(capsys, tmp_path: Path) -> None:
    rub = tmp_path / "r.yaml"
    rub.write_text("id: x\nkind: score\n", encoding="utf-8")
    rc, _, err = run(capsys, "audit", str(RESTRICTED), "--rubric", str(rub))
    assert rc == 2 and RUBRIC_HINT in hint(err)
    pol = tmp_path / "p.yaml"
    pol.write_text("kind: policy\nname: p\nmin_overall_score: 99\n", encoding="utf-8")
    rc, _, err = run(capsys, "check", str(RESTRICTED), "--policy", str(pol))
    assert rc == 2 and "examples/policies" in hint(err)


def test_missing_files_are_said_plainly(capsys, tmp_path: Path) -> None:
    cases = (
        ["rubric", "validate", "nothere.yaml"],
        ["check", str(RESTRICTED), "--policy", "nothere.yaml"],
        ["audit", str(RESTRICTED), "--rubric", "nothere.yaml"],
        ["render", "nothere.json"],
        ["badge", "nothere.json"],
        ["--config", "nothere.toml", "rubric", "list"],
    )
    for args in cases:
        rc, _, err = run(capsys, *args)
        assert rc == 2, args
        assert "no such file: nothere." in err and "$:" not in err, (args, err)
        if args[:2] != ["rubric", "validate"]:
            assert "check the path" in hint(err)


# ---------------------------------------------------------------- item 12: one loader, one reason


def test_validate_every_shipped_yaml_including_license_facts(capsys) -> None:
    files = sorted(str(p) for p in (REPO / "rubrics").glob("*.yaml"))
    assert any(f.endswith("licenses.yaml") for f in files)
    rc, out, err = run(capsys, "rubric", "validate", *files)
    assert rc == 0 and err == "", err
    assert "licenses.yaml: license facts" in out and out.count("ok: ") == len(files)


def test_broken_license_facts_are_checked_against_their_schema(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "licenses.yaml"
    bad.write_text("version: 1\nlicenses:\n  - id: MIT\n", encoding="utf-8")
    rc, _, err = run(capsys, "rubric", "validate", str(bad))
    assert rc == 2 and "licenses[0]" in err and "required property" in err


def test_policy_without_kind_gives_the_same_reason_to_validate_and_check(capsys, tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("name: gate\nmin_overall_score: 5\n", encoding="utf-8")
    rc, _, v_err = run(capsys, "rubric", "validate", str(pol))
    assert rc == 2
    rc, _, c_err = run(capsys, "check", str(RESTRICTED), "--policy", str(pol))
    assert rc == 2
    reason = v_err.removeprefix("invalid: ").strip()
    assert reason == c_err.splitlines()[0].removeprefix("error: ")
    assert "'kind' is a required property" in reason


# ---------------------------------------------------------------- issue 14: no silently missing command


def test_a_missing_command_module_is_a_hard_error() -> None:
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'openaudit.cli.badge':\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from openaudit.cli.main import main\n"
        "sys.exit(main(['--help']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "Error: cannot import name 'badge'" in proc.stderr, proc.stderr[-500:]


def test_unwritable_output_gets_an_output_hint(capsys, tmp_path: Path) -> None:
    for dest in (tmp_path / "no-such-folder" / "r.json", tmp_path):
        rc, _, err = run(capsys, "render", str(SAMPLE), "-f", "json", "-o", str(dest))
        assert rc == 2 and "existing folder" in hint(err) and "readable" not in err, err
