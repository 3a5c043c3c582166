"""Static pickle scanning and the weights_only fallback for .pt/.bin checkpoints."""
from __future__ import annotations

import io
import pickle
import shutil

import pytest

from openaudit.verify.artifacts import ArtifactProblem, UnsafePickle, check_safe, load_tensors, pickle_globals
from openaudit.verify.api import run

from verify_helpers import make_run

PROTO2 = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R."
# protocol 4: SHORT_BINUNICODE 'posix', MEMOIZE, SHORT_BINUNICODE 'system', MEMOIZE, STACK_GLOBAL
PROTO4 = b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94\x93\x8c\x02id\x94\x85\x94R\x94."
# the module name pushed once, memoised, and fetched back with BINGET before STACK_GLOBAL
MEMO = b"\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94.\x8c\x02os\x94h\x03\x93."


def test_globals_are_listed_from_opcodes():
    assert pickle_globals(PROTO2) == ["os.system"]
    assert pickle_globals(PROTO4) == ["posix.system"]
    assert pickle_globals(MEMO)[0] == "builtins.eval"


def test_stack_global_of_unknown_origin_is_flagged():
    # STACK_GLOBAL fed by a non-string op cannot be resolved statically -> '?.?'
    data = b"\x80\x04K\x01K\x02\x93."
    assert pickle_globals(data) == ["?.?"]


def test_truncated_pickle_is_a_problem():
    with pytest.raises(ArtifactProblem):
        pickle_globals(b"\x80\x02cos\nsys")


def test_torch_save_file_is_safe_and_loaded_weights_only(tmp_path, monkeypatch):
    import torch

    p = tmp_path / "model.pt"
    torch.save({"w": torch.arange(4.0)}, p)
    check_safe(p, "model.pt")
    seen = {}
    real = torch.load

    def spy(*a, **k):
        seen.update(k)
        return real(*a, **k)

    monkeypatch.setattr(torch, "load", spy)
    t = load_tensors(p, "model.pt")
    assert seen["weights_only"] is True
    assert torch.equal(t["w"], torch.arange(4.0))


def test_malicious_zip_checkpoint_is_refused(tmp_path):
    import zipfile

    p = tmp_path / "pytorch_model.bin"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("archive/data.pkl", PROTO4)
    with pytest.raises(UnsafePickle) as exc:
        check_safe(p, "pytorch_model.bin")
    assert exc.value.globals == ["posix.system"]


def test_replay_of_pt_checkpoints_uses_weights_only(tmp_path, monkeypatch):
    """A run whose checkpoints are plain torch.save files replays through torch.load(weights_only=True)."""
    import torch
    from safetensors.torch import load_file

    d = make_run(tmp_path / "m")
    for st in d.glob("ck/step-*/*.safetensors"):
        torch.save(load_file(str(st)), st.with_suffix(".pt"))
        st.unlink()
    text = (d / "recipe.yaml").read_text().replace('dir: "ck/step-{step}"', 'dir: "ck/step-{step}", model: model.pt, optimizer: optimizer.pt')
    (d / "recipe.yaml").write_text(text)
    calls = []
    real = torch.load

    def spy(*a, **k):
        calls.append(k.get("weights_only"))
        return real(*a, **k)

    monkeypatch.setattr(torch, "load", spy)
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: (_ for _ in ()).throw(AssertionError("pickle.loads")))
    r = run(str(d))
    assert r["verdict"] == "REPRODUCED_EXACT"
    assert calls and all(c is True for c in calls)


def test_unsafe_start_checkpoint_in_a_real_run(tmp_path):
    d = make_run(tmp_path / "m")
    (d / "ck" / "step-0" / "model.safetensors").unlink()
    (d / "ck" / "step-0" / "model.bin").write_bytes(PROTO2)
    text = (d / "recipe.yaml").read_text().replace('dir: "ck/step-{step}"', 'dir: "ck/step-{step}", model: model.bin')
    shutil.copy(d / "ck" / "step-3" / "model.safetensors", d / "ck" / "step-3" / "model.bin")
    (d / "recipe.yaml").write_text(text)
    r = run(str(d))
    assert r["verdict"] == "REFUSED_UNSAFE_ARTIFACT"
    assert "ck/step-0/model.bin imports os.system" in r["reason"]


def test_pickle_module_really_would_execute_the_payload_kind():
    """Sanity of the fixture: the opcode stream is what pickle itself decodes (disassembled, not loaded)."""
    import pickletools

    out = io.StringIO()
    pickletools.dis(PROTO2, out=out)
    assert "GLOBAL     'os system'" in out.getvalue() and "REDUCE" in out.getvalue()
