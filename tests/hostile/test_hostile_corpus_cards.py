"""Every real card in ../shared/corpus/model-cards/ audits (as a card-only folder) without an error
exit, without a crashing probe, and deterministically; each card also survives being mangled
(truncated, re-encoded, bidi-injected) the way hostile repos mangle theirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openaudit.errors import OpenAuditError


def _cards(corpus: Path) -> list[Path]:
    cards = sorted((corpus / "model-cards").glob("*.md"))
    if not cards:
        pytest.skip("no model cards in the corpus")
    return cards


def _audit(api, folder: Path) -> dict:
    try:
        return api.audit(str(folder), offline=True, timestamp=False)
    except OpenAuditError as exc:  # exit 2 would be a bug: the target folder is valid
        pytest.fail(f"{folder.name}: exit 2: {exc.message}")


def test_every_corpus_card_audits(corpus, tmp_path):
    api = pytest.importorskip("openaudit.api")
    failures = {}
    cards = _cards(corpus)
    for i, card in enumerate(cards):
        folder = tmp_path / f"c{i}"
        folder.mkdir()
        (folder / "README.md").write_bytes(card.read_bytes())
        rep = _audit(api, folder)
        errs = [f["probe"] for d in rep["dimensions"] for f in d["findings"] if f["outcome"] == "error"]
        if errs:
            failures[card.name] = errs
    assert not failures, failures
    assert len(cards) >= 100


def test_mangled_corpus_cards_audit(corpus, tmp_path):
    api = pytest.importorskip("openaudit.api")
    cards = _cards(corpus)[::20]  # a spread sample: 20 cards x 4 manglings
    for i, card in enumerate(cards):
        raw = card.read_bytes()
        text = raw.decode("utf-8", "replace")
        variants = {
            "truncated": raw[: len(raw) // 2],
            "utf16": text.encode("utf-16"),
            "bidi": ("\u202e" + text.replace("\n", "\n\u2066", 5)).encode(),
            "nul": raw[:100] + b"\x00" + raw[100:],
        }
        for name, data in variants.items():
            folder = tmp_path / f"{i}-{name}"
            folder.mkdir()
            (folder / "README.md").write_bytes(data)
            rep = _audit(api, folder)
            json.dumps(rep, sort_keys=True)
            assert not [f for d in rep["dimensions"] for f in d["findings"] if f["outcome"] == "error"], (
                card.name,
                name,
            )
