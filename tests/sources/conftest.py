"""Fixtures of the sources area.

``fakehub``: a FakeHub (tests/fakehub/server.py) on 127.0.0.1 with the real huggingface_hub client
pointed at it (HF_ENDPOINT plus the constants huggingface_hub reads at import time) and a temporary
HF_HOME, so nothing touches the network, the user's cache or the user's token.

Other areas reuse it by putting ``tests/`` on sys.path (as below), then
``from fakehub.server import FakeHub, FakeRepo, Fault, Virtual`` and
``from fakehub.env import point_hf_at``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # makes `import fakehub.server` work without an __init__.py
    sys.path.insert(0, str(TESTS))

from fakehub.env import point_hf_at  # noqa: E402
from fakehub.server import FakeHub  # noqa: E402


@pytest.fixture
def fakehub(monkeypatch, tmp_path):
    hub = FakeHub().start()
    try:
        point_hf_at(monkeypatch, hub.endpoint, tmp_path / "hf_home")
        yield hub
    finally:
        hub.stop()
