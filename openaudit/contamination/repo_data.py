"""Which files of an audited repository are its training data (``audit --benchmark`` without ``--train``).

A repository often ships its held-out data next to its training data (``data/train.txt`` and
``data/heldout.txt``, ``test-0000.parquet``, ``eval/``): scanning those as training data would call
every held-out item "contaminated". Files are classified by the words of their path (folders and
file name, split at punctuation and camelCase):

* a held-out word (test, eval, validation, dev, heldout, benchmark, ...) anywhere -> excluded;
* a training word (train, training, pretrain, ...) -> used;
* both -> ambiguous, excluded (the report says so: openaudit does not guess);
* neither -> used only inside a data folder (``data/``, ``datasets/``, ``corpus/`` ...) or when the
  file is named as data (``corpus.jsonl``); other unmarked data files are listed as excluded.

Only regular files inside the repository, in formats the readers take, are considered; the
benchmark file itself is never training data. Pure: no file is opened.
"""

from __future__ import annotations

import enum
import itertools
import os
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from openaudit.model import FileEntry

TRAIN_WORDS = frozenset({"train", "training", "trainset", "pretrain", "pretraining", "finetune", "finetuning", "sft"})
HELD_OUT_WORDS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "testset",
        "eval",
        "evals",
        "evaluation",
        "evaluations",
        "valid",
        "validation",
        "val",
        "dev",
        "devset",
        "heldout",
        "holdout",
        "benchmark",
        "benchmarks",
        "bench",
        "leaderboard",
    }
)
HELD_OUT_PAIRS = frozenset({("held", "out"), ("hold", "out")})
DATA_FOLDERS = frozenset(
    {"data", "dataset", "datasets", "train_data", "training_data", "corpus", "corpora", "text", "texts"}
)
DATA_NAME_WORDS = frozenset({"data", "dataset", "corpus", "corpora"})
# formats the readers take (``.md`` is left out: READMEs and cards are not training data)
STRUCTURED = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".json.zst", ".zst", ".parquet", ".ndjson")
PLAIN = (".txt", ".txt.gz")


class Exclusion(str, enum.Enum):
    HELD_OUT = "held_out"
    AMBIGUOUS = "ambiguous"
    OUTSIDE = "outside_data_folders"
    BENCHMARK = "is_the_benchmark"


class UseSplit(str, enum.Enum):
    TRAIN = "train"  # named as training data
    UNMARKED = "unmarked"  # no split in its name, inside a data folder / named as data


@dataclass(frozen=True)
class Selection:
    used: tuple[tuple[str, UseSplit, str], ...]  # (path in the repo, split, why)
    excluded: tuple[tuple[str, Exclusion, str], ...]  # (path in the repo, reason, why)

    def to_dict(self) -> dict[str, object]:
        return {
            "origin": "repository",
            "used": [{"path": p, "split": s.value, "why": w} for p, s, w in self.used],
            "excluded": [{"path": p, "reason": r.value, "why": w} for p, r, w in self.excluded],
        }


def _words(name: str) -> list[str]:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def _stem(name: str) -> str:
    low = name.lower()
    for suffix in sorted(STRUCTURED + PLAIN, key=len, reverse=True):
        if low.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _signals(words: list[str]) -> tuple[set[str], set[str]]:
    held = {w for w in words if w in HELD_OUT_WORDS}
    held |= {f"{a}-{b}" for a, b in itertools.pairwise(words) if (a, b) in HELD_OUT_PAIRS}
    return {w for w in words if w in TRAIN_WORDS}, held


def classify(path: str) -> tuple[UseSplit | Exclusion, str]:
    """The split of one repository path and why (``data/heldout.txt`` -> held_out)."""
    p = PurePosixPath(path)
    folders = [w for part in p.parts[:-1] for w in _words(part)]
    name_words = _words(_stem(p.name))
    train, held = _signals(folders + name_words)
    if train and held:
        return (
            Exclusion.AMBIGUOUS,
            f"names both a training split ({', '.join(sorted(train))}) and a held-out one ({', '.join(sorted(held))})",
        )
    if held:
        return Exclusion.HELD_OUT, f"named as held-out data ({', '.join(sorted(held))})"
    if train:
        return UseSplit.TRAIN, f"named as training data ({', '.join(sorted(train))})"
    in_folder = [part for part in p.parts[:-1] if part.lower() in DATA_FOLDERS]
    if in_folder:
        return UseSplit.UNMARKED, f"no split named, inside the data folder {in_folder[0]}/"
    if DATA_NAME_WORDS & set(name_words):
        return UseSplit.UNMARKED, "no split named, the file is named as data"
    return Exclusion.OUTSIDE, "no split named and not inside a data folder"


def select_training_files(
    root: str, files: tuple[FileEntry, ...] | list[FileEntry], benchmarks: list[str]
) -> Selection:
    """The training files of the repository at ``root`` among its listed ``files``."""
    real_root = os.path.realpath(root)
    bench_real = {os.path.realpath(b) for b in benchmarks if os.path.isfile(b)}
    used: list[tuple[str, UseSplit, str]] = []
    excluded: list[tuple[str, Exclusion, str]] = []
    for f in sorted(files, key=lambda e: e.path):
        low = f.path.lower()
        structured = low.endswith(STRUCTURED)
        if f.kind != "file" or not (structured or low.endswith(PLAIN)):
            continue
        full = os.path.realpath(os.path.join(real_root, f.path))
        if not full.startswith(real_root + os.sep) or not os.path.isfile(full):
            continue  # never read outside the target (sources list symlinks separately)
        if full in bench_real:
            excluded.append((f.path, Exclusion.BENCHMARK, "is the benchmark being screened"))
            continue
        split, why = classify(f.path)
        if isinstance(split, UseSplit):
            used.append((f.path, split, why))
        elif split is not Exclusion.OUTSIDE or structured:  # stray .txt files (notes, requirements) go unlisted
            excluded.append((f.path, split, why))
    return Selection(tuple(used), tuple(excluded))
