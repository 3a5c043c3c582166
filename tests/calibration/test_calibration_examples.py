"""The shipped examples get the verdicts a careful human rater gives them, and training data shipped
inside a repository counts as available (with file evidence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openaudit.api import audit

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "examples" / "tiny-open"
RESTRICTED = ROOT / "examples" / "restricted-weights"


def _findings(report: dict) -> dict[str, dict]:
    return {f["probe"]: f for d in report["dimensions"] for f in d["findings"]}


@pytest.fixture(scope="module")
def tiny() -> dict:
    return audit(str(TINY), timestamp=False)


def test_tiny_open_is_mof_class_i_and_osaid_open(tiny):
    assert tiny["frameworks"]["mof"]["class"] == "I", tiny["frameworks"]["mof"]["progress"]["I"]
    assert tiny["frameworks"]["osaid"]["verdict"] == "open-source-ai", tiny["frameworks"]["osaid"]["missing"]
    assert tiny["overall"]["grade"] == "A"
    osai = {k: v for k, v in tiny["frameworks"]["osai"].items() if k != "api"}
    assert set(osai.values()) == {"open"}, osai


def test_tiny_open_data_ships_in_repo(tiny):
    f = _findings(tiny)
    avail = f["data.available"]
    assert avail["outcome"] == "pass"
    assert any(e.get("path") == "data/train.txt" for e in avail["evidence"])
    assert "data/heldout.txt" not in avail["value"]  # held-out text is evaluation data, not training data
    assert f["data.evaluation_data"]["outcome"] == "pass"
    assert any(e.get("path") == "data/heldout.txt" for e in f["data.evaluation_data"]["evidence"])
    for pid in (
        "data.documented",
        "data.data_card",
        "code.evaluation_code",
        "code.preprocessing_code",
        "repro.compute",
        "license.data_license",
    ):
        assert f[pid]["outcome"] == "pass", (pid, f[pid]["message"])


def test_restricted_weights_grades_low():
    r = audit(str(RESTRICTED), timestamp=False)
    assert r["overall"]["grade"] in ("D", "E", "F")
    assert r["frameworks"]["mof"]["class"] is None
    assert r["frameworks"]["osaid"]["verdict"] == "not-open-source-ai"


CARD = """---
license: mit
---
# m

## Training data

We trained on the text in `corpus/shard-0.jsonl` and our own notes.
"""


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "repo"
    for rel, text in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return d


def test_data_folder_and_recipe_reference_count(tmp_path):
    d = _repo(
        tmp_path,
        {
            "README.md": CARD,
            "corpus/shard-0.jsonl": '{"text": "a"}\n',
            "data/test.txt": "x\n",
            "train.yaml": "learning_rate: 0.1\ntrain_file: extra/more.txt\n",
            "extra/more.txt": "y\n",
            "config.json": "{}",
        },
    )
    f = _findings(audit(str(d), timestamp=False))
    assert f["data.available"]["outcome"] == "pass"
    assert sorted(f["data.available"]["value"]) == ["corpus/shard-0.jsonl", "extra/more.txt"]
    assert f["data.evaluation_data"]["outcome"] == "pass"  # data/test.txt
    assert f["data.evaluation_data"]["value"] == ["data/test.txt"]


def test_non_data_files_in_data_folder_do_not_count(tmp_path):
    d = _repo(
        tmp_path,
        {
            "README.md": "---\nlicense: mit\n---\n# m\n\nA model.\n",
            "data/LICENSE": "MIT License\n",
            "data/vocab.txt": "a\nb\n",
            "data/tokenizer_config.json": "{}",
            "data/README.md": "# data\n",
            "config.json": "{}",
        },
    )
    f = _findings(audit(str(d), timestamp=False))
    assert f["data.available"]["outcome"] == "fail"
    assert f["data.declared"]["outcome"] == "fail"


def test_private_data_statement_makes_in_repo_data_partial(tmp_path):
    card = CARD + "\nMost of the training data is proprietary and will not be released.\n"
    d = _repo(tmp_path, {"README.md": card, "corpus/shard-0.jsonl": "{}\n", "config.json": "{}"})
    f = _findings(audit(str(d), timestamp=False))
    assert f["data.available"]["outcome"] == "partial"


def test_card_only_folder_without_usage_code(tmp_path):
    d = _repo(tmp_path, {"README.md": "---\nlicense: mit\n---\n# m\n\nA model trained by us.\n"})
    f = _findings(audit(str(d), timestamp=False))
    assert f["weights.present"]["outcome"] == "not_available"
    # a folder with a card plus any other file is a repository listing: absence of weights is a fail
    (d / "config.json").write_text("{}", encoding="utf-8")
    f = _findings(audit(str(d), timestamp=False))
    assert f["weights.present"]["outcome"] == "fail"


def test_compute_lines(tmp_path):
    card = (
        "---\nlicense: mit\n---\n# m\n\n## Hardware requirements\n\nInference needs 2 x A100 GPUs (80 GB).\n\n"
        "## Usage\n\nWe recommend a node with 8 GPUs for fine-tuning.\n"
    )
    d = _repo(tmp_path, {"README.md": card, "config.json": "{}"})
    assert _findings(audit(str(d), timestamp=False))["repro.compute"]["outcome"] == "fail"
    (d / "README.md").write_text(card + "\nThe model was trained on 64 A100 GPUs for 3 days.\n", encoding="utf-8")
    f = _findings(audit(str(d), timestamp=False))["repro.compute"]
    assert f["outcome"] == "pass" and "64 A100" in f["evidence"][0]["snippet"]
