"""Point the real huggingface_hub client at a fake Hub (for tests and benchmarks)."""

from __future__ import annotations

import socket
from pathlib import Path

LINK_BASES = ("OPENAUDIT_GITHUB_API", "OPENAUDIT_ARXIV_URL", "OPENAUDIT_DOI_URL")


def dead_endpoint() -> str:
    """A 127.0.0.1 URL nobody listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def point_hf_at(monkeypatch, endpoint: str, home: Path) -> None:
    """Point huggingface_hub (already imported or not) at ``endpoint`` with cache under ``home``; the
    lookup cache goes under ``home`` too, and the link services (GitHub API, arXiv, DOI) to a dead
    local port, so that a card's links never reach the internet (tests that follow links point them
    at tests/fakegithub)."""
    from huggingface_hub import constants

    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    monkeypatch.delenv("OPENAUDIT_CACHE_DIR", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    dead = dead_endpoint()
    for var in LINK_BASES:
        monkeypatch.setenv(var, dead)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_HOME", str(home))
    for var in ("HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_XET"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HOME", str(home))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
