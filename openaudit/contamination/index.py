"""The benchmark side: items, the n-gram size rule, and the exact n-gram index.

Each item has a question part and (optionally) an answer part; both are indexed, so a scan can
tell question-only leaks from question+answer leaks. The answer is screened together with the
question's last n - 1 words, as one span, so that a one-word answer right after its question counts
(and, for answers shorter than n, also with an answer label between them: "Q: ... A: Paris",
"... Answer: Paris", "... the answer is Paris"). The index is small (benchmarks are small) and is
built once, then shipped to every worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from openaudit.contamination.hashing import TokenHasher, ngram_hashes
from openaudit.contamination.minhash import FUZZY_SHINGLE, FuzzyIndex, shingles
from openaudit.contamination.normalise import token_bytes
from openaudit.errors import UsageError

N_MIN, N_MAX = 8, 13
PREFILTER_BITS = 22
PREFILTER_SHIFT = 64 - PREFILTER_BITS
MIN_TOKENS = 4  # parts shorter than this are too short to screen (they would match everywhere)
QUESTION, ANSWER = 0, 1
# words that may stand between a question and its (short) answer, after normalisation ("A:" -> "a")
ANSWER_LABELS = ("a", "answer", "ans", "answer is", "the answer is")


@dataclass(frozen=True)
class BenchItem:
    id: str
    question: str
    answer: str | None = None


def _no_problems() -> dict[str, Any]:
    return {"counts": {}, "listed": []}


@dataclass(frozen=True)
class Benchmark:
    name: str
    items: tuple[BenchItem, ...]
    format: str = "generic"
    fields: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, Any] = field(default_factory=_no_problems)  # ReadLog.to_dict() of records skipped


def ngram_size(lengths: Sequence[int]) -> int:
    """GPT-3 rule: the 5th-percentile item length (in words), clamped to 8..13."""
    if not lengths:
        return N_MIN
    s = sorted(lengths)
    p5 = s[int(0.05 * (len(s) - 1))]
    return max(N_MIN, min(N_MAX, int(p5)))


@dataclass
class BenchIndex:
    """Exact n-gram index of all benchmarks.

    * ``keys``: sorted distinct n-gram hashes (uint64) for ``np.searchsorted`` membership;
    * ``entry_*``: one row per (hash, part, position), sorted by hash; ``key_start[k]`` is the
      first row of ``keys[k]``;
    * ``parts``: per part id (``item * 2 + QUESTION|ANSWER``) its token count and n;
    * ``answer_spans``: per item, the answer part's spans ``(first position, words before the
      answer)`` inside ``part_hashes`` of its answer part (one per label variant, one unused
      position between two spans), and ``answer_tail``: how many question words precede the answer;
    * ``lengths``: the n-gram sizes a scan must compute.
    """

    benchmarks: list[Benchmark]
    item_bench: list[int]  # global item -> benchmark index
    n_by_bench: list[int]
    part_tokens: list[int]  # part -> tokens
    part_n: list[int]  # part -> n used (0 = not screened)
    question_shingles: list[Any]  # item -> sorted unique word 5-gram hashes of the question
    part_hashes: list[Any]  # part -> its n-gram hashes (empty when not screened)
    keys: Any = None
    key_start: Any = None
    entry_part: Any = None
    entry_pos: Any = None
    lengths: tuple[int, ...] = ()
    prefilter: Any = None  # bool array indexed by hash >> PREFILTER_SHIFT: cheap first membership test
    fuzzy: Any = None  # FuzzyIndex or None
    fuzzy_window: int = 0
    answer_spans: list[tuple[tuple[int, int], ...]] = field(default_factory=list)  # item -> ((first pos, prefix), ...)
    answer_tail: list[int] = field(default_factory=list)  # item -> question words before the answer


def _answer_part(q, a, n: int, labels: list[Any]):
    """The answer part of an item: ``(n used, hashes, positions to index, spans)``.

    Each span is the question's last ``n - 1`` words, optionally an answer label, then the answer;
    its ``n``-grams are kept only when they hold an answer word. Spans follow each other in
    ``hashes`` with one unused position between them."""
    import numpy as np

    tail = q[max(0, int(q.size) - (n - 1)) :]
    size = int(tail.size + a.size)
    use = 0 if not a.size else (n if size >= n else (size if size >= MIN_TOKENS else 0))
    if not use:
        return 0, np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), ()
    seqs = [(tail, int(tail.size))]
    if a.size < n and tail.size:  # a short answer may follow a label
        seqs += [(np.concatenate([tail, lab]), int(tail.size + lab.size)) for lab in labels]
    pieces, keep, spans, base = [], [], [], 0
    for head, prefix in seqs:
        g = ngram_hashes(np.concatenate([head, a]), use)
        pos = np.arange(g.size, dtype=np.int64)
        keep.append(base + pos[pos + use > prefix])
        spans.append((base, prefix))
        pieces += [g, np.zeros(1, dtype=np.uint64)]
        base += int(g.size) + 1
    return use, np.concatenate(pieces)[:-1], np.concatenate(keep), tuple(spans)


def build_index(benchmarks: list[Benchmark], *, ngram: int | None = None, fuzzy_threshold: float | None = None) -> BenchIndex:
    import numpy as np

    if ngram is not None and not (1 <= ngram <= 64):
        raise UsageError(f"--ngram must be between 1 and 64, got {ngram}")
    hasher = TokenHasher()
    labels = [hasher.hashes(token_bytes(lab)) for lab in ANSWER_LABELS]
    idx = BenchIndex(benchmarks, [], [], [], [], [], [])
    hashes, parts, poss = [], [], []
    lengths: set[int] = set()
    fuzzy = FuzzyIndex(fuzzy_threshold) if fuzzy_threshold is not None else None
    q_lengths_all: list[int] = []

    def add(part: int, use: int, g, where) -> None:
        hashes.append(g[where])
        parts.append(np.full(where.size, part, dtype=np.int64))
        poss.append(where)
        lengths.add(use)

    for b_i, bench in enumerate(benchmarks):
        toks = [(hasher.hashes(token_bytes(it.question)), hasher.hashes(token_bytes(it.answer or ""))) for it in bench.items]
        q_lengths = [int(q.size) for q, _ in toks]
        n = ngram if ngram is not None else ngram_size([ql for ql in q_lengths if ql >= MIN_TOKENS])
        idx.n_by_bench.append(n)
        for q, a in toks:
            item = len(idx.item_bench)
            idx.item_bench.append(b_i)
            sh = shingles(q)
            idx.question_shingles.append(sh)
            if fuzzy is not None and q.size >= MIN_TOKENS:
                fuzzy.add(item, shingles(q, FUZZY_SHINGLE))
                q_lengths_all.append(int(q.size))
            size = int(q.size)
            use = n if size >= n else (size if size >= MIN_TOKENS else 0)
            g = ngram_hashes(q, use) if use else np.zeros(0, dtype=np.uint64)
            idx.part_tokens.append(size)
            idx.part_n.append(use)
            idx.part_hashes.append(g)
            if use:
                add(item * 2 + QUESTION, use, g, np.arange(g.size, dtype=np.int64))
            use, g, where, spans = _answer_part(q, a, n, labels)
            idx.part_tokens.append(int(a.size))
            idx.part_n.append(use)
            idx.part_hashes.append(g)
            idx.answer_spans.append(spans)
            idx.answer_tail.append(min(int(q.size), n - 1))
            if use:
                add(item * 2 + ANSWER, use, g, where)
    if hashes:
        h = np.concatenate(hashes)
        p = np.concatenate(parts)
        o = np.concatenate(poss)
        order = np.lexsort((o, p, h))
        h, p, o = h[order], p[order], o[order]
        keys, start = np.unique(h, return_index=True)
    else:
        keys = np.zeros(0, dtype=np.uint64)
        start = np.zeros(0, dtype=np.int64)
        p = o = np.zeros(0, dtype=np.int64)
    idx.keys, idx.key_start, idx.entry_part, idx.entry_pos = keys, np.append(start, p.size), p, o
    idx.lengths = tuple(sorted(lengths))
    idx.prefilter = np.zeros(1 << PREFILTER_BITS, dtype=bool)
    idx.prefilter[(keys >> np.uint64(PREFILTER_SHIFT)).astype(np.int64)] = True
    idx.fuzzy = fuzzy
    if fuzzy is not None and q_lengths_all:
        q_lengths_all.sort()
        idx.fuzzy_window = max(MIN_TOKENS, q_lengths_all[len(q_lengths_all) // 2])
    return idx
