"""The benchmark side: items, the n-gram size rule, and the exact n-gram index.

Each item has a question part and (optionally) an answer part; both are indexed, so a scan can
tell question-only leaks from question+answer leaks. The answer is screened together with the
question's last n - 1 words, as one span, so that a one-word answer right after its question counts
(and, for answers shorter than n, also with an answer label between them: "Q: ... A: Paris",
"... Answer: Paris", "... the answer is Paris"). The index is small (benchmarks are small) and is
built once, then shipped to every worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

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


def _usable(size: int, n: int) -> int:
    """The n-gram size a part of ``size`` words is screened with: n, the whole part when it is
    shorter but has at least ``MIN_TOKENS`` words, else 0 (not screened)."""
    return n if size >= n else (size if size >= MIN_TOKENS else 0)


def _answer_spans(q, a, n: int, labels: list[Any]) -> tuple[int, list[tuple[Any, int]]]:
    """The answer part of an item: ``(n used, [(span tokens, words before the answer)])``.

    A span is the question's last ``n - 1`` words, optionally an answer label, then the answer."""
    import numpy as np

    tail = q[max(0, int(q.size) - (n - 1)) :]
    use = _usable(int(tail.size + a.size), n) if a.size else 0
    if not use:
        return 0, []
    spans = [(np.concatenate([tail, a]), int(tail.size))]
    if a.size < n and tail.size:  # a short answer may follow a label
        spans += [(np.concatenate([tail, lab, a]), int(tail.size + lab.size)) for lab in labels]
    return use, spans


def _hash_all(jobs: list[tuple[Any, int, Any]]) -> dict[Any, Any]:
    """``{key: ngram_hashes(tokens, use)}`` for ``(key, use, tokens)`` jobs (each at least ``use``
    tokens long): one pass per n-gram size over all the token arrays laid end to end; windows that
    straddle two arrays are computed and dropped."""
    import numpy as np

    out: dict[Any, Any] = {}
    by_use: dict[int, list[tuple[Any, Any]]] = {}
    for key, use, toks in jobs:
        by_use.setdefault(use, []).append((key, toks))
    for use, group in by_use.items():
        g = ngram_hashes(np.concatenate([t for _k, t in group]), use)
        off = 0
        for key, toks in group:
            out[key] = g[off : off + int(toks.size) - use + 1]
            off += int(toks.size)
    return out


def build_index(
    benchmarks: list[Benchmark], *, ngram: int | None = None, fuzzy_threshold: float | None = None
) -> BenchIndex:
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
    empty = np.zeros(0, dtype=np.uint64)

    def add(part: int, use: int, g, where) -> None:
        hashes.append(g[where])
        parts.append(np.full(where.size, part, dtype=np.int64))
        poss.append(where)
        lengths.add(use)

    for b_i, bench in enumerate(benchmarks):
        toks = [
            (hasher.hashes(token_bytes(it.question)), hasher.hashes(token_bytes(it.answer or ""))) for it in bench.items
        ]
        q_lengths = [int(q.size) for q, _ in toks]
        n = ngram if ngram is not None else ngram_size([ql for ql in q_lengths if ql >= MIN_TOKENS])
        idx.n_by_bench.append(n)
        answers = [_answer_spans(q, a, n, labels) for q, a in toks]
        jobs = [(("q", k), _usable(int(q.size), n), q) for k, (q, _a) in enumerate(toks) if _usable(int(q.size), n)]
        jobs += [
            (("a", k, v), use, span) for k, (use, spans) in enumerate(answers) for v, (span, _pre) in enumerate(spans)
        ]
        hashed = _hash_all(jobs)
        for k, ((q, a), (a_use, spans)) in enumerate(zip(toks, answers)):
            item = len(idx.item_bench)
            idx.item_bench.append(b_i)
            idx.question_shingles.append(shingles(q))
            if fuzzy is not None and q.size >= MIN_TOKENS:
                fuzzy.add(item, shingles(q, FUZZY_SHINGLE))
                q_lengths_all.append(int(q.size))
            use = _usable(int(q.size), n)
            g = hashed.get(("q", k), empty)
            idx.part_tokens.append(int(q.size))
            idx.part_n.append(use)
            idx.part_hashes.append(g)
            if use:
                add(item * 2 + QUESTION, use, g, np.arange(g.size, dtype=np.int64))
            # the answer part: its spans end to end, one unused position between two; a span's
            # n-grams are indexed only when they hold an answer word
            pieces, keep, layout, base = [], [], [], 0
            for v, (_span, prefix) in enumerate(spans):
                g = hashed[("a", k, v)]
                pos = np.arange(g.size, dtype=np.int64)
                keep.append(base + pos[pos + a_use > prefix])
                layout.append((base, prefix))
                pieces += [g, np.zeros(1, dtype=np.uint64)]
                base += int(g.size) + 1
            g = np.concatenate(pieces)[:-1] if pieces else empty
            idx.part_tokens.append(int(a.size))
            idx.part_n.append(a_use)
            idx.part_hashes.append(g)
            idx.answer_spans.append(tuple(layout))
            idx.answer_tail.append(min(int(q.size), n - 1))
            if a_use:
                add(item * 2 + ANSWER, a_use, g, np.concatenate(keep))
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
