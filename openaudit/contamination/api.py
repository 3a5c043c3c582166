"""Library entry point: ``run(benchmarks, train, ...) -> dict`` (the contamination report)."""
from __future__ import annotations

import dataclasses
import sys
from typing import Any, Callable

from openaudit.errors import UsageError
from openaudit.model import ScanStatus

SCHEMA_VERSION = "1.1"
DEFAULT_FREQUENT_DOCS = 50


def run(
    benchmarks: list[str],
    train: list[str],
    *,
    text_field: str | None = None,
    id_field: str | None = None,
    answer_field: str | None = None,
    ngram: int | None = None,
    fuzzy: bool = False,
    engine: str = "local",
    workers: int | None = None,
    train_text_field: str | None = None,
    frequent_docs: int = DEFAULT_FREQUENT_DOCS,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Screen every benchmark item against the training data; deterministic output.

    Raises ``OpenAuditError`` subclasses (UsageError, InvalidInput, ...) for bad input.
    """
    from openaudit.contamination import hashing, minhash, normalise, report
    from openaudit.contamination.benchsets import check_fields, load_benchmark
    from openaudit.contamination.engines import run_shards
    from openaudit.contamination.index import ANSWER_LABELS, MIN_TOKENS, N_MAX, N_MIN, build_index
    from openaudit.contamination.readers import expand
    from openaudit.contamination.scan import ScanOptions

    say = progress or (lambda msg: print(msg, file=sys.stderr))
    if not benchmarks:
        raise UsageError("no benchmark given: pass --benchmark PATH or a Hub dataset id")
    if frequent_docs < 1:
        raise UsageError(f"frequent_docs must be at least 1, got {frequent_docs}")
    check_fields(text_field, answer_field, id_field)
    benches = [load_benchmark(b, text_field=text_field, answer_field=answer_field, id_field=id_field) for b in benchmarks]
    seen: dict[str, int] = {}
    named = []
    for b in benches:  # two benchmarks with the same name stay distinguishable
        seen[b.name] = seen.get(b.name, 0) + 1
        named.append(b if seen[b.name] == 1 else dataclasses.replace(b, name=f"{b.name}#{seen[b.name]}"))
    shards = expand(list(train), text_field=train_text_field)
    say(f"contamination: {sum(len(b.items) for b in named)} items in {len(named)} benchmark(s), {len(shards)} training shard(s)")
    index = build_index(named, ngram=ngram, fuzzy_threshold=report.FUZZY_THRESHOLD if fuzzy else None)
    results = run_shards(index, shards, ScanOptions(fuzzy=fuzzy), engine=engine, workers=workers)
    out_benches, totals, train_problems = report.merge(index, results, frequent_docs=frequent_docs, fuzzy=fuzzy)
    method = {
        "schema_version": SCHEMA_VERSION,
        "normalisation": normalise.SCHEME,
        "hashing": hashing.SCHEME,
        "ngram": {
            "rule": f"per benchmark: 5th-percentile question length in words, clamped to {N_MIN}..{N_MAX}" if ngram is None else "fixed (--ngram)",
            "by_benchmark": {b["name"]: b["ngram"] for b in out_benches},
            "short_items": f"parts shorter than n but >= {MIN_TOKENS} words are matched whole; shorter ones are not screened",
            "answers": "screened as one span with the question's last n-1 words (so one-word answers count); answers shorter than n also with a label between them: " + ", ".join(repr(x) for x in ANSWER_LABELS),
        },
        "frequent_docs": frequent_docs,
        "frequent_rule": f"an n-gram found in >= {frequent_docs} training documents is ignored for coverage and reported",
        "coverage": "share of the question's words inside matched, non-frequent n-grams of the question or of its question+answer span (union over the training data)",
        "buckets": dict(report.BUCKETS),
        "contaminated_rule": f"coverage >= {report.CLEAN_BELOW}, or MinHash Jaccard (word 5-grams) >= {report.JACCARD_THRESHOLD} in the window aligned on an exact n-gram hit, or (fuzzy mode) MinHashLSH window Jaccard (word {minhash.FUZZY_SHINGLE}-grams) >= {report.FUZZY_THRESHOLD}",
        "kind_rule": f"question_answer when the answer's coverage is also >= {report.CLEAN_BELOW}, else question_only",
        "minhash": minhash.method(),
        "fuzzy": {"enabled": fuzzy, "lsh_threshold": report.FUZZY_THRESHOLD, "shingles": f"word {minhash.FUZZY_SHINGLE}-grams", "window_words": index.fuzzy_window if fuzzy else None, "stride": "window / 2"},
        "engine": engine,
        "training": totals,
    }
    say(f"contamination: scanned {totals['docs']} documents, {totals['bytes']} bytes")
    for code, count in train_problems["counts"].items():
        say(f"contamination: training data incomplete: {count} x {code} (see problems in the report)")
    complete = all(b["status"] == ScanStatus.COMPLETE.value for b in out_benches)
    return {
        "status": (ScanStatus.COMPLETE if complete else ScanStatus.INCOMPLETE).value,
        "method": method,
        "training_problems": train_problems,
        "benchmarks": out_benches,
    }
