"""End-to-end tests of `openaudit audit` / `check` through the real CLI entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from openaudit.cli.main import main
from openaudit.resources import schema

REPO = Path(__file__).resolve().parents[2]
RESTRICTED = REPO / "examples" / "restricted-weights"
POLICIES = REPO / "examples" / "policies"


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def audit_json(target: Path | str, capsys, *extra: str) -> dict:
    rc, out, err = run_cli(["audit", str(target), "--format", "json", "--no-timestamp", *extra], capsys)
    assert rc == 0, err
    return json.loads(out)


def finding(report: dict, probe: str) -> dict:
    for d in report["dimensions"]:
        for f in d["findings"]:
            if f["probe"] == probe:
                return f
    raise AssertionError(f"no finding for {probe}")


def test_minilm_report_reads_every_figure_from_the_files(minilm, capsys):
    report = audit_json(minilm, capsys)
    jsonschema.validate(report, schema("report"))
    assert report["license"]["spdx"] == "Apache-2.0"
    facts = report["facts"]
    # Parameter count: sum of the tensor shapes in model.safetensors' header, read here independently.
    raw = (minilm / "model.safetensors").read_bytes()[:200_000]
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    expected = 0
    for name, t in header.items():
        # parameters = floating-point tensors; integer buffers such as position_ids are not parameters
        if name != "__metadata__" and t["dtype"].startswith(("F", "BF")):
            p = 1
            for s in t["shape"]:
                p *= s
            expected += p
    assert json.dumps(facts).count(str(expected)) >= 1, facts
    card_datasets = [
        ln.strip()[2:]
        for ln in (minilm / "README.md").read_text().split("---")[1].splitlines()
        if ln.strip().startswith("- ") and "/" in ln
    ]
    text = json.dumps(facts)
    for ds in card_datasets:
        assert ds in text, ds
    assert "sentence-transformers" in text
    assert finding(report, "weights.safe_format")["outcome"] == "pass"
    for d in report["dimensions"]:
        for f in d["findings"]:
            if f["outcome"] in ("pass", "fail", "partial"):
                assert f["evidence"], f  # every counted verdict carries evidence


def test_same_input_gives_byte_identical_json(minilm, capsys):
    _, a, _ = run_cli(["audit", str(minilm), "-f", "json", "--no-timestamp"], capsys)
    _, b, _ = run_cli(["audit", str(minilm), "-f", "json", "--no-timestamp"], capsys)
    assert a == b and a.endswith("\n")


def test_restricted_example_is_open_weights_only(capsys):
    report = audit_json(RESTRICTED, capsys)
    assert (
        report["license"]["spdx"] in ("LicenseRef-llama2", "LicenseRef-Llama-2")
        or "llama" in str(report["license"]["spdx"]).lower()
    )
    assert finding(report, "license.open")["outcome"] in ("partial", "fail")
    assert finding(report, "weights.present")["outcome"] == "pass"
    assert finding(report, "data.available")["outcome"] == "fail"
    assert finding(report, "code.training_code")["outcome"] == "fail"
    assert report["frameworks"]["osaid"]["verdict"] != "open-source-ai"


def test_markdown_and_table_formats(minilm, capsys):
    rc, out, _ = run_cli(["audit", str(minilm), "-f", "markdown", "--no-timestamp"], capsys)
    assert rc == 0 and "Apache-2.0" in out and out.lstrip().startswith("#")
    rc, out, _ = run_cli(["audit", str(minilm), "-f", "table"], capsys)
    assert rc == 0 and "license" in out.lower()


def test_output_file_is_written_atomically(minilm, tmp_path, capsys):
    out = tmp_path / "r.json"
    rc, stdout, _ = run_cli(["audit", str(minilm), "-f", "json", "-o", str(out)], capsys)
    assert rc == 0 and stdout == ""
    assert json.loads(out.read_text())["target"]["source"] == "local"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["audit", "/nonexistent/folder/x"], "error:"),
        (["audit", "./no-such-dir"], "error:"),
        (["audit", "{target}", "--rubric", "no-such-rubric"], "error:"),
        (["audit", "{target}", "--format", "pdf"], "unknown format"),
        (["audit", "{target}", "--device", "tpu"], "--device"),
        (["audit", "{target}", "--train", "x.jsonl"], "--benchmark"),
        (["audit"], "error:"),
        (["check", "{target}", "--policy", "/nonexistent/policy.yaml"], "error:"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needle, minilm, capsys):
    args = [a.replace("{target}", str(minilm)) for a in args]
    rc, _out, err = run_cli(args, capsys)
    assert rc == 2
    assert needle in err
    assert "Traceback" not in err
    assert err.count("error:") == 1


def test_bad_rubric_file_names_file_and_reason(minilm, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ndimensions: 5\n")
    rc, _, err = run_cli(["audit", str(minilm), "--rubric", str(bad)], capsys)
    assert rc == 2 and "bad.yaml" in err


def test_check_gate_exit_codes(minilm, tmp_path, capsys):
    lenient = tmp_path / "lenient.yaml"
    strict = tmp_path / "strict.yaml"
    lenient.write_text("kind: policy\nname: lenient\nmin_overall_score: 0\n")
    strict.write_text("kind: policy\nname: strict\nmin_overall_score: 10\nmin_dimension_scores:\n  data: 10\n")
    rc, out, err = run_cli(["check", str(minilm), "--policy", str(lenient)], capsys)
    assert rc == 0, err
    rc, out, err = run_cli(["check", str(minilm), "--policy", str(strict)], capsys)
    assert rc == 1, err
    assert "violation" in out
    verdict = tmp_path / "verdict.json"
    rc, _, err = run_cli(["check", str(minilm), "--policy", str(strict), "--verdict-output", str(verdict)], capsys)
    assert rc == 1 and json.loads(verdict.read_text())["ok"] is False


def test_check_needs_a_policy(minilm, capsys):
    rc, _, err = run_cli(["check", str(minilm)], capsys)
    assert rc == 2 and "--policy" in err


def test_config_file_supplies_defaults_and_rejects_unknown_keys(minilm, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "openaudit.toml").write_text('format = "markdown"\ntimestamp = false\n')
    rc, out, err = run_cli(["audit", str(minilm)], capsys)
    assert rc == 0 and out.lstrip().startswith("#"), err
    (tmp_path / "openaudit.toml").write_text("bogus = 1\n")
    rc, out, err = run_cli(["audit", str(minilm)], capsys)
    assert rc == 2 and "bogus" in err


def test_shipped_policies_load(minilm, capsys):
    for pol in sorted(POLICIES.glob("*.yaml")):
        rc, _, err = run_cli(["check", str(minilm), "--policy", str(pol)], capsys)
        assert rc in (0, 1), (pol, err)


def test_local_audit_does_not_import_heavy_modules(minilm):
    code = (
        "import sys\n"
        "from openaudit.cli.main import main\n"
        f"rc = main(['audit', {str(minilm)!r}, '-f', 'json', '-o', {os.devnull!r}])\n"
        "heavy = [m for m in ('torch', 'ray', 'datasketch', 'pyarrow', 'numpy') if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
