"""Fixtures of the sources area.

``fakehub``: a FakeHub (tests/fakehub/server.py) on 127.0.0.1 with the real huggingface_hub client
pointed at it (HF_ENDPOINT plus the constants huggingface_hub reads at import time) and a temporary
HF_HOME, so nothing touches the network, the user's cache or the user's token.

Other areas reuse it by putting ``tests/`` on sys.path (as below), then
``from fakehub.server import FakeHub, FakeRepo, Fault, Virtual`` and
``from fakehub.env import point_hf_at``.

``fakegithub``: a FakeGitHub (tests/fakegithub/server.py) beside the fake Hub, with
OPENAUDIT_GITHUB_API / OPENAUDIT_ARXIV_URL / OPENAUDIT_DOI_URL pointed at it. Without it, the fake
Hub fixture points those services at a dead local port: no test ever reaches the internet.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # makes `import fakehub.server` work without an __init__.py
    sys.path.insert(0, str(TESTS))

from fakegithub.server import FakeGitHub
from fakehub.env import LINK_BASES, point_hf_at
from fakehub.server import FakeHub


@pytest.fixture
def fakehub(monkeypatch, tmp_path):
    hub = FakeHub().start()
    try:
        point_hf_at(monkeypatch, hub.endpoint, tmp_path / "hf_home")
        yield hub
    finally:
        hub.stop()


@pytest.fixture
def fakegithub(fakehub, monkeypatch):
    """A FakeGitHub (tests/fakegithub/server.py: GitHub REST API, arXiv, DOI, PDFs) on 127.0.0.1 with
    the link services pointed at it (beside the fake Hub), local links allowed, no GITHUB_TOKEN."""
    gh = FakeGitHub().start()
    try:
        for var in LINK_BASES:
            monkeypatch.setenv(var, gh.endpoint)
        monkeypatch.setenv("OPENAUDIT_ALLOW_LOCAL_LINKS", "1")
        yield gh
    finally:
        gh.stop()
