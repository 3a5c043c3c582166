"""Merge shard results into the contamination report (the DESIGN.md JSON shape)."""

from __future__ import annotations

from typing import Any

from openaudit.contamination.index import ANSWER, QUESTION, BenchIndex
from openaudit.contamination.normalise import tokens
from openaudit.contamination.problems import merge_logs
from openaudit.model import RunStatus

CLEAN_BELOW = 0.2  # Llama 2: clean < 20% of the item's tokens covered
DIRTY_FROM = 0.8  # Llama 2: dirty >= 80%
JACCARD_THRESHOLD = 0.2  # near-verbatim: MinHash Jaccard (word 5-grams) of the window around an exact hit
FUZZY_THRESHOLD = 0.25  # fuzzy mode: MinHashLSH threshold (word 2-gram shingles)
EVIDENCE_PER_ITEM = 3

BUCKETS = {
    "clean": f"coverage < {CLEAN_BELOW}",
    "not_clean": f"coverage >= {CLEAN_BELOW}",
    "not_dirty": f"coverage < {DIRTY_FROM}",
    "dirty": f"coverage >= {DIRTY_FROM}",
}


def bucket_of(coverage: float) -> str:
    """The item's disjoint class: clean (< 20%), dirty (>= 80%), or not_clean (in between,
    i.e. not clean and not dirty)."""
    if coverage < CLEAN_BELOW:
        return "clean"
    if coverage >= DIRTY_FROM:
        return "dirty"
    return "not_clean"


def _covered(
    index: BenchIndex, part: int, matched: set[int], df: dict[int, int], frequent_docs: int
) -> tuple[list[int], int]:
    """The matched, non-frequent positions of a part; and the count ignored as frequent."""
    hashes = index.part_hashes[part]
    kept = [pos for pos in matched if df.get(int(hashes[pos]), 0) < frequent_docs]
    return kept, len(matched) - len(kept)


def coverage(
    index: BenchIndex, item: int, matched: dict[int, set[int]], df: dict[int, int], frequent_docs: int
) -> tuple[float, float, int]:
    """(question coverage, answer coverage, matched n-grams ignored as frequent) of one item.

    Question words are covered by the question's own n-grams and by the answer span's n-grams
    that reach back into the question's last words; answer words by the answer span's n-grams
    (whichever label variant matched)."""
    qpart, apart = item * 2 + QUESTION, item * 2 + ANSWER
    q_size, a_size = index.part_tokens[qpart], index.part_tokens[apart]
    q_cov = bytearray(q_size)
    n = index.part_n[qpart]
    q_pos, q_ign = _covered(index, qpart, matched.get(qpart, set()), df, frequent_docs)
    for pos in q_pos:
        q_cov[pos : pos + n] = b"\x01" * n
    a_cov = bytearray(a_size)
    n = index.part_n[apart]
    a_pos, a_ign = _covered(index, apart, matched.get(apart, set()), df, frequent_docs)
    spans = index.answer_spans[item]
    tail = index.answer_tail[item]
    for gpos in a_pos:
        base, prefix = max(sp for sp in spans if sp[0] <= gpos)
        pos = gpos - base  # the window covers span words pos .. pos + n - 1
        lo, hi = max(0, pos - prefix), min(a_size, pos + n - prefix)
        if hi > lo:
            a_cov[lo:hi] = b"\x01" * (hi - lo)
        lo, hi = pos, min(tail, pos + n)  # question words before the answer (labels come after them)
        if hi > lo:
            q_cov[q_size - tail + lo : q_size - tail + hi] = b"\x01" * (hi - lo)
    return (sum(q_cov) / q_size if q_size else 0.0), (sum(a_cov) / a_size if a_size else 0.0), q_ign + a_ign


def merge(
    index: BenchIndex,
    shard_results: list[dict[str, Any]],
    *,
    frequent_docs: int,
    fuzzy: bool,
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """(benchmark results, training totals, training-side problems) of the shard results. A
    benchmark is ``complete`` only when no training input and none of its records were skipped."""
    df: dict[int, int] = {}
    matched: dict[int, set[int]] = {}
    cands: dict[int, list[dict[str, Any]]] = {}
    fuzz: dict[int, dict[str, Any]] = {}
    totals = {"shards": len(shard_results), "docs": 0, "bytes": 0, "tokens": 0}
    train_problems = merge_logs([r["problems"] for r in shard_results])
    for r in shard_results:
        for k in ("docs", "bytes", "tokens"):
            totals[k] += r[k]
        for h, c in r["df"].items():
            df[int(h)] = df.get(int(h), 0) + c
        for p, poss in r["matched"].items():
            matched.setdefault(int(p), set()).update(poss)
        for c in r["candidates"]:
            cands.setdefault(c["item"], []).append(c)
        for f in r["fuzzy"]:
            best = fuzz.get(f["item"])
            if best is None or (f["jaccard"], best["source"], best["doc"]) > (best["jaccard"], f["source"], f["doc"]):
                fuzz[f["item"]] = f
    out = []
    for b_i, bench in enumerate(index.benchmarks):
        items_out = []
        frequent: dict[tuple[int, int], int] = {}
        for local, it in enumerate(bench.items):
            g = sum(len(b.items) for b in index.benchmarks[:b_i]) + local
            q_cov, a_cov, ignored = coverage(index, g, matched, df, frequent_docs)
            for pos in matched.get(g * 2 + QUESTION, ()):
                h = int(index.part_hashes[g * 2 + QUESTION][pos])
                if df.get(h, 0) >= frequent_docs:
                    frequent[(g, pos)] = df[h]
            cs = sorted(
                cands.get(g, []),
                key=lambda c: (-(c["q_matched"] + c["a_matched"]), -c["longest"], c["source"], c["doc"], c["start"]),
            )
            evidence = [
                {
                    "source": c["source"],
                    "doc": c["doc"],
                    "line": c["line"],
                    "start": c["start"],
                    "end": c["end"],
                    "snippet": c["snippet"],
                    "match": "exact",
                    "longest_match": c["longest"],
                    "jaccard": c["jaccard"],
                }
                for c in cs[:EVIDENCE_PER_ITEM]
            ]
            jac = max((c["jaccard"] for c in cs), default=0.0)
            f = fuzz.get(g) if fuzzy else None
            fuzzy_hit = False
            if f is not None:
                evidence.append(
                    {
                        "source": f["source"],
                        "doc": f["doc"],
                        "line": f["line"],
                        "start": f["start"],
                        "end": f["end"],
                        "snippet": f["snippet"],
                        "match": "fuzzy",
                        "longest_match": 0,
                        "jaccard": f["jaccard"],
                    }
                )
                fuzzy_hit = f["jaccard"] >= FUZZY_THRESHOLD
            screened = index.part_n[g * 2 + QUESTION] > 0 or index.part_n[g * 2 + ANSWER] > 0
            contaminated = q_cov >= CLEAN_BELOW or jac >= JACCARD_THRESHOLD or fuzzy_hit
            kind = None
            if contaminated:
                kind = "question_answer" if a_cov >= CLEAN_BELOW else "question_only"
            items_out.append(
                {
                    "id": it.id,
                    "contaminated": contaminated,
                    "kind": kind,
                    "bucket": bucket_of(q_cov),
                    "coverage": round(q_cov, 4),
                    "answer_coverage": round(a_cov, 4),
                    "longest_match": max((c["longest"] for c in cs), default=0),
                    "jaccard": round(jac, 4),
                    "fuzzy_jaccard": round(f["jaccard"], 4) if f is not None else 0.0,
                    "frequent_ngrams_ignored": ignored,
                    "screened": screened,
                    "evidence": evidence if (contaminated or cs or f) else [],
                }
            )
        covs = [x["coverage"] for x in items_out]
        n_cont = sum(x["contaminated"] for x in items_out)
        top_frequent = []
        for (g, pos), count in sorted(frequent.items(), key=lambda kv: (-kv[1], kv[0]))[:10]:
            local = g - sum(len(b.items) for b in index.benchmarks[:b_i])
            n = index.part_n[g * 2 + QUESTION]
            toks = tokens(bench.items[local].question)
            top_frequent.append({"ngram": " ".join(toks[pos : pos + n]), "docs": count})
        problems = merge_logs([train_problems, bench.problems])
        out.append(
            {
                "name": bench.name,
                "status": (RunStatus.COMPLETE if not problems["counts"] else RunStatus.INCOMPLETE).value,
                "format": bench.format,
                "ngram": index.n_by_bench[b_i],
                "items_total": len(items_out),
                "items_screened": sum(x["screened"] for x in items_out),
                "items_contaminated": n_cont,
                "rate": round(n_cont / len(items_out), 4) if items_out else 0.0,
                "buckets": {
                    "clean": sum(c < CLEAN_BELOW for c in covs),
                    "not_clean": sum(c >= CLEAN_BELOW for c in covs),
                    "not_dirty": sum(c < DIRTY_FROM for c in covs),
                    "dirty": sum(c >= DIRTY_FROM for c in covs),
                },
                "question_only": sum(x["kind"] == "question_only" for x in items_out),
                "question_answer": sum(x["kind"] == "question_answer" for x in items_out),
                "frequent_ngrams": top_frequent,
                "items_skipped": sum(bench.problems["counts"].values()),
                "problems": problems,
                "items": items_out,
            }
        )
    return out, totals, train_problems
