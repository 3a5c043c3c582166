"""`openaudit verify`: exit 0 with any verdict, 2 when it cannot evaluate; JSON to stdout or -o."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from openaudit.cli.main import main

from verify_helpers import EXAMPLES, REPO

VARIANTS = EXAMPLES / "variants"


def test_json_to_file(tmp_path, capsys):
    out = tmp_path / "v.json"
    rc = main(["verify", str(VARIANTS / "missing-optimizer-state"), "--format", "json", "-o", str(out)])
    assert rc == 0
    assert capsys.readouterr().out == ""
    d = json.loads(out.read_text())
    assert d["verdict"] == "NOT_REPRODUCIBLE" and d["missing"]
    assert not list(tmp_path.glob("*.tmp"))


def test_table_to_stdout_and_any_verdict_is_exit_0(capsys):
    rc = main(["verify", str(VARIANTS / "unsafe-pickle-checkpoint")])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("verdict   REFUSED_UNSAFE_ARTIFACT")


def test_budget_flag(capsys):
    rc = main(["verify", str(EXAMPLES / "tiny-open"), "--budget", "0", "--format", "json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["verdict"] == "SKIPPED_BUDGET" and d["metrics"]["estimate"]["seconds"] > 0


@pytest.mark.parametrize(
    "args, needle",
    [
        (["verify", "does/not/exist/anywhere/x"], "no such file"),
        (["verify", "{tiny}", "--format", "xml"], "--format"),
        (["verify", "{tiny}", "--device", "tpu"], "--device"),
        (["verify", "{tiny}", "--budget", "-1"], "budget"),
        (["verify", "{tiny}", "--steps", "0"], "steps"),
        (["verify", "{bad}"], "$.model"),
        (["verify", "{cfg}"], "expected a recipe"),
    ],
)
def test_cannot_evaluate_is_exit_2_one_line(tmp_path, capsys, args, needle):
    bad = tmp_path / "recipe.yaml"
    bad.write_text("recipe_version: 1\nmodel: {family: llama, colour: red}\n")
    subs = {"{tiny}": str(EXAMPLES / "tiny-open"), "{bad}": str(bad), "{cfg}": str(EXAMPLES / "tiny-open" / "config.json")}
    rc = main([subs.get(a, a) for a in args])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: ") and needle in err
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
    code = ("import sys; import openaudit.verify.api, openaudit.verify.findings, openaudit.verify.recipe, "
            "openaudit.verify.plan, openaudit.verify.adapters, openaudit.probes.heavy; "
            "bad = [m for m in ('torch', 'numpy', 'ray', 'datasketch', 'pyarrow') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == "[]"
