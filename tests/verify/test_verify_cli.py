"""`openaudit verify`: exit 0 with any verdict, 2 when it cannot evaluate; JSON to stdout or -o; the same
conventions as `audit` (-f, JSON when stdout is not a terminal, silent -o)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES, REPO

from openaudit.cli.main import main

VARIANTS = EXAMPLES / "variants"


def test_json_to_file_is_silent(tmp_path, capsys):
    out = tmp_path / "v.json"
    rc = main(["verify", str(VARIANTS / "missing-optimizer-state"), "--format", "json", "-o", str(out)])
    cap = capsys.readouterr()
    assert rc == 0 and cap.out == "" and cap.err == ""  # like `audit -o`: nothing on stdout or stderr
    d = json.loads(out.read_text())
    assert d["verdict"] == "NOT_REPRODUCIBLE" and d["missing"]
    assert not list(tmp_path.glob("*.tmp"))


def test_short_format_flag_and_table(capsys):
    rc = main(["verify", str(VARIANTS / "unsafe-pickle-checkpoint"), "-f", "table"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("verdict               REFUSED_UNSAFE_ARTIFACT")


def test_json_is_the_default_when_stdout_is_not_a_terminal():
    p = subprocess.run(
        [sys.executable, "-m", "openaudit.cli.main", "verify", str(VARIANTS / "unsafe-pickle-checkpoint")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert p.returncode == 0
    assert json.loads(p.stdout)["verdict"] == "REFUSED_UNSAFE_ARTIFACT"


def test_budget_flag(capsys):
    rc = main(["verify", str(EXAMPLES / "tiny-open"), "--budget", "0", "--format", "json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["verdict"] == "SKIPPED_BUDGET" and d["metrics"]["estimate"]["seconds"] > 0


def test_mismatches_show_enough_digits(capsys):
    from openaudit.render.verification import pair, to_table

    assert pair(5.7212345, 5.7198765) == ("5.721", "5.72")
    assert pair(5.72000001, 5.72000002) == ("5.72000001", "5.72000002")
    r = {
        "verdict": "DIVERGED",
        "tier": "forward",
        "reason": "r",
        "metrics": {
            "forward_audit": {
                "checks": [{"checkpoint": 0, "step": 1, "logged": 5.721999, "computed": 5.722001, "ok": False}]
            }
        },
        "missing": [],
        "environment": {},
    }
    table = to_table(r)
    assert "5.721999" in table and "5.722001" in table and "MISMATCH" in table


@pytest.mark.parametrize(
    "args, needle",
    [
        (["verify", "does/not/exist/anywhere/x"], "no such file"),
        (["verify", "{tiny}", "--format", "xml"], "--format"),
        (["verify", "{tiny}", "--device", "tpu"], "--device"),
        (["verify", "{tiny}", "--budget", "-1"], "budget"),
        (["verify", "{tiny}", "--steps", "0"], "steps"),
        (["verify", "{tiny}", "--threads", "0"], "threads"),
        (["verify", "{bad}"], "$.model"),
        (["verify", "{cfg}"], "expected a recipe"),
        (["verify", "{deep}"], "nest"),
    ],
)
def test_cannot_evaluate_is_exit_2_one_line(tmp_path, capsys, args, needle):
    bad = tmp_path / "recipe.yaml"
    bad.write_text("recipe_version: 1\nmodel: {family: llama, colour: red}\n")
    deep = tmp_path / "deep" / "recipe.yaml"
    deep.parent.mkdir()
    deep.write_text("recipe_version: 1\nmodel:\n  family: llama\n  config: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n")
    subs = {
        "{tiny}": str(EXAMPLES / "tiny-open"),
        "{bad}": str(bad),
        "{cfg}": str(EXAMPLES / "tiny-open" / "config.json"),
        "{deep}": str(deep),
    }
    rc = main([subs.get(a, a) for a in args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ") and needle in err and err.count("\nerror") == 0
    assert "Traceback" not in err


def test_cuda_requested_without_cuda_is_exit_2(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    rc = main(["verify", str(EXAMPLES / "tiny-open"), "--device", "cuda"])
    assert rc == 2 and "CUDA" in capsys.readouterr().err


def test_unwritable_output_is_exit_2(tmp_path, capsys):
    rc = main(["verify", str(VARIANTS / "unsafe-pickle-checkpoint"), "-o", str(tmp_path / "no" / "dir" / "x.json")])
    err = capsys.readouterr().err
    assert rc == 2 and ("cannot write" in err or "does not exist" in err) and err.count("error:") == 1


def test_verify_modules_do_not_import_torch_until_needed():
    code = (
        "import sys; import openaudit.verify.api, openaudit.verify.recipe, "
        "openaudit.verify.plan, openaudit.verify.trainer, openaudit.verify.adapters, openaudit.render.verification, "
        "openaudit.probes.heavy; "
        "bad = [m for m in ('torch', 'transformers', 'numpy', 'ray', 'datasketch', 'pyarrow') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "[]"
