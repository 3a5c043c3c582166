"""Card-only inference a careful rater accepts (issue 13), and the stronger evidence of followed links
(``Snapshot.links``, hand-built ``LinkLookup``s: no network). Non-OK lookups are not_available, never a
negative verdict."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from snapmaker import card_only, make

from openaudit.collect import collect_all
from openaudit.model import LinkKind, LinkLookup, LinkStatus
from openaudit.probes import ProbeContext, run_probes
from openaudit.rubric.frameworks import evaluate_frameworks

HEAD = "---\nlicense: apache-2.0\ndatasets:\n- acme/corpus-v2\n---\n# Acme-7B\n\n"
TRAINING_LINK = "The full training code is in our GitHub repository: https://github.com/acme/acme-train\n"
REPO = "https://github.com/acme/acme-train"


def _run(snap):
    findings = run_probes(ProbeContext(snap, collect_all(snap)))
    return findings, evaluate_frameworks(findings)


def _gh(status=LinkStatus.OK, url=REPO, **facts):
    base = {
        "full_name": url.split("github.com/")[1],
        "license_spdx": "MIT",
        "default_branch": "main",
        "commit_sha": "a" * 40,
        "training_code": ["train.py", "configs/pretrain.yaml"],
        "preprocessing_code": ["data/prepare.py"],
        "evaluation_code": ["eval/run_eval.py"],
        "truncated": False,
    }
    base.update(facts)
    return LinkLookup(
        url,
        LinkKind.GITHUB_REPO,
        status,
        base if status is LinkStatus.OK else {},
        evidence_url=f"{url}/tree/{'a' * 40}",
        detail="" if status is LinkStatus.OK else "HTTP 429",
    )


def test_offline_linked_training_repo_is_open_code_license_not_checked():
    f, fw = _run(card_only(HEAD + TRAINING_LINK))
    assert f["code.training_code"].outcome.value == "pass"
    assert "linked, contents not checked" in f["code.training_code"].message
    for pid in ("code.preprocessing_code", "code.evaluation_code", "license.code_license"):
        assert f[pid].outcome.value == "not_available", (pid, f[pid].message)
    assert "linked, license not checked" in f["license.code_license"].message
    assert fw["osai"]["open_code"] == "open"


def test_followed_repo_gives_code_license_and_code_paths():
    snap = dataclasses.replace(card_only(HEAD + TRAINING_LINK), links=(_gh(),))
    f, fw = _run(snap)
    assert f["license.code_license"].outcome.value == "pass" and f["license.code_license"].value == "MIT"
    assert any(e.kind == "api_field" for e in f["license.code_license"].evidence)
    assert f["code.preprocessing_code"].outcome.value == "pass"
    assert any("data/prepare.py" in (e.snippet or "") for e in f["code.preprocessing_code"].evidence)
    assert f["code.evaluation_code"].outcome.value == "pass"
    assert fw["osai"]["open_code"] == "open"


def test_followed_repo_without_preprocessing_code_fails_only_when_the_tree_is_complete():
    complete = dataclasses.replace(card_only(HEAD + TRAINING_LINK), links=(_gh(preprocessing_code=[]),))
    assert _run(complete)[0]["code.preprocessing_code"].outcome.value == "fail"
    truncated = dataclasses.replace(
        card_only(HEAD + TRAINING_LINK), links=(_gh(preprocessing_code=[], truncated=True),)
    )
    assert _run(truncated)[0]["code.preprocessing_code"].outcome.value == "not_available"


@pytest.mark.parametrize(
    "status", [LinkStatus.RATE_LIMITED, LinkStatus.NOT_FOUND, LinkStatus.ERROR, LinkStatus.SKIPPED]
)
def test_failed_lookups_are_not_available_never_negative(status):
    snap = dataclasses.replace(card_only(HEAD + TRAINING_LINK), links=(_gh(status),), offline=False)
    f, _ = _run(snap)
    assert f["code.training_code"].outcome.value == "pass"  # the card's own statement stands
    assert f["code.preprocessing_code"].outcome.value == "not_available"
    assert status.value in f["code.preprocessing_code"].message
    assert f["license.code_license"].outcome.value == "not_available"


def test_generic_repo_link_with_training_code_in_its_tree():
    card = HEAD + "Repository: https://github.com/acme/acme-lm\n"
    lm = "https://github.com/acme/acme-lm"
    assert _run(card_only(card))[0]["code.training_code"].outcome.value == "partial"
    f, _ = _run(dataclasses.replace(card_only(card), links=(_gh(url=lm),)))
    assert f["code.training_code"].outcome.value == "pass" and any(
        "train.py" in (e.snippet or "") for e in f["code.training_code"].evidence
    )
    assert f["code.training_config"].outcome.value == "pass"
    f, _ = _run(
        dataclasses.replace(
            card_only(card), links=(_gh(url=lm, training_code=[], preprocessing_code=[], evaluation_code=[]),)
        )
    )
    assert f["code.training_code"].outcome.value == "fail"  # a complete tree shows it holds no training code


def test_renamed_repository_matches_by_redirect():
    old = "---\nlicense: mit\n---\n# M\n\nTraining code: https://github.com/acme/old-name\n"
    lk = dataclasses.replace(
        _gh(redirected_from="acme/old-name"), url="https://github.com/acme/old-name"
    )  # full_name is the new one
    f, _ = _run(dataclasses.replace(card_only(old), links=(lk,)))
    assert f["license.code_license"].outcome.value == "pass"


def test_fine_tuning_code_for_a_pretrained_model_is_not_its_training_code():
    card = HEAD + "You can find a script for fine-tuning in our [GitHub repository](https://github.com/acme/acme-ft).\n"
    assert _run(card_only(card))[0]["code.training_code"].outcome.value == "partial"
    tuned = card.replace("---\n# Acme", "base_model: acme/acme-7b-base\n---\n# Acme")
    assert _run(card_only(tuned))[0]["code.training_code"].outcome.value == "pass"


def test_general_library_is_not_the_models_training_code():
    card = HEAD + "We pretrained the models using the [ToolKit](https://github.com/acme/toolkit) library.\n"
    f, _ = _run(card_only(card))
    assert f["code.training_code"].outcome.value == "partial" and "general library" in f["code.training_code"].message
    badge = HEAD + "[Built with Axolotl](https://github.com/OpenAccess-AI-Collective/axolotl)\n"
    assert _run(card_only(badge))[0]["code.training_code"].outcome.value == "partial"


def test_git_clone_and_training_script():
    card = (
        HEAD + "```\ngit clone https://github.com/acme/vgen.git\ncd vgen\n```\n\n### Train your model\n\n"
        "```\npython train_net.py --cfg configs/train.yaml\n```\n"
    )
    f, _ = _run(card_only(card))
    assert f["code.training_code"].outcome.value == "pass" and "clones" in f["code.training_code"].message


@pytest.mark.parametrize(
    "line",
    [
        "The model was trained on the [MS MARCO](https://github.com/acme/msmarco-data) dataset.\n",
        "It is a model continually trained on the [Acme-9B](https://github.com/acme/acme-9b) base.\n",
    ],
)
def test_links_named_for_data_or_a_model_are_not_code(line):
    f, _ = _run(card_only(HEAD + line))
    assert f["code.training_code"].outcome.value == "fail"


def test_code_statement_labels_the_models_code():
    for line in (
        "- **Code:** [acme/acme](https://github.com/acme/acme)\n",
        "Source code is available at https://github.com/acme/acme.\n",
    ):
        assert _run(card_only(HEAD + line))[0]["code.training_code"].outcome.value == "pass", line


def test_named_datasets_with_sizes_are_documented():
    card = HEAD + "Acme-7B is trained on [Corpus v2](https://huggingface.co/datasets/acme/corpus-v2) for 1.4T tokens.\n"
    f, fw = _run(card_only(card))
    assert f["data.documented"].outcome.value == "pass" and f["data.available"].outcome.value == "not_available"
    assert fw["osai"]["data"] == "open"
    thin = HEAD + "Acme-7B is trained on [Corpus v2](https://huggingface.co/datasets/acme/corpus-v2) for 1.3 hours.\n"
    assert _run(card_only(thin))[0]["data.documented"].outcome.value == "partial"


def test_negated_proprietary_is_not_private_data():
    card = HEAD + (
        "We fine-tune the model on the acme/corpus-v2 dataset without any distilled data from proprietary LLMs. "
        "It holds 50k instructions.\n"
    )
    f, _ = _run(card_only(card))
    assert f["data.available"].outcome.value == "not_available"


def test_dataset_lookups_decide_availability_and_license():
    ds = LinkLookup(
        "https://huggingface.co/datasets/acme/corpus-v2",
        LinkKind.HUB_DATASET,
        LinkStatus.OK,
        {"id": "acme/corpus-v2", "exists": True, "gated": False, "private": False, "license": "cc-by-4.0"},
    )
    snap = dataclasses.replace(card_only(HEAD + TRAINING_LINK), links=(ds,), offline=False)
    f, _ = _run(snap)
    assert f["data.available"].outcome.value == "pass"
    assert f["license.data_license"].outcome.value == "pass" and f["license.data_license"].value == "CC-BY-4.0"
    gated = dataclasses.replace(ds, facts=dict(ds.facts, gated="manual"))
    assert _run(dataclasses.replace(snap, links=(gated,)))[0]["data.available"].outcome.value == "fail"
    failed = dataclasses.replace(ds, status=LinkStatus.RATE_LIMITED, facts={})
    f, _ = _run(dataclasses.replace(snap, links=(failed,)))
    assert f["data.available"].outcome.value == "not_available" and "rate_limited" in f["data.available"].message


def test_full_repository_offline_with_linked_training_code():
    snap = make(
        {
            "README.md": HEAD + TRAINING_LINK,
            "config.json": '{"architectures": ["LlamaForCausalLM"]}',
            "model.safetensors": 100,
        }
    )
    f, _ = _run(snap)
    assert f["code.training_config"].outcome.value == "not_available"
    assert "not followed offline" in f["code.training_config"].message


def test_code_announced_for_later_is_not_published():
    card = HEAD + "- **Repository:** https://github.com/acme/ (Pre-training and research code coming out soon!)\n"
    f, _ = _run(card_only(card))
    assert f["code.training_code"].outcome.value == "fail" and "announces" in f["code.training_code"].message


def test_a_clone_without_a_training_command_is_not_training_code():
    card = HEAD + "```bash\ngit clone https://github.com/acme/tts.git\n```\n\n## Inference\n\nRun the demo.\n"
    f, _ = _run(card_only(card))
    assert f["code.training_code"].outcome.value == "partial"
    assert f["code.preprocessing_code"].outcome.value == "fail"


def test_a_fine_tuning_tutorial_for_a_pretrained_model():
    card = HEAD + (
        "- [Case study](https://github.com/acme/acme/blob/main/tutorials/case.ipynb) -- This tutorial also shows how "
        "to fine-tune the model, performing training and inference on multiple GPUs.\n"
    )
    assert _run(card_only(card))[0]["code.training_code"].outcome.value == "partial"


def test_html_links_and_documents_are_judged_by_their_text():
    """Found by sampling the hf-readme corpus: an HTML link named for a dataset is data, and a PDF on a
    code host is a document, not code."""
    card = HEAD + (
        'The models are trained with <a href="https://github.com/acme/Corpus-Data">RedPajama dataset</a> for 100B '
        'tokens, as suggested in their <a href="https://github.com/acme/papers/blob/main/Training_Tips_Code.pdf">paper</a>.\n'
    )
    assert _run(card_only(card))[0]["code.training_code"].outcome.value == "fail"


def test_a_lora_fine_tune_counts_its_fine_tuning_code():
    card = HEAD + (
        "To finetuned the base model we used the code available on [Acme Lora](https://github.com/acme/acme-lora), "
        "which provides code to finetune the model using PEFT.\n"
    )
    assert _run(card_only(card))[0]["code.training_code"].outcome.value == "pass"


GENERIC_LINK = "See https://github.com/acme/acme-lm for details on the Acme language model.\n\nWe describe the design of Acme-7B.\n"


def test_generic_code_link_with_a_code_release_statement_is_published_training_code():
    said = " All of the code and model checkpoints used in this work are publicly available.\n"
    f, fw = _run(card_only(HEAD + GENERIC_LINK + said))
    assert f["code.training_code"].outcome.value == "pass", f["code.training_code"].message
    assert any("publicly available" in (e.snippet or "") for e in f["code.training_code"].evidence)
    assert f["code.preprocessing_code"].outcome.value == "not_available", f["code.preprocessing_code"].message
    assert fw["osai"]["open_code"] == "open"


def test_generic_code_link_without_a_statement_stays_partial():
    f, _ = _run(card_only(HEAD + GENERIC_LINK))
    assert f["code.training_code"].outcome.value == "partial", f["code.training_code"].message
    promised = " All of the code will be released soon.\n"
    f, _ = _run(card_only(HEAD + GENERIC_LINK + promised))
    assert f["code.training_code"].outcome.value != "pass", f["code.training_code"].message


def test_thin_training_data_description_is_never_open_data_offline():
    """A short data section naming public datasets (< 60 words) is partial documentation: with availability
    not observed offline it cannot make the OSAI data dimension open (it used to: 0.75 credit)."""
    text = (
        "---\nlicense: apache-2.0\ndatasets:\n- acme/instruct-mix\n---\n# Acme-7B-Instruct\n\n"
        "An instruction-tuned language model, with enough words in the card to be read as a real card.\n\n"
        "## Training Data\n\nFine-tuned on a mixture of [Acme Instruct](https://huggingface.co/datasets/acme/instruct-mix) "
        "and 5% of the pretraining corpus, 150M tokens.\n"
    )
    findings, fw = _run(card_only(text))
    assert findings["data.documented"].outcome.value == "partial"
    assert findings["data.documented"].credit <= 0.5
    assert fw["osai"]["data"] == "partial"
    # the same datasets documented in full (sources, sizes, mixture; 60+ words) grade open
    full = text.replace(
        "and 5% of the pretraining corpus, 150M tokens.",
        "and 5% of the pretraining corpus, 150M tokens in all. The instruction data holds 120M tokens of "
        "English dialogues filtered for quality with a classifier and deduplicated by exact match; the "
        "pretraining share is sampled uniformly from the 1T-token corpus described on its dataset card, with "
        "the same tokenizer and a sequence length of 2048 tokens, packed without padding.",
    )
    findings, fw = _run(card_only(full))
    assert findings["data.documented"].outcome.value == "pass"
    assert fw["osai"]["data"] == "open"


@pytest.mark.parametrize(
    "line, purpose",
    [
        (
            "It was finetuned on a 150M tokens from [Baize](https://github.com/acme/baize-chatbot) mixed with web data.",
            "data",
        ),
        (
            "It is fine-tuned on a [~15K record instruction corpus](https://github.com/acme/acme/tree/master/data).",
            "data",
        ),
        ("Trained on https://github.com/acme/corpus for 2 epochs.", "data"),
        ("The model was trained on top of https://github.com/acme/base-model as described.", None),
        (
            "We train the models on cloud TPUs using [EasyLM](https://github.com/acme/EasyLM), a training pipeline.",
            "training",
        ),
    ],
)
def test_a_link_the_model_was_trained_on_is_data(line, purpose):
    """The object of "trained / fine-tuned on ..." is what the model learned from, not its code."""
    snap = card_only("---\nlicense: mit\n---\n# Acme\n\n" + line + "\n")
    (link,) = collect_all(snap)["code"].links
    assert (purpose in link.purposes) if purpose else ("data" not in link.purposes)
    findings, _ = _run(snap)
    if purpose == "data":  # no code repository is left: the card links no training code
        assert findings["code.training_code"].outcome.value == "fail"


@pytest.mark.parametrize(
    "line",
    [
        "* **Trained by**: [Jane Doe](https://github.com/janedoe) of [Acme](https://acme.example)",
        "A known issue with training is tracked at https://github.com/acme/acme-lm/issues/12 for now.",
        "The training fix landed in https://github.com/huggingface/transformers/pull/10301 last year.",
        "* **Library**: [trlX](https://github.com/acme/trlx-fork), used for training",
        "It was trained using PPO as implemented in [`trlX`](https://github.com/CarperAI/trlx/blob/main/trlx/ppo.py).",
    ],
)
def test_profiles_issues_and_libraries_are_not_the_models_training_code(line):
    findings, _ = _run(card_only("---\nlicense: mit\n---\n# Acme\n\n" + line + "\n"))
    assert findings["code.training_code"].outcome.value != "pass", findings["code.training_code"].message


DELEGATING = (
    "---\nlicense: apache-2.0\ndatasets:\n- acme/corpus-1t\n---\n# Acme-7B\n\n"
    "A language model with enough words in its card to be read as a real card by the auditor.\n\n"
)


@pytest.mark.parametrize(
    "body",
    [
        "## Training\n\n**Training Data**\n\nPlease refer to [acme/corpus-1t](https://huggingface.co/datasets/acme/corpus-1t)\n",
        "### Data\n\nFor training data details, please see the [Corpus](https://huggingface.co/datasets/acme/corpus-1t) "
        "documentation.\n",
    ],
)
def test_card_pointing_to_the_training_datasets_own_card_documents_the_data(body):
    findings, fw = _run(card_only(DELEGATING + body))
    f = findings["data.documented"]
    assert f.outcome.value == "pass" and "dataset card not read offline" in f.message
    assert any(e.line for e in f.evidence)
    assert fw["osai"]["data"] == "open"


@pytest.mark.parametrize(
    "body",
    [
        # a pointer about bias, not about this model's training data, to a dataset it does not declare
        "## Bias\n\nModels trained primarily on code data are skewed, for more on this see the "
        "[Other dataset](https://huggingface.co/datasets/other/code-v2)\n",
        # an example, not the training data
        "## Usage\n\nFor example, see [acme/corpus-1t](https://huggingface.co/datasets/acme/corpus-1t) to try it.\n",
        # the dataset is named, nothing sends the reader to its card
        "## Training Data\n\nTrained on [acme/corpus-1t](https://huggingface.co/datasets/acme/corpus-1t).\n",
    ],
)
def test_other_dataset_links_are_not_delegated_documentation(body):
    findings, _ = _run(card_only(DELEGATING + body))
    assert "dataset card not read offline" not in findings["data.documented"].message


def test_a_comparison_with_other_models_data_is_not_a_private_data_statement():
    text = (
        DELEGATING + "## Evaluation\n\n| model | score |\n|---|---|\n| Acme | 1 |\n\n"
        "\\*Unlike Acme and Beta, Gamma Corp has not disclosed yet the data Gamma was trained on.\n"
    )
    findings, _ = _run(card_only(text))
    assert findings["data.available"].outcome.value != "partial", findings["data.available"].message
    assert "private" not in findings["data.available"].message
    # the same sentence about this model's own data still counts
    own = DELEGATING + "## Training Data\n\nThe training data is proprietary and has not been released.\n"
    findings, _ = _run(card_only(own))
    assert findings["data.available"].outcome.value in ("fail", "partial")
