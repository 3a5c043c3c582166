"""Issue 11: no hostile repository passes the gate, and none stops the report.

For every variant in ``fail_closed_cases.CASES``:
* a subprocess inside the test's temp dir runs the REAL loader (pickle.load, torch.load(weights_only=
  False), numpy.load(allow_pickle=True), joblib.load, json.loads of a config) and the payload writes
  a marker file — proof the repository is hostile;
* openaudit audits the repository without passing the probe the variant attacks, without an error
  finding, with the strict policy not met, and without writing anything.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fail_closed_cases import CASES, R, W

from openaudit import api
from openaudit.policy import evaluate, load_policy

REPO = Path(__file__).resolve().parents[2]
STRICT = REPO / "examples" / "policies" / "strict-safety.yaml"
CLASSES = {
    "capture manifest trusted",
    "allowlist by prefix",
    "content sniffing fooled",
    "stop at the first pickle",
    "files never scanned",
    "remote code hidden",
}


def _missing(mods: tuple[str, ...]) -> list[str]:
    return [m for m in mods if importlib.util.find_spec(m) is None]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in filenames + dirnames:
            p = Path(dirpath) / n
            st = os.lstat(p)
            out[str(p.relative_to(root))] = (st.st_size, int(st.st_mtime_ns))
    return out


def test_every_class_of_the_issue_is_covered():
    assert {c.cls for c in CASES.values()} == CLASSES
    assert len(CASES) >= 35
    for cls in CLASSES:  # each class has at least one variant whose payload a real loader runs
        assert any(c.loader for c in CASES.values() if c.cls == cls), cls


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.loader))
def test_the_real_loader_runs_the_payload(tmp_path, name):
    case = CASES[name]
    if _missing(case.needs):
        pytest.skip(f"loader needs {', '.join(_missing(case.needs))}")
    root = case.build(tmp_path / "repo")
    env = dict(os.environ, TMPDIR=str(tmp_path), HOME=str(tmp_path), PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-c", case.loader], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert (root / "MARKER").exists(), (
        f"the loader did not run the payload (rc {proc.returncode}): {proc.stderr[-2000:]}"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_openaudit_never_passes_and_never_crashes(tmp_path, name):
    case = CASES[name]
    root = case.build(tmp_path / "repo")
    before = _tree(tmp_path)
    report = api.audit(str(root), timestamp=False, max_files=case.max_files)
    assert _tree(tmp_path) == before  # nothing written, inside the target or beside it
    findings = {f["probe"]: f for d in report["dimensions"] for f in d["findings"]}
    assert not [p for p, f in findings.items() if f["outcome"] == "error"], findings
    got = findings[case.probe]
    assert got["outcome"] in case.outcomes, (name, got)
    assert findings[W]["outcome"] != "pass" or case.probe == R
    assert findings[R]["outcome"] != "pass" or case.probe == W
    verdict = evaluate(report, load_policy(STRICT))
    assert not verdict.ok, (name, verdict.to_dict())
    json.dumps(report)  # a report, serialisable


def test_capture_symlink_is_never_followed_with_capture(tmp_path):
    from openaudit.errors import InvalidInput

    root = CASES["capture_symlinked"].build(tmp_path / "repo")
    with pytest.raises(InvalidInput, match="symlink"):
        api.audit(str(root), capture=True, timestamp=False)


def test_forged_capture_does_not_choose_the_target_id(tmp_path):
    root = CASES["capture_forged"].build(tmp_path / "repo")
    report = api.audit(str(root), timestamp=False)
    assert report["target"]["id"] == "repo" and report["target"]["source"] == "local"
    assert any("--capture" in n for n in report.get("notes", []))


def test_dangerous_variants_name_the_callable(tmp_path):
    """Where the payload is statically visible the verdict is FAIL, naming what would run."""
    for name in (
        "prefix_numpy_dtypes",
        "dunder_collections",
        "unlisted_step_pathlib",
        "gguf_looking_pickle",
        "safetensors_looking_pickle",
        "npy_object_lowercase",
        "npy_structured_object",
        "npz_member_no_suffix",
        "joblib_padding_none",
        "joblib_bytes_read_by_pickle",
        "joblib_gzip",
        "second_pickle_model_limit",
        "legacy_tar_odd_first_name",
        "legacy_tar_evil_storages",
        "nemo_archive",
        "nemo_archive_gz",
        "tar_any_name",
        "zip_any_name",
        "pickle_license_name",
        "pickle_txt_extension",
        "capture_forged",
    ):
        root = CASES[name].build(tmp_path / name)
        report = api.audit(str(root), timestamp=False)
        f = next(f for d in report["dimensions"] for f in d["findings"] if f["probe"] == W)
        assert f["outcome"] == "fail", (name, f)
