"""The other Hub paths on the one client layer (openaudit.base.net.hub), with the real huggingface_hub
client against the fake Hub: verify's recipe fetch, batch's author listing, and the boundary that
keeps every HTTP library import inside openaudit.base.net."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fakehub.server import FakeRepo, Fault

from openaudit.base.net import http as nethttp
from openaudit.errors import AuthError, InvalidInput, NetworkError, OfflineMiss, TargetNotFound

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "examples" / "tiny-open"
HTTP_LIBS = {
    "huggingface_hub",
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "requests",
    "urllib3",
    "aiohttp",
    "http",
    "socket",
    "urllib",
}


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(nethttp, "BASE_BACKOFF", 0.01)


def _tiny_repo(repo_id: str = "acme/tiny-open", **kw) -> FakeRepo:
    if not (TINY / "recipe.yaml").is_file():
        pytest.skip("examples/tiny-open is absent")
    files = {p.relative_to(TINY).as_posix(): p.read_bytes() for p in sorted(TINY.rglob("*")) if p.is_file()}
    return FakeRepo(repo_id, files, **kw)


def test_verify_fetch_downloads_the_recipe_and_its_files(fakehub):
    from openaudit.verify.hub import fetch

    fakehub.add(_tiny_repo())
    recipe = fetch("acme/tiny-open")
    assert recipe.get("name") == "tiny-open"
    for rel in (
        "config.json",
        "data/train.txt",
        "data_order.json",
        "loss_log.jsonl",
        "model.safetensors",
        "checkpoints/step-10/model.safetensors",
        "checkpoints/step-10/optimizer.safetensors",
    ):
        assert recipe.path(rel).read_bytes() == (TINY / rel).read_bytes()
    assert not [p for _m, p, _s in fakehub.log if "train.py" in p or "README" in p]  # only what the recipe names
    # the files are in the Hugging Face cache now: offline finds them without a request
    fakehub.log.clear()
    again = fetch("acme/tiny-open", offline=True)
    assert again.get("name") == "tiny-open" and fakehub.log == []


def test_verify_fetch_failures_are_typed_errors(fakehub, monkeypatch):
    import types

    import huggingface_hub.utils._http as hf_http

    from openaudit.verify.hub import fetch

    # downloads keep huggingface_hub's own retry of their metadata request (5 tries, 1..8 s apart):
    # keep the retries, skip the waiting
    monkeypatch.setattr(hf_http, "time", types.SimpleNamespace(sleep=lambda s: None))

    fakehub.add(FakeRepo("acme/no-recipe", {"README.md": b"# x\n"}))
    with pytest.raises(TargetNotFound, match="no recipe.yaml"):
        fetch("acme/no-recipe")
    with pytest.raises(TargetNotFound, match="no such model"):
        fetch("acme/does-not-exist")
    fakehub.add(_tiny_repo("acme/gated", gated="manual"))
    with pytest.raises(AuthError):
        fetch("acme/gated", token="hf_not_allowed")
    with pytest.raises(OfflineMiss):
        fetch("acme/never-downloaded", offline=True)
    fakehub.add(_tiny_repo("acme/down", faults=[Fault("*", status=503)]))
    with pytest.raises(NetworkError):
        fetch("acme/down")


def test_batch_author_listing_through_the_one_client(fakehub):
    from openaudit.batch import list_author

    fakehub.add(FakeRepo("acme/a", {"README.md": b"# a\n"}))
    fakehub.add(FakeRepo("acme/b", {"README.md": b"# b\n"}))
    fakehub.add(FakeRepo("other/c", {"README.md": b"# c\n"}))
    assert list_author("acme") == ["acme/a", "acme/b"]
    assert list_author("acme", limit=1) == ["acme/a"]
    with pytest.raises(InvalidInput, match="lists no models"):
        list_author("nobody")


def test_batch_author_listing_network_failure_is_one_line(fakehub, monkeypatch):
    from fakehub.env import dead_endpoint
    from huggingface_hub import constants

    from openaudit.batch import list_author

    dead = dead_endpoint()
    monkeypatch.setenv("HF_ENDPOINT", dead)
    monkeypatch.setattr(constants, "ENDPOINT", dead)
    with pytest.raises(NetworkError) as exc:
        list_author("acme")
    assert "listing models of acme" in exc.value.message and "\n" not in exc.value.message


def _http_imports(path: Path) -> set[str]:
    """HTTP client modules ``path`` imports (URL parsing, urllib.parse, is no HTTP client)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n.split(".")[0] in HTTP_LIBS and n != "urllib.parse"}


def test_only_base_net_imports_http_libraries():
    pkg = ROOT / "openaudit"
    net = pkg / "base" / "net"
    offenders = {
        str(p.relative_to(ROOT)): sorted(_http_imports(p))
        for p in pkg.rglob("*.py")
        if net not in p.parents and _http_imports(p)
    }
    assert offenders == {}
    assert _http_imports(net / "hub.py") and _http_imports(net / "http.py")  # the check does find imports
