"""verify keeps every path inside the target (absolute, '..' and symlinked paths are refused, never
followed), reports bad recipes clearly, and streams training data in bounded memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

from openaudit.cli.main import main
from openaudit.errors import InvalidDocument
from openaudit.verify.api import run


def _outside_codes(r):
    return [i for i in r["issues"] if i["code"] == "path_outside"]


@pytest.fixture
def outside(tmp_path):
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.bin").write_bytes(b"\x00\x01" * 50_000)
    return d


def _edit(recipe, old, new):
    text = recipe.read_text()
    assert old in text, old
    recipe.write_text(text.replace(old, new))


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_data_paths_leaving_the_target_are_refused(runs, tmp_path, outside, monkeypatch, how):
    import numpy as np

    d = runs.copy("llama", tmp_path / "t")
    secret = outside / "secret.bin"
    if how == "absolute":
        _edit(d / "recipe.yaml", "path: tokens.bin", f"path: {secret}")
    elif how == "dotdot":
        _edit(d / "recipe.yaml", "path: tokens.bin", "path: ../outside/secret.bin")
    else:
        (d / "tokens.bin").unlink()
        (d / "tokens.bin").symlink_to(secret)
    mapped = []
    real = np.memmap

    def spy(path, *a, **k):
        mapped.append(os.path.realpath(path))
        return real(path, *a, **k)

    monkeypatch.setattr(np, "memmap", spy)
    r = run(str(d), device="cpu")
    assert r["verdict"] == "NOT_REPRODUCIBLE" and _outside_codes(r), r["reason"]
    assert str(secret.resolve()) not in mapped


def test_symlinked_config_and_checkpoint_folder_are_refused(runs, tmp_path, outside):
    d = runs.copy("llama", tmp_path / "c")
    (outside / "config.json").write_text((d / "config.json").read_text())
    (d / "config.json").unlink()
    (d / "config.json").symlink_to(outside / "config.json")
    r = run(str(d), device="cpu")
    assert r["verdict"] == "NOT_REPRODUCIBLE" and _outside_codes(r)

    d2 = runs.copy("llama", tmp_path / "k")
    target = outside / "step-20"
    (d2 / "ck" / "step-20").rename(target)
    (d2 / "ck" / "step-20").symlink_to(target, target_is_directory=True)
    r = run(str(d2), device="cpu")
    assert r["verdict"] == "NOT_REPRODUCIBLE" and _outside_codes(r)


def test_trainer_dataset_symlink_out_is_refused(runs, tmp_path, outside):
    d = runs.copy("trainer-llama", tmp_path / "tr")
    (outside / "rows.jsonl").write_text((d / "train_dataset.jsonl").read_text())
    (d / "train_dataset.jsonl").unlink()
    (d / "train_dataset.jsonl").symlink_to(outside / "rows.jsonl")
    r = run(str(d), device="cpu")
    assert r["verdict"] == "NOT_REPRODUCIBLE" and _outside_codes(r)


def test_recipe_file_linked_out_of_the_folder_is_exit_2(runs, tmp_path, outside, capsys):
    d = runs.copy("llama", tmp_path / "r")
    (outside / "recipe.yaml").write_text((d / "recipe.yaml").read_text())
    (d / "recipe.yaml").unlink()
    (d / "recipe.yaml").symlink_to(outside / "recipe.yaml")
    with pytest.raises(InvalidDocument):
        run(str(d), device="cpu")
    assert main(["verify", str(d)]) == 2
    assert "symbolic link" in capsys.readouterr().err


def test_deeply_nested_recipe_config_is_a_clear_problem(tmp_path):
    """verify: exit 2 (tested in test_verify_cli); audit --verify: a report whose verification says why."""
    from openaudit.api import audit

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# m\n")
    (folder / "recipe.yaml").write_text(
        "recipe_version: 1\nmodel:\n  family: llama\n  config: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n"
    )
    report = audit(str(folder), verify=True, timestamp=False)
    v = report["verification"]
    assert v["verdict"] == "NOT_REPRODUCIBLE" and v["tier"] == "none"
    assert [i["code"] for i in v["issues"]] == ["recipe_invalid"] and "nest" in v["reason"]
    finding = next(f for d in report["dimensions"] for f in d["findings"] if f["probe"] == "repro.replay")
    assert finding["outcome"] != "pass"


def test_audit_verify_replays_the_pinned_revision_offline_with_the_token(monkeypatch):
    from openaudit import api
    from openaudit.errors import InvalidDocument as Invalid
    from openaudit.model import Snapshot, SourceKind, Target
    from openaudit.verify import hub

    seen = {}

    def fake_fetch(repo_id, revision=None, token=None, offline=False):
        seen.update(repo_id=repo_id, revision=revision, token=token, offline=offline)
        raise Invalid("stop here")

    monkeypatch.setattr(hub, "fetch", fake_fetch)
    snap = Snapshot(
        target=Target(id="org/model", source=SourceKind.HUB, revision="main"), commit_sha="a" * 40, files=()
    )
    v = api.run_verification(snap, device="cpu", token="tok", offline=True)
    assert seen == {"repo_id": "org/model", "revision": "a" * 40, "token": "tok", "offline": True}
    assert v["verdict"] == "NOT_REPRODUCIBLE"


def test_a_256_mib_token_file_is_streamed(runs, tmp_path):
    """RSS of a whole verify over a 256 MiB token store stays under 1 GiB (measured in a subprocess)."""
    d = runs.copy("llama", tmp_path / "big")
    head = (d / "tokens.bin").read_bytes()
    with open(d / "tokens.bin", "wb") as fh:
        fh.write(head)
        fh.truncate(256 << 20)
    code = textwrap.dedent(f"""
        import json, resource, sys
        from openaudit.verify.api import run
        r = run({str(d)!r}, device="cpu", threads=1)
        print(json.dumps({{"verdict": r["verdict"], "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    assert res["verdict"] in ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE")
    assert res["rss_kib"] < 1024 * 1024, res


def test_an_olmo_core_save_folder_is_unsupported_not_missing(tmp_path):
    """The layout ai2-olmo-core 3.0.0's checkpointer writes (seen on a real tiny CPU run): stepN/
    model_and_optim/{.metadata, __0_k.distcp}, stepN/train/rank0.pt, stepN/.metadata.json."""
    for step in (0, 10, 20):
        d = tmp_path / "save" / f"step{step}"
        (d / "model_and_optim").mkdir(parents=True)
        (d / "train").mkdir()
        (d / "model_and_optim" / ".metadata").write_bytes(b"\x80\x04N.")
        (d / "model_and_optim" / "__0_0.distcp").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
        (d / "train" / "rank0.pt").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
        (d / ".metadata.json").write_text('{"ephemeral": false, "version": "3.0.0"}')
    r = run(str(tmp_path / "save"), device="cpu")
    assert r["verdict"] == "UNSUPPORTED" and [i["code"] for i in r["issues"]] == ["framework"]
