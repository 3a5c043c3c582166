"""Hub targets: only the recipe and the files it names are fetched (hf_hub_download faked with a
local copy of examples/tiny-open; the real Hub cannot be reached from the tests)."""

from __future__ import annotations

import shutil

import huggingface_hub
import pytest
from conftest import EXAMPLES
from huggingface_hub.errors import LocalEntryNotFoundError, RemoteEntryNotFoundError, RepositoryNotFoundError

from openaudit.errors import NetworkError, TargetNotFound
from openaudit.verify.api import run


def _response(code: int):
    import importlib

    http = importlib.import_module(RemoteEntryNotFoundError.__mro__[2].__module__)  # the client's HTTP library
    return http.Response(code, request=http.Request("GET", "https://huggingface.co/x"))


@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    repo = EXAMPLES / "variants" / "missing-optimizer-state"
    snap = tmp_path / "snapshot"
    asked: list[str] = []

    def download(repo_id, filename, revision=None, **kw):
        asked.append(filename)
        if repo_id != "org/tiny":
            raise RepositoryNotFoundError("no repo", response=_response(404))
        src = repo / filename
        if not src.is_file():
            raise RemoteEntryNotFoundError("no file", response=_response(404))
        dst = snap / filename
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
        return str(dst)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    return asked


def test_hub_id_fetches_only_named_files(fake_hub):
    r = run("org/tiny")
    assert r["verdict"] == "NOT_REPRODUCIBLE"
    assert "optimizer state at step 10 (checkpoints/step-10/optimizer.safetensors)" in r["missing"]
    assert fake_hub[0] == "recipe.yaml"
    assert "train.py" not in fake_hub and "README.md" not in fake_hub
    assert "checkpoints/step-10/model.safetensors" in fake_hub


def test_unknown_repo(fake_hub):
    with pytest.raises(TargetNotFound):
        run("org/none")


def test_offline_miss_is_network_error(monkeypatch):
    def offline(*a, **k):
        raise LocalEntryNotFoundError("offline")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(NetworkError):
        run("org/tiny")


@pytest.fixture
def real_hub(monkeypatch, tmp_path):
    """The sources area's fake Hub (tests/fakehub) on 127.0.0.1 with the real huggingface_hub client."""
    import sys
    from pathlib import Path

    tests = Path(__file__).resolve().parents[1]
    if str(tests) not in sys.path:
        sys.path.insert(0, str(tests))
    from fakehub.env import point_hf_at
    from fakehub.server import FakeHub, FakeRepo

    root = EXAMPLES / "tiny-open"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    old = dict(files)
    old["loss_log.jsonl"] = b'{"step": 1, "loss": 9.0}\n'  # another revision: a different log
    hub = FakeHub().start()
    hub.add(FakeRepo("org/open", files=files, branches={"old": old}, gated="manual", tokens=("tok",)))
    try:
        point_hf_at(monkeypatch, hub.endpoint, tmp_path / "hf_home")
        yield hub
    finally:
        hub.stop()


def test_hub_replay_with_the_real_client_pinned_token_and_offline(real_hub):
    from openaudit.errors import AuthError

    repo = real_hub.repos["org/open"]
    sha = repo.sha_of("main")
    with pytest.raises(AuthError):
        run("org/open", device="cpu", revision=sha)  # gated: the token is needed
    r = run("org/open", device="cpu", threads=1, steps=10, revision=sha, token="tok")
    assert r["verdict"] in ("REPRODUCED_EXACT", "REPRODUCED_WITHIN_TOLERANCE"), (r["reason"], r["issues"])
    asked = [p for m, p, s in real_hub.log if "/resolve/" in p]
    assert not any("train.py" in p or "README.md" in p for p in asked)  # only what the recipe names
    off = run("org/open", device="cpu", threads=1, steps=10, revision=sha, offline=True)  # from the cache
    assert off["verdict"] == r["verdict"]
    old = run("org/open", device="cpu", threads=1, steps=10, revision=repo.sha_of("old"), token="tok")
    assert old["verdict"] == "DIVERGED"  # the pinned revision is the one replayed
