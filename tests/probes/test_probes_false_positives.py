"""Issue 13: three false positives users met, each fixed with a test (the fourth, eval data files
scanned as training data in `audit --benchmark`, belongs to the contamination area)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from snapmaker import card_only

from openaudit.collect import collect_all
from openaudit.probes import ProbeContext, run_probes

HEAD = (
    "---\nlicense: mit\n---\n# Model\n\nA sentiment classifier for English movie reviews, fine-tuned for the task.\n\n"
)


def _f(text: str):
    snap = card_only(text)
    return run_probes(ProbeContext(snap, collect_all(snap)))


def test_a_heading_containing_example_is_not_sample_outputs():
    card = HEAD + (
        "## Examples of bias\n\nThe model may associate some professions with one gender more often than with "
        "another, and it may rate reviews written in some dialects lower than others.\n"
    )
    f = _f(card)
    assert f["docs.sample_outputs"].outcome.value == "fail"
    shown = HEAD + "## Example\n\n**Input:** A wonderful, moving film.\n**Output:** positive (0.98)\n"
    assert _f(shown)["docs.sample_outputs"].outcome.value == "pass"
    code = (
        HEAD
        + "## Usage example\n\n```python\nfrom transformers import pipeline\npipeline('text-classification')('Great!')\n```\n"
    )
    assert _f(code)["docs.sample_outputs"].outcome.value == "pass"


def test_an_evaluation_section_with_real_numbers_is_not_template_text():
    card = HEAD + (
        "## Evaluation\n\n| Metric | Value |\n|---|---|\n| Accuracy | 0.928 |\n| F1 | 0.931 |\n| Loss | 0.19 |\n"
    )
    f = _f(card)
    assert f["docs.evaluation"].outcome.value == "pass", f["docs.evaluation"].message
    template = HEAD + "## Evaluation\n\n[More Information Needed]\n"
    f = _f(template)
    assert f["docs.evaluation"].outcome.value == "fail" and "template text" in f["docs.evaluation"].message


def test_named_evaluation_datasets_are_found():
    trainer = HEAD + (
        "This model is a fine-tuned version of [base-model](https://huggingface.co/org/base-model) on the imdb "
        "dataset.\nIt achieves the following results on the evaluation set:\n- Loss: 0.1903\n- Accuracy: 0.928\n"
    )
    f = _f(trainer)
    assert f["data.evaluation_data"].outcome.value == "pass" and "imdb" in f["data.evaluation_data"].message
    section = HEAD + "## Evaluation results\n\nAccuracy on the IMDB test split is 92.8; on SST-2 it is 91.0.\n"
    f = _f(section)
    assert f["data.evaluation_data"].outcome.value == "pass"
    assert any("IMDB" in (e.snippet or "") for e in f["data.evaluation_data"].evidence)
