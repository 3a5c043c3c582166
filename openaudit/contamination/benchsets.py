"""Benchmarks: local JSONL / Parquet / CSV files or Hub dataset repos, with field mapping.

Known formats are recognised only by what is distinctive about them (HumanEval, MBPP, MMLU,
HellaSwag, ARC, TruthfulQA, Winogrande by their fields; GSM8K, whose fields are just ``question`` and
``answer``, by its ``#### <number>`` final answers). Other files are ``generic`` when they hold a
question field (``question``, ``text``, ``prompt``, ...; an answer field is optional: question-only
screening); anything else takes ``--text-field`` / ``--answer-field`` / ``--id-field`` (dotted
paths reach into nested objects, e.g. ``question.stem``).
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from openaudit.base.parse import ParseCode, ParseProblem, load_json
from openaudit.contamination import hub
from openaudit.contamination.index import BenchItem, Benchmark
from openaudit.contamination.problems import ProblemCode, ReadLog
from openaudit.contamination.streams import StreamStopped, capped_lines, open_text, parquet_batches, sniff_binary
from openaudit.errors import InvalidInput, UsageError

MAX_ITEMS = 1_000_000
MAX_JSON_CHARS = 32 << 20  # a benchmark stored as one JSON document (JSON lines have no total cap)


def _get(rec: Any, path: str) -> Any:
    cur = rec
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
    return cur


def _choice(choices: Any, answer: Any) -> str | None:
    if isinstance(choices, list) and isinstance(answer, (int, str)) and str(answer).strip().lstrip("-").isdigit():
        i = int(answer)
        if 0 <= i < len(choices) and isinstance(choices[i], str):
            return choices[i]
    return None


def _arc(r):
    q = r["question"]
    stem = q.get("stem") if isinstance(q, dict) else q
    choices = (q.get("choices") if isinstance(q, dict) else None) or r.get("choices") or {}
    ans = None
    if isinstance(choices, dict):
        for lab, txt in zip(choices.get("label", []), choices.get("text", [])):
            if lab == r.get("answerKey"):
                ans = txt
    elif isinstance(choices, list):
        for c in choices:
            if isinstance(c, dict) and c.get("label") == r.get("answerKey"):
                ans = c.get("text")
    return stem, ans


def _truthful(r):
    if isinstance(r.get("best_answer"), str):
        return r["question"], r["best_answer"]
    mc = r.get("mc1_targets") or {}
    if isinstance(mc, dict):
        for c, lab in zip(mc.get("choices", []), mc.get("labels", [])):
            if lab == 1:
                return r["question"], c
    return r["question"], None


_GSM8K_FINAL = re.compile(r"####\s*-?[\d,]*\.?\d+\s*$")


def _gsm8k_answer(r: dict) -> bool:
    return isinstance(r.get("answer"), str) and bool(_GSM8K_FINAL.search(r["answer"]))


# (name, required fields, id fields, extractor -> (question, answer), distinctive content or None)
FORMATS: list[
    tuple[str, frozenset[str], tuple[str, ...], Callable[[dict], tuple[Any, Any]], Callable[[dict], bool] | None]
] = [
    (
        "humaneval",
        frozenset({"task_id", "prompt", "canonical_solution"}),
        ("task_id",),
        lambda r: (r["prompt"], r["canonical_solution"]),
        None,
    ),
    ("mbpp", frozenset({"task_id", "text", "code"}), ("task_id",), lambda r: (r["text"], r["code"]), None),
    (
        "hellaswag",
        frozenset({"ctx", "endings", "label"}),
        ("ind", "id"),
        lambda r: (r["ctx"], _choice(r["endings"], r["label"])),
        None,
    ),
    ("arc", frozenset({"question", "answerKey"}), ("id",), _arc, None),
    ("truthfulqa", frozenset({"question", "best_answer"}), ("id",), _truthful, None),
    ("truthfulqa-mc", frozenset({"question", "mc1_targets"}), ("id",), _truthful, None),
    (
        "mmlu",
        frozenset({"question", "choices", "answer"}),
        ("id",),
        lambda r: (r["question"], _choice(r["choices"], r["answer"])),
        None,
    ),
    (
        "winogrande",
        frozenset({"sentence", "option1", "option2", "answer"}),
        ("qID", "id"),
        lambda r: (r["sentence"], r.get(f"option{r['answer']}")),
        None,
    ),
    ("gsm8k", frozenset({"question", "answer"}), ("id",), lambda r: (r["question"], r["answer"]), _gsm8k_answer),
]
# a generic item: the first of these fields present is the question, the first answer field the answer
GENERIC_QUESTION = ("question", "text", "prompt", "input", "query", "problem")
GENERIC_ANSWER = ("answer", "output", "target", "solution", "completion", "response")
UNKNOWN_FIELDS_HINT = (
    "known formats are recognised by their fields (" + ", ".join(f[0] for f in FORMATS) + "), other items by a "
    "question field ("
    + ", ".join(GENERIC_QUESTION)
    + ") with an optional answer field ("
    + ", ".join(GENERIC_ANSWER)
    + "); otherwise pass --text-field FIELD (and --answer-field FIELD, --id-field FIELD; dotted paths reach nested fields)"
)


def detect_format(rec: dict) -> str | None:
    """The known format a record has (by its fields and, where the fields are common, its content)."""
    keys = set(rec)
    for name, req, _ids, _fn, distinctive in FORMATS:
        if req <= keys and (distinctive is None or distinctive(rec)):
            return name
    return None


def _layout(rec: dict, text_field: str | None, answer_field: str | None, shown: str):
    """(format, extractor, id fields) for a benchmark, decided on its first record."""
    if text_field:
        return "custom", lambda r: (_get(r, text_field), _get(r, answer_field) if answer_field else None), ()
    fmt = detect_format(rec)
    for name, _req, ids, fn, _distinctive in FORMATS:
        if name == fmt:
            return fmt, fn, ids
    q_field = next((k for k in GENERIC_QUESTION if k in rec), None)
    if q_field is None:
        raise InvalidInput(
            f"{shown}: unknown benchmark fields ({', '.join(sorted(map(str, rec)))[:200]})", UNKNOWN_FIELDS_HINT
        )
    a_field = answer_field or next((k for k in GENERIC_ANSWER if k in rec), None)
    return "generic", lambda r: (r.get(q_field), _get(r, a_field) if a_field else None), ()


def _json(text: str, shown: str, log: ReadLog, lineno: int | None = None) -> Any:
    """A JSON document (``lineno`` None) or JSON line parsed by the hardened parser. Invalid JSON is
    an error; a line it refuses for a cap or an ambiguity (depth, duplicate keys, NaN, ...) is
    recorded and gives None (that item is skipped)."""
    where = shown if lineno is None else f"{shown}:{lineno}"
    try:
        return load_json(text, source=where, max_bytes=4 * len(text) + 4)
    except ParseProblem as exc:
        if exc.code is ParseCode.SYNTAX:
            raise InvalidInput(f"{where}: not valid JSON ({exc.reason})") from None
        if lineno is None:
            raise InvalidInput(f"{where}: {exc.reason}") from None
        log.add(ProblemCode.RECORD_REFUSED, shown, f"line {lineno}: {exc.reason}: item skipped", lineno)
        return None


def iter_records(path: str, shown: str, log: ReadLog) -> Iterator[Any]:
    """The records of a benchmark file, streamed under the caps of ``streams``."""
    sniff_binary(path)
    n = path.lower()
    if n.endswith(".parquet"):
        for batch in parquet_batches(path, shown, log):
            yield from batch.to_pylist()
    elif n.endswith((".csv", ".csv.gz", ".tsv")):
        with open_text(path) as fh:
            reader = csv.DictReader(
                (line for _no, line in capped_lines(fh, shown, log)), delimiter="\t" if n.endswith(".tsv") else ","
            )
            try:
                yield from reader
            except csv.Error as exc:
                raise InvalidInput(f"{shown}: unreadable CSV near record {reader.line_num} ({exc})") from None
    elif n.endswith(".json"):
        with open_text(path) as fh:
            try:
                text = fh.read(MAX_JSON_CHARS + 1)
            except StreamStopped as stop:
                raise InvalidInput(f"{shown}: {stop.message}") from None
        if len(text) > MAX_JSON_CHARS:
            raise InvalidInput(f"{shown}: a JSON benchmark over {MAX_JSON_CHARS} characters; convert it to JSON lines")
        data = _json(text, shown, log)
        rows = data if isinstance(data, list) else (data.get("data") if isinstance(data, dict) else None)
        if not isinstance(rows, list):
            raise InvalidInput(f"{shown}: expected a JSON list of records")
        yield from rows
    else:
        with open_text(path) as fh:
            for lineno, line in capped_lines(fh, shown, log):
                if line.strip():
                    rec = _json(line, shown, log, lineno)
                    if rec is not None:
                        yield rec


def _no_fields(record: dict) -> tuple[Any, Any]:
    """The extractor before the first record names the layout."""
    return None, None


def load_benchmark(
    spec: str,
    *,
    text_field: str | None = None,
    answer_field: str | None = None,
    id_field: str | None = None,
    name: str | None = None,
) -> Benchmark:
    """Read one benchmark (local file or Hub dataset id) into items; records the caps skip are
    listed in the benchmark's ``problems`` (the result is then incomplete)."""
    if os.path.isdir(spec):
        raise InvalidInput(f"{spec}: is a folder; pass a benchmark file (jsonl, parquet, csv)")
    if os.path.isfile(spec):
        files = [(spec, spec)]
        label = name or Path(spec).name.split(".")[0]
    elif hub.looks_like_repo_id(spec):
        files = hub.dataset_files(spec, role="benchmark")
        label = name or hub.strip_prefix(spec)
    else:
        raise InvalidInput(f"{spec}: no such benchmark file or Hub dataset")
    items: list[BenchItem] = []
    fmt: str | None = None
    extractor: Callable[[dict], tuple[Any, Any]] = _no_fields
    ids: tuple[str, ...] = ()
    row = 0
    log = ReadLog()
    for path, shown in files:
        for rec in iter_records(path, shown, log):
            if not isinstance(rec, dict):
                raise InvalidInput(f"{shown}: record {row + 1} is not an object")
            if fmt is None:
                fmt, extractor, ids = _layout(rec, text_field, answer_field, shown)
            try:
                q, a = extractor(rec)
            except (KeyError, TypeError, ValueError):
                raise InvalidInput(f"{shown}: record {row + 1} does not fit the {fmt} format") from None
            if q is None:
                raise InvalidInput(f"{shown}: record {row + 1} has no question field ({text_field or fmt})")
            if answer_field:
                a = _get(rec, answer_field)
            if id_field:
                rid = _get(rec, id_field)
                if rid is None:
                    raise InvalidInput(f"{shown}: record {row + 1} has no field {id_field!r}")
            else:
                rid = next((rec[k] for k in ids + ("id", "idx") if rec.get(k) is not None), row)
            items.append(
                BenchItem(
                    str(rid),
                    q if isinstance(q, str) else json.dumps(q),
                    None if a is None else (a if isinstance(a, str) else json.dumps(a)),
                )
            )
            row += 1
            if row > MAX_ITEMS:
                raise InvalidInput(f"{shown}: more than {MAX_ITEMS} items; is this a training corpus?")
    if not items and log.counts:
        raise InvalidInput(f"{spec}: no item could be read ({', '.join(f'{n} x {c}' for c, n in log.counts.items())})")
    if not items:
        raise InvalidInput(f"{spec}: the benchmark is empty")
    fields = {"text": text_field, "answer": answer_field, "id": id_field}
    return Benchmark(label, tuple(items), fmt or "generic", {k: v for k, v in fields.items() if v}, log.to_dict())


def check_fields(text_field: str | None, answer_field: str | None, id_field: str | None) -> None:
    for label, v in (("--text-field", text_field), ("--answer-field", answer_field), ("--id-field", id_field)):
        if v is not None and not v.strip():
            raise UsageError(f"{label} must not be empty")
