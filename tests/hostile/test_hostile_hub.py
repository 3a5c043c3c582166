"""Hostile repositories served by the fake Hub (tests/fakehub, 127.0.0.1): the Hub path reads the
same hostile content by range requests and must finish with the hostile things reported, with
hostile bodies (truncated, huge declared headers) giving not_available, never a crash."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for p in (str(TESTS), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from hostile_builders import BILLION_LAUGHS, p_global, safetensors_file, torch_zip


@pytest.fixture
def hub(monkeypatch, tmp_path):
    server = pytest.importorskip("fakehub.server")
    env = pytest.importorskip("fakehub.env")
    h = server.FakeHub().start()
    try:
        env.point_hf_at(monkeypatch, h.endpoint, tmp_path / "hf_home")
        yield h, server
    finally:
        h.stop()


def _findings(rep: dict) -> dict[str, dict]:
    return {f["probe"]: f for d in rep["dimensions"] for f in d["findings"]}


def test_hostile_hub_repo_audits(hub):
    h, server = hub
    files = {
        "README.md": BILLION_LAUGHS.encode(),
        "config.json": json.dumps({"auto_map": {"AutoModel": "modeling_evil.M"}}).encode(),
        "modeling_evil.py": b"import os\nos.system('true')\nraise SystemExit('never import me')\n",
        "model-00001-of-00002.safetensors": safetensors_file(b"{}", declared=1 << 62),  # huge declared header
        "model-00002-of-00002.safetensors": safetensors_file(
            b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
            b"\x00" * 4,
        ),
        "pytorch_model.bin": torch_zip(p_global("os", "system")),
        "evil\u202egnp.txt": b"x",
    }
    h.add(server.FakeRepo("evil/hostile", files))
    from openaudit import api

    rep = api.audit("evil/hostile", timestamp=False)
    fs = _findings(rep)
    assert not [k for k, f in fs.items() if f["outcome"] == "error"]
    assert fs["code.no_remote_code"]["outcome"] == "fail"
    params = json.dumps(fs["weights.params_known"])
    assert fs["weights.params_known"]["outcome"] in ("fail", "not_available") and "duplicate key" in params
    # pickle bytes are not downloaded from the Hub: the pickle probe must not say "clean"
    assert fs["weights.no_dangerous_pickles"]["outcome"] in ("fail", "not_available")
    assert rep["network"]["bytes"] < 1_000_000
    again = api.audit("evil/hostile", timestamp=False)
    assert json.dumps({k: v for k, v in rep.items() if k != "network"}, sort_keys=True) == json.dumps(
        {k: v for k, v in again.items() if k != "network"}, sort_keys=True
    )


def test_truncated_bodies_are_not_available(hub):
    h, server = hub
    files = {
        "README.md": b"---\nlicense: mit\n---\n# card\n",
        "config.json": b'{"model_type": "bert"}',
        "model.safetensors": safetensors_file(
            {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 16
        ),
    }
    faults = [server.Fault(route="resolve", truncate=True)]
    h.add(server.FakeRepo("evil/truncating", files, faults=faults))
    from openaudit import api
    from openaudit.errors import OpenAuditError

    try:
        rep = api.audit("evil/truncating", timestamp=False)
    except OpenAuditError as exc:  # a clean exit-2 error is acceptable; a traceback is not
        assert exc.message and "\n" not in exc.message
        return
    fs = _findings(rep)
    assert not [k for k, f in fs.items() if f["outcome"] == "error"]
    assert fs["weights.params_known"]["outcome"] != "pass"


def test_hub_files_named_safetensors_that_start_a_pickle_are_never_clean(hub):
    """The Hub path does not scan safetensors by their bytes: a file that is named so but starts a
    pickle (GGUF/safetensors-looking pickles, issue 11) makes the pickle verdict not_available."""
    import struct

    h, server = hub
    exec_pickle = b"\x80\x02cbuiltins\nexec\nX\x04\x00\x00\x00Noneq\x00\x85R."
    genuine = safetensors_file({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\x00" * 16)
    files = {
        "README.md": b"---\nlicense: mit\n---\n# card\n",
        "config.json": b'{"model_type": "bert"}',
        "model.safetensors": b"G\x00\x10\x00\x00\x00\x00\x00{"
        + exec_pickle,  # beyond-EOF header: the early refusal path
        "ok.safetensors": genuine,
        "pickled.safetensors": struct.pack("<Q", 2)
        + b"{}"
        + exec_pickle,  # a tiny valid header, then a pickle (not a start)
    }
    h.add(server.FakeRepo("evil/st-pickle", files))
    from openaudit import api

    fs = _findings(api.audit("evil/st-pickle", timestamp=False))
    w = fs["weights.no_dangerous_pickles"]
    assert w["outcome"] == "not_available", w
    assert "model.safetensors" in json.dumps(w) and "ok.safetensors" not in json.dumps(w["evidence"])
