"""Finding the links a rater follows in a card (pure text work) and judging a linked repository's
files from their paths."""

from __future__ import annotations

from openaudit.model import LinkKind
from openaudit.sources import codepaths
from openaudit.sources.links import MAX_FOUND, classify_url, declared_ids, find_links

CARD = """---
license: apache-2.0
datasets:
- acme/corpus
- wikitext
- https://example.org/not-an-id
base_model: acme/base
tags:
- arxiv:2402.00838
---
# Model

Training code: [repo](https://github.com/Acme/Trainer/tree/main/scripts), also https://github.com/acme/trainer.git.
Evaluation: <https://github.com/acme/evals>; data https://huggingface.co/datasets/acme/corpus/viewer and
https://hf.co/datasets/squad/blob/main/README.md; the base https://huggingface.co/acme/base/tree/main.
Paper: https://arxiv.org/pdf/2402.00838v2.pdf (same paper), https://arxiv.org/abs/hep-th/9901001, doi:10.18653/v1/2023.acl-long.1).
See https://doi.org/10.48550/arXiv.2307.09288 and the report https://example.org/tech-report.PDF?x=1#page=2.

```bash
git clone https://github.com/acme/data-tools
```

Not followed: https://github.com/orgs/acme, https://github.com/acme, https://huggingface.co/spaces/acme/demo,
https://huggingface.co/docs/transformers, https://huggingface.co/acme/this-model, https://example.org/page.html
"""


def test_links_found_once_each_in_kind_order_with_lines_and_context():
    refs, more = find_links(CARD, None, self_id="acme/this-model")
    got = [(r.kind, r.key) for r in refs]
    assert got == [
        (LinkKind.GITHUB_REPO, "acme/trainer"),
        (LinkKind.GITHUB_REPO, "acme/evals"),
        (LinkKind.GITHUB_REPO, "acme/data-tools"),
        (LinkKind.HUB_DATASET, "acme/corpus"),
        (LinkKind.HUB_DATASET, "wikitext"),
        (LinkKind.HUB_DATASET, "squad"),
        (LinkKind.HUB_MODEL, "acme/base"),
        (LinkKind.PAPER, "arxiv:2402.00838"),
        (LinkKind.PAPER, "arxiv:hep-th/9901001"),
        (LinkKind.PAPER, "doi:10.18653/v1/2023.acl-long.1"),
        (LinkKind.PAPER, "arxiv:2307.09288"),
        (LinkKind.PAPER, "https://example.org/tech-report.PDF?x=1"),
    ]
    assert more == 0
    by_key = {r.key: r for r in refs}
    assert by_key["acme/trainer"].url == "https://github.com/Acme/Trainer" and by_key["acme/trainer"].line == 13
    assert by_key["acme/trainer"].context == "text"
    assert by_key["acme/data-tools"].context == "code"
    assert by_key["acme/corpus"].context == "front_matter" and by_key["acme/corpus"].line == 4
    assert by_key["arxiv:2402.00838"].context == "front_matter"
    assert by_key["arxiv:2402.00838"].url == "https://arxiv.org/abs/2402.00838"
    assert by_key["doi:10.18653/v1/2023.acl-long.1"].url == "https://doi.org/10.18653/v1/2023.acl-long.1"
    assert by_key["acme/base"].url == "https://huggingface.co/acme/base"


def test_api_card_data_takes_precedence_and_bad_front_matter_is_empty():
    refs, _ = find_links("---\ndatasets: [a/b]\n---\n", {"datasets": ["c/d"]})
    assert [r.key for r in refs] == ["c/d"]
    assert find_links("---\ndatasets: [unclosed\n---\n", None) == ([], 0)
    assert find_links(None, None) == ([], 0)
    assert find_links("", {"base_model": "org/m"})[0][0].key == "org/m"


def test_declared_ids_parsing():
    assert declared_ids("datasets", {"datasets": ["a/b", " c ", "a/b", "http://x.org/y", "two words", None]}, None) == [
        "a/b",
        "c",
    ]
    assert declared_ids("base_model", {"license": "mit"}, "---\nbase_model: org/base\n---\n# x") == ["org/base"]
    assert declared_ids("datasets", None, "---\na: &x [1]\nb: *x\ndatasets: org/d\n---\n") == []  # aliases refused


def test_url_classification_edges():
    assert classify_url("https://github.com/acme") is None
    assert classify_url("https://github.com/sponsors/acme") is None
    assert classify_url("https://github.com/-bad/x") is None
    assert classify_url("https://raw.githubusercontent.com/acme/repo/main/train.py").key == "acme/repo"
    assert classify_url("https://gist.github.com/acme/abc") is None
    assert classify_url("https://huggingface.co/papers/2401.00001").key == "arxiv:2401.00001"
    assert classify_url("https://huggingface.co/datasets/org/name/resolve/main/x.parquet").key == "org/name"
    assert classify_url("https://huggingface.co/bert-base-uncased") is None  # one segment: an org or a legacy id
    assert classify_url("https://arxiv.org/list/cs.CL/recent") is None
    assert classify_url("https://doi.org/not-a-doi") is None
    assert classify_url("https://example.org/paper.pdf").kind is LinkKind.PAPER
    assert classify_url("ftp://example.org/paper.pdf") is None
    assert classify_url("https://[::1/x.pdf") is None  # unparsable


def test_many_links_are_listed_up_to_the_cap_per_kind():
    card = "\n".join(f"https://github.com/o{i}/r{i} arXiv:2401.{i:05d}" for i in range(MAX_FOUND + 7))
    refs, more = find_links(card)
    assert len(refs) == 2 * MAX_FOUND and more == 14


def test_code_path_categories():
    paths = [
        "train.py",
        "scripts/pretrain_7b.sh",
        "src/finetune/sft.py",
        "fine_tune.py",
        "configs/7b.yaml",
        "recipes/mix.json",
        "config.json",
        "train_config.yaml",
        "model.py",
        "data/build.py",
        "tools/tokenize.py",
        "dedup/minhash.rs",
        "eval/run.py",
        "lm_eval_harness.py",
        "benchmarks/speed.py",
        "tests/test_train.py",
        "docs/training.md",
        "third_party/x/train.py",
        "README.md",
        "notebooks/Train.ipynb",
    ]
    got = codepaths.classify(paths)
    assert got["training_code"] == [
        "train.py",
        "scripts/pretrain_7b.sh",
        "src/finetune/sft.py",
        "fine_tune.py",
        "configs/7b.yaml",
        "recipes/mix.json",
        "train_config.yaml",
        "notebooks/Train.ipynb",
    ]
    assert got["preprocessing_code"] == ["data/build.py", "tools/tokenize.py", "dedup/minhash.rs"]
    assert got["evaluation_code"] == ["eval/run.py", "lm_eval_harness.py", "benchmarks/speed.py"]
    assert codepaths.categories("model.py") == set() and codepaths.categories("tests/eval/x.py") == set()
