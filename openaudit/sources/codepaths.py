"""Which files of a linked code repository are training, data-preprocessing and evaluation code,
judged from their paths alone (rules over path words; nothing is read or run).

A path's words are its components split on anything that is not a letter or digit, lower-cased
(``scripts/pretrain_7b.py`` -> ``scripts``, ``pretrain``, ``7b``; the extension is not a word). Tests, docs, CI and vendored
folders are left out. Code files (``.py .sh .ipynb`` ...) count when a word names the activity;
configuration files (``.yaml .json .toml`` ...) count as training code under a training-words path or
a ``configs``/``recipes`` folder.
"""

from __future__ import annotations

import itertools
import re
from pathlib import PurePosixPath

MAX_LISTED = 100  # paths listed per category

CODE_EXT = frozenset(
    {
        ".py",
        ".sh",
        ".bash",
        ".ipynb",
        ".jl",
        ".lua",
        ".c",
        ".cc",
        ".cpp",
        ".cu",
        ".rs",
        ".go",
        ".java",
        ".scala",
        ".r",
        ".js",
        ".ts",
        ".swift",
        ".pl",
        ".rb",
        ".mojo",
    }
)
CONFIG_EXT = frozenset({".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".gin", ".jsonnet", ".conf"})
IGNORED_DIRS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "unittests",
        ".github",
        ".gitlab",
        ".circleci",
        "docs",
        "doc",
        "third_party",
        "thirdparty",
        "vendor",
        "vendored",
        "node_modules",
        "assets",
        "images",
        "img",
        "figures",
        "site-packages",
    }
)
TRAIN_WORDS = frozenset(
    {
        "train",
        "training",
        "trainer",
        "trainers",
        "pretrain",
        "pretraining",
        "finetune",
        "finetuning",
        "sft",
        "rlhf",
        "dpo",
        "ppo",
        "grpo",
        "orpo",
        "distill",
        "distillation",
    }
)
TRAIN_PAIRS = (("fine", "tune"), ("fine", "tuning"), ("pre", "train"), ("pre", "training"))
PREP_WORDS = frozenset(
    {
        "preprocess",
        "preprocessing",
        "preprocessor",
        "prepare",
        "preparation",
        "prep",
        "dataprep",
        "tokenize",
        "tokenization",
        "tokenise",
        "tokenisation",
        "dedup",
        "deduplicate",
        "deduplication",
        "decontaminate",
        "decontamination",
        "clean",
        "cleaning",
        "filter",
        "filtering",
        "shard",
        "sharding",
        "mixture",
        "crawl",
    }
)
DATA_DIRS = frozenset(
    {"data", "dataset", "datasets", "data_processing", "data_prep", "data_pipeline", "preprocessing", "dataprep"}
)
EVAL_WORDS = frozenset(
    {
        "eval",
        "evals",
        "evaluate",
        "evaluation",
        "evaluations",
        "evaluator",
        "benchmark",
        "benchmarks",
        "bench",
        "harness",
    }
)
CONFIG_DIRS = frozenset({"config", "configs", "recipes", "recipe", "hparams", "experiments"})
_SPLIT = re.compile(r"[^a-z0-9]+")


def _words(parts: tuple[str, ...]) -> list[str]:
    return [w for p in parts for w in _SPLIT.split(p.lower()) if w]


def _has_pair(words: list[str], pairs: tuple[tuple[str, str], ...]) -> bool:
    return any((a, b) in pairs for a, b in itertools.pairwise(words))


def categories(path: str) -> set[str]:
    """The categories of one file path: a subset of {"training", "preprocessing", "evaluation"}."""
    p = PurePosixPath(path)
    dirs = tuple(d.lower() for d in p.parts[:-1])
    if any(d in IGNORED_DIRS for d in dirs):
        return set()
    suffix = p.suffix.lower()
    words = _words(p.parts[:-1] + (p.stem,))
    training = bool(TRAIN_WORDS.intersection(words)) or _has_pair(words, TRAIN_PAIRS)
    out: set[str] = set()
    if suffix in CODE_EXT:
        if training:
            out.add("training")
        if PREP_WORDS.intersection(words) or any(d in DATA_DIRS for d in dirs):
            out.add("preprocessing")
        if EVAL_WORDS.intersection(words):
            out.add("evaluation")
    elif suffix in CONFIG_EXT and (training or any(d in CONFIG_DIRS for d in dirs)):
        out.add("training")
    return out


def classify(paths: list[str]) -> dict[str, list[str]]:
    """``{"training_code", "preprocessing_code", "evaluation_code"}`` -> the matching paths (in the
    given order, at most MAX_LISTED each)."""
    out: dict[str, list[str]] = {"training_code": [], "preprocessing_code": [], "evaluation_code": []}
    for path in paths:
        for cat in categories(path):
            lst = out[f"{cat}_code"]
            if len(lst) < MAX_LISTED:
                lst.append(path)
    return out
