"""Hub targets: only the recipe and the files it names are fetched (hf_hub_download faked with a
local copy of examples/tiny-open; the real Hub cannot be reached from the tests)."""
from __future__ import annotations

import shutil

import huggingface_hub
import pytest
from huggingface_hub.errors import LocalEntryNotFoundError, RemoteEntryNotFoundError, RepositoryNotFoundError

from openaudit.errors import NetworkError, TargetNotFound
from openaudit.verify.api import run

from conftest import EXAMPLES


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
