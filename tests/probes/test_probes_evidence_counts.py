"""Issue 10 #14: evidence listed once, counts that match what is listed, correct plurals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from snapmaker import card_only, make

from openaudit.collect import collect_all
from openaudit.collect.common import plural, repo_key
from openaudit.probes import ProbeContext, run_probes

TINY = Path(__file__).resolve().parents[2] / "examples" / "tiny-open"


@pytest.fixture(scope="module")
def tiny_report():
    from openaudit.api import audit

    return audit(str(TINY), timestamp=False)


def _findings(report):
    return {f["probe"]: f for d in report["dimensions"] for f in d["findings"]}


@pytest.mark.parametrize(
    "n, word, want",
    [
        (1, "code repository", "1 code repository"),
        (2, "linked code repository", "2 linked code repositories"),
        (2, "index", "2 indexes"),
        (3, "weight file", "3 weight files"),
        (0, "key", "0 keys"),
        (2, "match", "2 matches"),
    ],
)
def test_plural(n, word, want):
    assert plural(n, word) == want


def test_no_finding_lists_the_same_evidence_twice(tiny_report):
    for pid, f in _findings(tiny_report).items():
        ev = [json.dumps(e, sort_keys=True) for e in f["evidence"]]
        assert len(ev) == len(set(ev)), pid


def test_weights_present_lists_the_final_weights_first_and_counts_match(tiny_report):
    f = _findings(tiny_report)["weights.present"]
    assert f["message"] == "4 weight files published (3 of them in checkpoint folders)"
    files = [e["path"] for e in f["evidence"] if e["kind"] == "file"]
    assert files[0] == "model.safetensors" and len(files) == 3
    assert any(e["kind"] == "computed" and e["snippet"] == "… and 1 more weight file" for e in f["evidence"])


def test_intermediate_checkpoints_counts_each_checkpoint_folder(tiny_report):
    f = _findings(tiny_report)["weights.intermediate_checkpoints"]
    assert f["message"] == "intermediate checkpoints published (3)" and f["value"] == 3
    assert "checkpoints/step-0, checkpoints/step-10, checkpoints/step-20" in f["evidence"][0]["snippet"]
    assert tiny_report["facts"]["weights"]["checkpoints"]["folders"] == [
        "checkpoints/step-0",
        "checkpoints/step-10",
        "checkpoints/step-20",
    ]


def test_linked_repositories_are_counted_once_and_pluralised():
    card = (
        "---\nlicense: mit\n---\n# M\n\n- **Code:** [repo](https://github.com/acme/trainer)\n"
        "- Training code: https://github.com/acme/trainer/tree/main/train\n"
        "- Pre-training scripts: https://github.com/acme/pretrain.git\n"
    )
    snap = card_only(card)
    f = run_probes(ProbeContext(snap, collect_all(snap)), only={"code.training_code", "code.repository_link"})
    assert (
        f["code.training_code"].message
        == "training code published: 2 linked code repositories (linked, contents not checked)"
    )
    assert f["code.repository_link"].message == "the card links 2 code repositories"
    assert (
        repo_key("https://github.com/acme/pretrain.git")
        == repo_key("https://github.com/Acme/pretrain/")
        == "github.com/acme/pretrain"
    )


def test_checkpoint_folder_is_the_deepest_named_folder():
    from openaudit.collect.weights import checkpoint_dir

    assert checkpoint_dir("checkpoints/step-10/model.safetensors") == "checkpoints/step-10"
    assert checkpoint_dir("checkpoint-500/pytorch_model.bin") == "checkpoint-500"
    assert checkpoint_dir("checkpoints/model.safetensors") == "checkpoints"
    assert checkpoint_dir("unet/diffusion_pytorch_model.safetensors") is None
    snap = make(
        {
            "README.md": "# m\n",
            "model.safetensors": 10,
            "ckpt/step1000/model.safetensors": 10,
            "ckpt/step2000/model.safetensors": 10,
        }
    )
    f = run_probes(ProbeContext(snap, collect_all(snap)), only={"weights.intermediate_checkpoints"})
    assert f["weights.intermediate_checkpoints"].value == 2
