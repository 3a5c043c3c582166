"""collect_all + all probes on the real minilm snapshot and on every corpus card."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from snapmaker import card_only, from_folder

from openaudit.collect import collect_all, summary
from openaudit.model import Outcome
from openaudit.probes import ProbeContext, run_probes

MINE = ("weights.", "code.", "data.", "repro.", "docs.")
OTHERS = {"repro.replay", "data.contamination"}  # probes of other areas


def _run(snap):
    facts = collect_all(snap)
    return facts, run_probes(ProbeContext(snap, facts))


def test_minilm_facts_read_from_files(minilm: Path):
    with (minilm / "model.safetensors").open("rb") as fh:
        header = json.loads(fh.read(int.from_bytes(fh.read(8), "little")))
    floats = sum(math.prod(v["shape"]) for k, v in header.items() if k != "__metadata__" and v["dtype"].startswith("F"))
    meta = yaml.safe_load((minilm / "README.md").read_text().split("---")[1])
    facts, res = _run(from_folder(minilm))
    s = summary(facts)
    assert s["weights"]["parameters"] == floats == 22_713_216  # the I64 position_ids buffer is not a parameter
    assert s["weights"]["dtypes"] == {"F32": floats}
    assert s["weights"]["safe_format_share"] == 1.0
    assert s["data"]["datasets_declared"] == meta["datasets"] and len(meta["datasets"]) == 21
    assert s["code"]["library_name"] == "sentence-transformers"
    assert s["code"]["architectures"] == ["BertModel"]
    assert res["weights.present"].outcome is Outcome.PASS
    assert res["weights.safe_format"].outcome is Outcome.PASS
    assert res["weights.params_known"].value == 22_713_216
    assert res["weights.index_complete"].outcome is Outcome.NOT_APPLICABLE
    assert res["weights.ungated"].outcome is Outcome.NOT_AVAILABLE  # local folder: no Hub API
    assert res["code.inference_code"].outcome is Outcome.PASS
    assert res["code.no_remote_code"].outcome is Outcome.PASS
    assert res["data.declared"].outcome is Outcome.PASS
    assert res["data.available"].outcome is Outcome.NOT_AVAILABLE
    assert res["repro.hyperparameters"].outcome is Outcome.PASS
    assert res["docs.intended_use"].outcome is Outcome.PASS
    assert res["docs.limitations"].outcome is Outcome.FAIL
    json.dumps(s)  # JSON-able
    for pid, f in res.items():
        if pid.startswith(MINE) and pid not in OTHERS:
            assert f.evidence, pid


def test_every_corpus_card_collects_and_probes(corpus: Path):
    cards = sorted(p for p in (corpus / "model-cards").glob("*.md") if p.name != "README.md")
    assert len(cards) >= 300
    for p in cards:
        snap = card_only(p.read_text(encoding="utf-8", errors="replace"), name=p.stem)
        facts, res = _run(snap)
        json.dumps(summary(facts))
        for pid, f in res.items():
            if pid.startswith(MINE) and pid not in OTHERS:
                assert f.outcome is not Outcome.ERROR, (p.name, pid, f.message)
                assert f.evidence, (p.name, pid)


# Verdicts checked by reading each card.
CHECKED = [
    ("codeparrot_codeparrot.md", "data.declared", Outcome.PASS),  # datasets: codeparrot/codeparrot-clean-*
    ("codeparrot_codeparrot.md", "data.evaluation_data", Outcome.PASS),  # model-index: HumanEval
    ("codeparrot_codeparrot.md", "repro.hyperparameters", Outcome.PASS),  # table: lr, batch size, steps, warmup
    ("codeparrot_codeparrot.md", "repro.compute", Outcome.PASS),  # "16 x A100 (40GB) GPUs"
    ("codeparrot_codeparrot.md", "code.inference_code", Outcome.PASS),  # from transformers import ...
    ("01-ai_Yi-34B.md", "data.available", Outcome.FAIL),  # "Developing in a unique and proprietary way"
    ("01-ai_Yi-34B.md", "repro.paper", Outcome.PASS),  # arxiv 2403.04652 tech report
    ("bigscience_tr11-176B-logs.md", "code.repository_link", Outcome.PASS),  # Megatron-DeepSpeed links
]


@pytest.mark.parametrize("name,pid,want", CHECKED)
def test_checked_corpus_verdicts(corpus: Path, name: str, pid: str, want: Outcome):
    p = corpus / "model-cards" / name
    if not p.is_file():
        pytest.skip(f"{name} not in this corpus")
    _, res = _run(card_only(p.read_text(encoding="utf-8", errors="replace")))
    assert res[pid].outcome is want, res[pid].message
