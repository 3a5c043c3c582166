"""Hub source against the fake Hub with the real huggingface_hub client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakehub.repos import big_repo, small_repo
from fakehub.server import Fault

from openaudit.errors import AuthError, NetworkError, OfflineMiss, TargetNotFound
from openaudit.model import SourceKind
from openaudit.sources import resolve


def test_big_repo_transfers_under_1mb_and_reports_network(fakehub):
    repo = fakehub.add(big_repo(shards=2, shard_gb=1.6))
    total = sum(c.size if hasattr(c, "size") else len(c) for c in repo.files.values())
    assert total > 3_000_000_000
    snap = resolve("acme/big-model")
    assert snap.target.source is SourceKind.HUB
    assert 0 < snap.network.bytes < 1_000_000
    assert snap.network.requests == len(fakehub.log)  # every request the server saw was counted
    assert sum(f.size for f in snap.files) == total
    assert set(snap.safetensors_headers) == {p for p in repo.files if p.endswith(".safetensors")}
    hdr = json.loads(snap.safetensors_headers["model-00001-of-00002.safetensors"])
    assert hdr["model.layers.0.t0.weight"]["dtype"] == "F16"
    assert "README.md" in snap.texts and "LICENSE" in snap.texts
    assert snap.api["library_name"] == "transformers"
    assert snap.api["cardData"]["license"] == "apache-2.0"
    assert snap.base_url == f"{fakehub.endpoint}/acme/big-model"
    lfs = snap.file("model-00001-of-00002.safetensors")
    assert lfs.lfs and len(lfs.sha256) == 64
    assert snap.scans["pytorch_model.bin"]["status"] == "clean"  # scanned from its bytes, never unpickled


def test_revision_pinned_to_commit_sha_and_refs_listed(fakehub):
    repo = fakehub.add(big_repo())
    sha = repo.sha_of("step1000")
    snap = resolve("acme/big-model", revision="step1000")
    assert snap.commit_sha == sha and snap.target.revision == "step1000"
    assert {f.path for f in snap.files} == {"README.md", "config.json"}
    resolves = [p for m, p, s in fakehub.log if "/resolve/" in p]
    assert resolves and all(f"/resolve/{sha}/" in p for p in resolves)
    assert set(snap.refs) == {"main", "step1000", "v1.0"}
    assert snap.url_for("README.md").endswith(f"/acme/big-model/blob/{sha}/README.md")


def test_text_decoding_utf16_and_binary_note(fakehub):
    fakehub.add(small_repo())
    snap = resolve("acme/small")
    assert snap.texts["notes/utf16.txt"] == "h\u00e9llo"
    assert "binary.txt" not in snap.texts and any("binary.txt" in n.message for n in snap.notes)


def test_missing_repo_and_revision(fakehub):
    fakehub.add(small_repo())
    with pytest.raises(AuthError):  # the Hub answers 401 for unknown and private repos alike
        resolve("acme/nope")
    with pytest.raises(TargetNotFound, match="revision"):
        resolve("acme/small", revision="no-such-branch")
    fakehub.repos["acme/small"].faults.append(Fault("info", status=404))
    with pytest.raises(TargetNotFound):
        resolve("acme/small")


def test_private_repo_needs_token(fakehub):
    repo = small_repo("acme/private")
    repo.private, repo.tokens = True, ("hf_good",)
    fakehub.add(repo)
    with pytest.raises(AuthError):
        resolve("acme/private")
    with pytest.raises(AuthError):
        resolve("acme/private", token="hf_bad")
    snap = resolve("acme/private", token="hf_good")
    assert "README.md" in snap.texts


def test_token_from_env(fakehub, monkeypatch):
    repo = small_repo("acme/private")
    repo.private, repo.tokens = True, ("hf_env",)
    fakehub.add(repo)
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    assert resolve("acme/private").commit_sha == repo.sha_of("main")


def test_403_is_auth_error(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("info", status=403))
    with pytest.raises(AuthError):
        resolve("acme/small")


def test_gated_repo_reports_api_but_no_files(fakehub):
    repo = small_repo("acme/gated")
    repo.gated = "manual"
    fakehub.add(repo)
    snap = resolve("acme/gated")
    assert snap.api["gated"] == "manual"
    assert snap.files and not snap.texts and not snap.safetensors_headers
    assert any("access denied" in n.message for n in snap.notes)
    # one denied file read stops further attempts
    assert sum(1 for _, p, s in fakehub.log if s in (401, 403)) == 1
    repo.tokens = ("hf_ok",)
    assert "README.md" in resolve("acme/gated", token="hf_ok").texts


def test_timeout_becomes_network_error(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("info", delay=1.5))
    with pytest.raises(NetworkError, match="timed out"):
        resolve("acme/small", timeout=0.3)
    assert sum(1 for _, p, _s in fakehub.log if p.startswith("/api/models/acme/small")) <= 3


def test_429_with_retry_after_then_success(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("info", status=429, retry_after=0.2, times=1))
    snap = resolve("acme/small")
    assert snap.commit_sha == repo.sha_of("main")
    assert [s for _, p, s in fakehub.log if p.split("?")[0] == "/api/models/acme/small"][:2] == [429, 200]


def test_500_then_success_and_persistent_500(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("tree", status=500, times=1))
    assert resolve("acme/small").file("config.json") is not None
    repo.faults[:] = [Fault("info", status=503)]
    with pytest.raises(NetworkError):
        resolve("acme/small")
    assert repo.faults[0].hits == 3  # bounded retries


def test_truncated_bodies(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("info", truncate=True, times=1))  # retried, then fine
    assert resolve("acme/small").commit_sha
    repo.faults[:] = [Fault("resolve", path="README.md", truncate=True)]  # always cut: note + missing text
    snap = resolve("acme/small")
    assert "README.md" not in snap.texts and "config.json" in snap.texts
    assert any("README.md could not be fetched" in n.message for n in snap.notes)


def test_tree_failure_falls_back_to_siblings(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("tree", status=500))
    snap = resolve("acme/small")
    assert {f.path for f in snap.files} == set(repo.files)
    assert any("file tree could not be listed" in n.message for n in snap.notes)


def test_offline_from_cache_populated_by_real_client(fakehub, monkeypatch):
    from huggingface_hub import snapshot_download

    repo = fakehub.add(big_repo())
    path = snapshot_download("acme/big-model", allow_patterns=["*.md", "*.json", "LICENSE"])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snap = resolve("acme/big-model")
    assert snap.target.source is SourceKind.CACHE and snap.target.id == "acme/big-model"
    assert snap.commit_sha == repo.sha_of("main")
    assert "README.md" in snap.texts and "config.json" in snap.texts
    readme = snap.file("README.md")
    assert readme.kind == "file" and readme.sha256  # blob symlink followed inside the cache repo
    assert snap.network.requests == 0 and snap.offline
    assert "main" in snap.refs
    assert resolve(path).commit_sha == snap.commit_sha  # the snapshot folder itself is detected
    with pytest.raises(OfflineMiss):
        resolve("acme/not-cached")
    with pytest.raises(OfflineMiss):
        resolve("acme/big-model", revision="step1000")


def test_offline_flag_never_touches_network(fakehub):
    fakehub.add(small_repo())
    with pytest.raises(OfflineMiss):
        resolve("acme/small", offline=True)
    assert fakehub.log == []


def test_fakehub_serves_listing_and_real_downloads(fakehub):
    """The fake Hub answers the real client's listing and download paths (used by batch and others)."""
    from huggingface_hub import HfApi, hf_hub_download

    fakehub.add(big_repo())
    fakehub.add(small_repo("other/x"))
    ids = [m.id for m in HfApi().list_models(author="acme")]
    assert ids == ["acme/big-model"]
    path = hf_hub_download("acme/big-model", "config.json", revision="v1.0")
    assert b"LlamaForCausalLM" in Path(path).read_bytes()


def test_slow_file_read_times_out_into_a_note(fakehub):
    repo = fakehub.add(small_repo())
    repo.faults.append(Fault("resolve", path="config.json", delay=1.0))
    snap = resolve("acme/small", timeout=0.3)
    assert "config.json" not in snap.texts and "README.md" in snap.texts
    assert any("config.json could not be fetched: timed out" in n.message for n in snap.notes)


def test_small_pickle_on_hub_gets_head_bytes(fakehub):
    fakehub.add(big_repo())
    snap = resolve("acme/big-model")
    assert snap.head_bytes == {"pytorch_model.bin": b"\x80\x02}q\x00."}


def test_many_text_files_are_bounded(fakehub, monkeypatch):
    from fakehub.server import FakeRepo

    import openaudit.sources.hub as hub

    monkeypatch.setattr(hub, "MAX_HUB_TEXTS", 5)
    fakehub.add(FakeRepo("acme/many", {f"src/m{i:02d}.py": b"x = 1\n" for i in range(12)}))
    snap = resolve("acme/many")
    assert len(snap.files) == 12 and len(snap.texts) == 5
    assert any("7 more text files were not fetched" in n.message for n in snap.notes)
