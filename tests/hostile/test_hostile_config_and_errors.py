"""Issue 11 rules 4 and 6 end to end: the audited repository never configures its own audit, and a
failed check never improves a verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from probe_swap import swapped

REPO = Path(__file__).resolve().parents[2]
RESTRICTED = REPO / "examples" / "restricted-weights"
CARD = "---\nlicense: apache-2.0\n---\n# A model\n"


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "openaudit", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def _hostile_repo(root: Path, config: str) -> Path:
    root.mkdir(parents=True)
    (root / "README.md").write_text(CARD)
    (root / "pytorch_model.bin").write_bytes(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    (root / "openaudit.toml").write_text(config)
    return root


def test_repo_config_does_not_configure_its_own_audit(tmp_path):
    """`openaudit audit .` inside a repo: its openaudit.toml (output path outside, rubric, format) is
    ignored and the user is told on stderr; the report still comes, on stdout."""
    from openaudit.config import load_config

    root = _hostile_repo(
        tmp_path / "repo",
        'output = "../outside.json"\nrubric = "mof-1.0"\nformat = "markdown"\n'
        'offline = false\npolicy = "lenient.yaml"\n',
    )
    assert load_config(root)["output"] == "../outside.json"  # openaudit's own loader would honour it
    proc = _cli(["audit", ".", "--no-timestamp"], cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "outside.json").exists()
    assert "ignoring" in proc.stderr and "openaudit.toml" in proc.stderr
    report = json.loads(proc.stdout)  # json on a pipe: the repo's "format" and "output" were not used
    assert report["rubric"]["id"] == "openaudit"
    w = next(f for d in report["dimensions"] for f in d["findings"] if f["probe"] == "weights.no_dangerous_pickles")
    assert w["outcome"] == "fail"


def test_repo_pyproject_section_is_ignored_and_check_uses_no_repo_policy(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text(CARD)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "m"\n[tool.openaudit]\npolicy = "anything.yaml"\n'
        'output = "/tmp/never-written-by-openaudit.json"\n'
    )
    proc = _cli(["check", "."], cwd=root)
    assert proc.returncode == 2 and "needs --policy" in proc.stderr and "ignoring" in proc.stderr
    strict = REPO / "examples" / "policies" / "strict-safety.yaml"
    proc = _cli(["check", ".", "--policy", str(strict)], cwd=root)
    assert proc.returncode == 1, proc.stderr  # no config.json: remote code not observed -> fails closed


def test_broken_repo_config_does_not_stop_its_audit(tmp_path):
    root = _hostile_repo(tmp_path / "repo", "rubric = \n")
    proc = _cli(["audit", ".", "-f", "json"], cwd=root)
    assert proc.returncode == 0 and json.loads(proc.stdout)["target"]["id"] == "repo", proc.stderr
    proc = _cli(["rubric", "list"], cwd=root)  # a command that audits nothing still refuses it
    assert proc.returncode == 2 and "openaudit.toml" in proc.stderr


def test_config_outside_the_target_still_applies(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "openaudit.toml").write_text('rubric = "openaudit"\nformat = "json"\n')
    proc = _cli(["audit", str(RESTRICTED), "--no-timestamp"], cwd=work)
    assert proc.returncode == 0 and "ignoring" not in proc.stderr
    json.loads(proc.stdout)


@pytest.fixture
def raising_license_probes():
    """Make every license probe crash (what the issue did to restricted-weights)."""
    from openaudit.probes import registry

    def boom(ctx):
        raise RuntimeError("probe crashed")

    pids = [p for p in registry.registered() if p.startswith("license.")]
    with swapped({pid: boom for pid in pids}):
        yield pids


def test_an_erroring_probe_never_raises_the_score_or_flips_a_policy(raising_license_probes):
    from openaudit import api
    from openaudit.policy import evaluate
    from openaudit.policy.load import policy_from_data

    base = api.audit(str(RESTRICTED), timestamp=False, offline=True)
    lic = next(d for d in base["dimensions"] if d["id"] == "license")
    assert lic.get("unverified") is True and set(lic["errors"]) >= {"license.open"}
    assert base["overall"]["errors"]
    policy = policy_from_data({"kind": "policy", "name": "t", "min_dimension_scores": {"license": 8}}, "t")
    assert not evaluate(base, policy).ok  # errors score as fails: the license minimum is not met
    strict = policy_from_data({"kind": "policy", "name": "t", "fail_on_error": True}, "t")
    v = evaluate(base, strict)
    assert not v.ok and v.violations[0].rule == "fail_on_error"


def test_error_score_is_never_above_the_real_score():
    from openaudit import api
    from openaudit.probes import registry

    real = api.audit(str(RESTRICTED), timestamp=False, offline=True)
    real_lic = next(d for d in real["dimensions"] if d["id"] == "license")
    crash = {
        pid: (lambda ctx: (_ for _ in ()).throw(RuntimeError("crash")))
        for pid in registry.registered()
        if pid.startswith("license.")
    }
    with swapped(crash):
        broken = api.audit(str(RESTRICTED), timestamp=False, offline=True)
    lic = next(d for d in broken["dimensions"] if d["id"] == "license")
    assert real_lic["score"] is not None and lic["score"] <= real_lic["score"], (lic["score"], real_lic["score"])
    assert lic["confidence"] < real_lic["confidence"]
    assert broken["overall"]["score"] <= real["overall"]["score"]
