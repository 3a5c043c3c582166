"""Artifacts are judged by their bytes with the project's pickle scanner; only clean pickles reach
torch.load, and only with weights_only=True."""

from __future__ import annotations

import io
import pickle
import zipfile

import pytest

from openaudit.verify.api import run
from openaudit.verify.artifacts import load_tensors, unsafe_issue
from openaudit.verify.codes import ArtifactProblem, Code

PROTO2 = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R."
# protocol 4: SHORT_BINUNICODE 'posix', MEMOIZE, SHORT_BINUNICODE 'system', MEMOIZE, STACK_GLOBAL
PROTO4 = b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93\x8c\x02id\x94\x85\x94R\x94."


def test_torch_save_file_is_loaded_weights_only(tmp_path, monkeypatch):
    import torch

    p = tmp_path / "model.pt"
    torch.save({"w": torch.arange(4.0)}, p)
    assert unsafe_issue(p, "model.pt") is None
    seen = {}
    real = torch.load

    def spy(*a, **k):
        seen.update(k)
        return real(*a, **k)

    monkeypatch.setattr(torch, "load", spy)
    t = load_tensors(p, "model.pt")
    assert seen["weights_only"] is True and torch.equal(t["w"], torch.arange(4.0))


@pytest.mark.parametrize("name", ["pytorch_model.bin", "model.safetensors", "optimizer.pt"])
def test_malicious_pickle_is_unsafe_whatever_its_name(tmp_path, name):
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("archive/data.pkl", PROTO4)
    issue = unsafe_issue(p, name)
    assert issue is not None and issue.code == Code.UNSAFE_PICKLE and "posix.system" in issue.message
    with pytest.raises(ArtifactProblem):
        load_tensors(p, name)


def test_unscannable_bytes_are_never_loaded(tmp_path):
    p = tmp_path / "optimizer.pt"
    p.write_bytes(b"\x80\x02cos\nsys")  # a truncated pickle
    issue = unsafe_issue(p, "optimizer.pt")
    assert issue is not None and issue.code in (Code.UNSCANNABLE_PICKLE, Code.UNSAFE_PICKLE)


def test_replay_of_pickle_checkpoints_uses_weights_only(runs, tmp_path, monkeypatch):
    """Weights published as torch.save files replay through torch.load(weights_only=True) only."""
    import torch
    from safetensors.torch import load_file

    d = runs.copy("llama", tmp_path / "m")
    for st in d.glob("ck/step-*/model.safetensors"):
        torch.save(load_file(str(st)), st.with_name("pytorch_model.bin"))
        st.unlink()
    (d / "recipe.yaml").write_text(
        (d / "recipe.yaml").read_text().replace("model: model.safetensors", "model: pytorch_model.bin")
    )
    calls = []
    real = torch.load

    def spy(*a, **k):
        calls.append(k.get("weights_only"))
        return real(*a, **k)

    monkeypatch.setattr(torch, "load", spy)
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: (_ for _ in ()).throw(AssertionError("pickle.loads")))
    r = run(str(d), device="cpu")
    assert r["verdict"] == "REPRODUCED_EXACT"
    assert calls and all(c is True for c in calls)


def test_unsafe_start_checkpoint_in_a_real_run(runs, tmp_path):
    d = runs.copy("llama", tmp_path / "u")
    (d / "ck" / "step-0" / "optimizer.pt").write_bytes(PROTO2)
    r = run(str(d), device="cpu")
    assert r["verdict"] == "REFUSED_UNSAFE_ARTIFACT" and r["tier"] == "none"
    assert "ck/step-0/optimizer.pt imports os.system" in r["reason"]


def test_pickle_module_really_would_execute_the_payload_kind():
    """Sanity of the fixture: the opcode stream is what pickle itself decodes (disassembled, not loaded)."""
    import pickletools

    out = io.StringIO()
    pickletools.dis(PROTO2, out=out)
    assert "GLOBAL     'os system'" in out.getvalue() and "REDUCE" in out.getvalue()
