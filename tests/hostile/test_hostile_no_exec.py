"""Nothing from an audited repo is executed, imported, unpickled, rendered or extracted: a fresh
interpreter makes those entry points trip, then audits every hostile fixture (pipeline and
openaudit.api.audit). Also: the CLI on hostile repos exits 0 and escapes control characters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hostile_builders import build_pickle_case, build_repo_case

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1", "COLUMNS": "200"}


@pytest.fixture(scope="module")
def guarded() -> dict:
    proc = subprocess.run(
        [sys.executable, str(HERE / "hostile_guarded_run.py")], capture_output=True, text=True, timeout=240, env=ENV
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_guards_bite(guarded):
    assert len(guarded["selftest"]) == 7, guarded["selftest"]


def test_pipeline_never_executes_hostile_content(guarded):
    assert guarded["fixtures"] >= 50
    assert guarded["trips"] == []
    assert guarded["pipeline_errors"] == {}
    assert guarded["error_findings"] == {}


def test_local_audit_imports_no_heavy_module(guarded):
    assert guarded["heavy_after_pipeline"] == guarded["heavy_before"] == []


def test_api_audit_completes_on_every_fixture(guarded):
    if not guarded["api"]["usable"]:
        pytest.skip(f"openaudit.api.audit not usable yet: {guarded['api']['reason']}")
    assert guarded["api"]["errors"] == {}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "openaudit", *args], capture_output=True, text=True, timeout=120, env=ENV
    )


def test_cli_escapes_control_and_bidi_characters(tmp_path):
    card = build_repo_case(tmp_path / "card", "card_bidi_controls")
    names = build_repo_case(tmp_path / "names", "bidi_file_names")
    for root in (card, names):
        for fmt in ("table", "markdown"):
            proc = _cli("audit", str(root), "--format", fmt, "--offline")
            assert proc.returncode == 0, proc.stderr[-2000:]
            for stream in (proc.stdout, proc.stderr):
                assert "\x1b[2J" not in stream and "\x1b[31m" not in stream
                assert "\u202e" not in stream, f"raw RTL override in {fmt} output"


def test_cli_json_is_byte_identical_across_runs(tmp_path):
    root, _ = build_pickle_case(tmp_path / "evil", "torch_zip_bin")
    outs = []
    for _ in range(2):
        proc = _cli("audit", str(root), "--format", "json", "--offline", "--no-timestamp")
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    rep = json.loads(outs[0])
    pickles = [f for d in rep["dimensions"] for f in d["findings"] if f["probe"] == "weights.no_dangerous_pickles"]
    assert pickles and pickles[0]["outcome"] == "fail" and "os.system" in pickles[0]["message"]


def test_api_json_is_byte_identical_across_runs(tmp_path):
    api = pytest.importorskip("openaudit.api")
    root = build_repo_case(tmp_path / "rc", "remote_code")
    a = api.audit(str(root), offline=True, timestamp=False)
    b = api.audit(str(root), offline=True, timestamp=False)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert "generated_at" not in a
