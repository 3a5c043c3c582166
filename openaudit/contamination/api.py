"""Library entry points: ``run(benchmarks, train, ...) -> dict`` (the contamination report), and
``run_for_audit`` (``audit --benchmark``: the repository's own training files when no --train)."""

from __future__ import annotations

import dataclasses
import enum
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openaudit.contamination import hashing, minhash, normalise, report
from openaudit.contamination.benchsets import check_fields, load_benchmark
from openaudit.contamination.engines import run_shards
from openaudit.contamination.index import ANSWER_LABELS, MIN_TOKENS, N_MAX, N_MIN, Benchmark, build_index
from openaudit.contamination.readers import Shard, expand
from openaudit.contamination.repo_data import Exclusion, select_training_files
from openaudit.contamination.scan import ScanOptions
from openaudit.errors import OpenAuditError, UsageError
from openaudit.model import FileEntry, RunStatus

SCHEMA_VERSION = "1.1"
DEFAULT_FREQUENT_DOCS = 50
Progress = Callable[[str], None]


class NotRun(str, enum.Enum):
    """Why ``audit --benchmark`` did not screen (the report's ``contamination.reason``)."""

    NO_TRAINING_DATA = "no_training_data"  # no --train, and the repository ships no training files
    ONLY_HELD_OUT = "only_held_out_data"  # no --train, and the repository's data files are all held-out/ambiguous
    NOT_LOCAL = "not_a_local_folder"  # no --train, and the target is not a local folder
    ERROR = "error"  # the repository's training files could not be read


def _say(progress: Progress | None) -> Progress:
    return progress or (lambda msg: print(msg, file=sys.stderr))


def load_benchmarks(
    benchmarks: Sequence[str],
    *,
    text_field: str | None = None,
    answer_field: str | None = None,
    id_field: str | None = None,
) -> list[Benchmark]:
    """The benchmarks, named apart when two share a name. Raises OpenAuditError for bad input."""
    if not benchmarks:
        raise UsageError("no benchmark given: pass --benchmark PATH or a Hub dataset id")
    check_fields(text_field, answer_field, id_field)
    benches = [
        load_benchmark(b, text_field=text_field, answer_field=answer_field, id_field=id_field) for b in benchmarks
    ]
    seen: dict[str, int] = {}
    named = []
    for b in benches:  # two benchmarks with the same name stay distinguishable
        seen[b.name] = seen.get(b.name, 0) + 1
        named.append(b if seen[b.name] == 1 else dataclasses.replace(b, name=f"{b.name}#{seen[b.name]}"))
    return named


def run(
    benchmarks: list[str],
    train: list[str],
    *,
    text_field: str | None = None,
    id_field: str | None = None,
    answer_field: str | None = None,
    train_text_field: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Screen every benchmark item against the training data; deterministic output. ``options``:
    ngram, fuzzy, engine, workers, frequent_docs, quiet (see ``screen``).

    Raises ``OpenAuditError`` subclasses (UsageError, InvalidInput, ...) for bad input.
    """
    named = load_benchmarks(benchmarks, text_field=text_field, answer_field=answer_field, id_field=id_field)
    return screen(named, expand(list(train), text_field=train_text_field), progress=progress, **options)


def screen(
    named: list[Benchmark],
    shards: list[Shard],
    *,
    ngram: int | None = None,
    fuzzy: bool = False,
    engine: str = "local",
    workers: int | None = None,
    frequent_docs: int = DEFAULT_FREQUENT_DOCS,
    progress: Progress | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Screen loaded benchmarks against training shards: the contamination report. ``quiet``
    also keeps the engine's own start-up messages (Ray's) off stderr."""
    say = _say(progress)
    if frequent_docs < 1:
        raise UsageError(f"frequent_docs must be at least 1, got {frequent_docs}")
    say(
        f"contamination: {sum(len(b.items) for b in named)} items in {len(named)} benchmark(s), {len(shards)} training shard(s)"
    )
    index = build_index(named, ngram=ngram, fuzzy_threshold=report.FUZZY_THRESHOLD if fuzzy else None)
    results = run_shards(index, shards, ScanOptions(fuzzy=fuzzy), engine=engine, workers=workers, quiet=quiet)
    out_benches, totals, train_problems = report.merge(index, results, frequent_docs=frequent_docs, fuzzy=fuzzy)
    method = {
        "schema_version": SCHEMA_VERSION,
        "normalisation": normalise.SCHEME,
        "hashing": hashing.SCHEME,
        "ngram": {
            "rule": f"per benchmark: 5th-percentile question length in words, clamped to {N_MIN}..{N_MAX}"
            if ngram is None
            else "fixed (--ngram)",
            "by_benchmark": {b["name"]: b["ngram"] for b in out_benches},
            "short_items": f"parts shorter than n but >= {MIN_TOKENS} words are matched whole; shorter ones are not screened",
            "answers": "screened as one span with the question's last n-1 words (so one-word answers count); answers shorter than n also with a label between them: "
            + ", ".join(repr(x) for x in ANSWER_LABELS),
        },
        "frequent_docs": frequent_docs,
        "frequent_rule": f"an n-gram found in >= {frequent_docs} training documents is ignored for coverage and reported",
        "coverage": "share of the question's words inside matched, non-frequent n-grams of the question or of its question+answer span (union over the training data)",
        "buckets": dict(report.BUCKETS),
        "contaminated_rule": f"coverage >= {report.CLEAN_BELOW}, or MinHash Jaccard (word 5-grams) >= {report.JACCARD_THRESHOLD} in the window aligned on an exact n-gram hit, or (fuzzy mode) MinHashLSH window Jaccard (word {minhash.FUZZY_SHINGLE}-grams) >= {report.FUZZY_THRESHOLD}",
        "kind_rule": f"question_answer when the answer's coverage is also >= {report.CLEAN_BELOW}, else question_only",
        "minhash": minhash.method(),
        "fuzzy": {
            "enabled": fuzzy,
            "lsh_threshold": report.FUZZY_THRESHOLD,
            "shingles": f"word {minhash.FUZZY_SHINGLE}-grams",
            "window_words": index.fuzzy_window if fuzzy else None,
            "stride": "window / 2",
        },
        "engine": engine,
        "training": totals,
    }
    say(f"contamination: scanned {totals['docs']} documents, {totals['bytes']} bytes")
    for code, count in train_problems["counts"].items():
        say(f"contamination: training data incomplete: {count} x {code} (see problems in the report)")
    for b in named:
        for code, count in b.problems["counts"].items():
            say(f"contamination: benchmark {b.name} incomplete: {count} item(s) skipped ({code})")
    complete = all(b["status"] == RunStatus.COMPLETE.value for b in out_benches)
    return {
        "status": (RunStatus.COMPLETE if complete else RunStatus.INCOMPLETE).value,
        "method": method,
        "training_problems": train_problems,
        "benchmarks": out_benches,
    }


def not_run(reason: NotRun, message: str, training_files: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"status": RunStatus.NOT_RUN.value, "reason": reason.value, "message": message}
    if training_files is not None:
        out["training_files"] = dict(training_files)
    return out


def run_for_audit(
    root: str | None,
    files: Sequence[FileEntry],
    spec: Mapping[str, Any],
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """``audit --benchmark B [--train T]``: with --train, as ``run``; without, the repository's own
    training files (held-out/eval/test files excluded, see ``repo_data``), reported under
    ``training_files``. When nothing can be screened the block says why (``status: not_run``,
    ``reason``). The user's benchmark and --train are the user's input (errors raise); the
    repository's files are the audited input (errors become ``reason: error``)."""
    opts = {k: v for k, v in spec.items() if k not in ("benchmarks", "train")}
    benchmarks, train = list(spec.get("benchmarks") or []), list(spec.get("train") or [])
    say = _say(progress)
    if train:
        rep = run(benchmarks, train, progress=say, **opts)
        rep["training_files"] = {
            "origin": "argument",
            "used": [{"path": t, "split": "train", "why": "--train"} for t in train],
            "excluded": [],
        }
        return rep
    named = load_benchmarks(
        benchmarks, **{k: opts.pop(k) for k in ("text_field", "answer_field", "id_field") if k in opts}
    )
    train_field = opts.pop("train_text_field", None)
    if not root:
        return not_run(
            NotRun.NOT_LOCAL,
            "--benchmark was given without --train and the target is not a local folder, so there is "
            "no training data to screen: pass --train with the training data (file, folder, glob or Hub dataset id)",
        )
    sel = select_training_files(root, files, benchmarks)
    listing = sel.to_dict()
    if not sel.used:
        held = [p for p, r, _w in sel.excluded if r in (Exclusion.HELD_OUT, Exclusion.AMBIGUOUS)]
        if held:
            return not_run(
                NotRun.ONLY_HELD_OUT,
                f"--benchmark was given without --train and the repository's only data files are "
                f"held-out or ambiguous ({', '.join(held[:5])}{', ...' if len(held) > 5 else ''}), never scanned as "
                f"training data: pass --train with the training data",
                listing,
            )
        return not_run(
            NotRun.NO_TRAINING_DATA,
            "--benchmark was given without --train and the repository holds no training data "
            "files (.jsonl, .parquet, .txt, ... named train* or inside data/, datasets/, corpus/): pass --train PATH",
            listing,
        )
    say(
        f"contamination: training data from the repository: {', '.join(p for p, _s, _w in sel.used)}"
        + (f"; excluded: {', '.join(f'{p} ({r.value})' for p, r, _w in sel.excluded)}" if sel.excluded else "")
    )
    shards = [Shard(p, os.path.join(root, p), train_field) for p, _s, _w in sel.used]
    try:
        rep = screen(named, shards, progress=say, **opts)
    except OpenAuditError as exc:
        return not_run(NotRun.ERROR, f"the repository's training data could not be read: {exc.message}", listing)
    rep["training_files"] = listing
    return rep
