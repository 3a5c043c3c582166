"""Training-data readers: local files, folders, globs and Hub dataset repos, streamed.

Every reader yields one :class:`Doc` at a time; nothing holds a whole shard in memory (parquet is
read batch by batch, jsonl line by line, large text files in chunks), and every input goes through
the caps of ``streams`` (what they skip is recorded in the shard's ``ReadLog``).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from openaudit.base.parse import ParseCode, ParseProblem, load_json
from openaudit.contamination import hub, streams
from openaudit.contamination.problems import ProblemCode, ReadLog
from openaudit.contamination.streams import capped_lines, open_text, parquet_batches, sniff_binary
from openaudit.errors import InvalidInput, UsageError

TEXT_FIELDS = ("text", "content", "raw_content", "document", "body", "story", "passage")
ID_FIELDS = ("id", "doc_id", "document_id", "uuid", "url")
SUFFIXES = (
    ".jsonl",
    ".jsonl.gz",
    ".jsonl.zst",
    ".json.gz",
    ".json.zst",
    ".zst",
    ".parquet",
    ".txt",
    ".txt.gz",
    ".md",
    ".ndjson",
)
TXT_CHUNK = 1 << 20  # text files are split at a blank line into documents of about this size
TXT_CHUNK_MAX = 4 << 20  # ... or at any line boundary once a document reaches this size


class Doc(NamedTuple):
    """One training document and where it is in its source file."""

    id: str
    text: str
    line: int | None  # line of the source file where the document starts (None: parquet rows)
    multiline: bool  # the text's own line breaks are the file's (text files; not JSON lines)

    def line_at(self, offset: int) -> int | None:
        """Line of the source file holding character ``offset`` of the text."""
        if self.line is None or not self.multiline:
            return self.line
        return self.line + self.text.count("\n", 0, offset)


@dataclass(frozen=True)
class Shard:
    source: str  # how evidence names it (path as given / hub repo + file)
    path: str  # local file ("" for a Hub file not fetched yet)
    text_field: str | None = None
    remote: tuple[str, str, str] | None = None  # Hub dataset (repo, file, commit): fetched when scanned


def _known(name: str) -> bool:
    n = name.lower()
    return n.endswith(SUFFIXES)


def expand(specs: list[str], *, text_field: str | None = None) -> list[Shard]:
    """Files named by paths, folders (recursive) and globs; Hub dataset ids go through hub.py."""
    if not specs:
        raise UsageError("no training data given: pass --train PATH (file, folder, glob or Hub dataset id)")
    out: list[Shard] = []
    for spec in specs:
        p = Path(spec)
        if p.is_file():
            out.append(Shard(spec, str(p), text_field))
        elif p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and _known(f.name))
            if not files:
                raise InvalidInput(f"{spec}: folder holds no training files ({', '.join(SUFFIXES)})")
            out.extend(Shard(str(f), str(f), text_field) for f in files)
        elif glob.has_magic(spec):
            files = sorted(f for f in glob.glob(spec, recursive=True) if os.path.isfile(f))
            if not files:
                raise InvalidInput(f"{spec}: the pattern matches no file")
            out.extend(Shard(f, f, text_field) for f in files)
        elif hub.looks_like_repo_id(spec):
            repo, commit, names = hub.dataset_shards(spec, role="train")
            shown = hub.strip_prefix(spec)
            out.extend(Shard(f"{shown}/{n}", "", text_field, (repo, n, commit)) for n in names)
        else:
            raise InvalidInput(f"{spec}: no such file or folder")
    return out


def _pick(keys, wanted: str | None, defaults: tuple[str, ...], path: str, what: str) -> str | None:
    if wanted:
        if wanted not in keys:
            raise InvalidInput(f"{path}: no field {wanted!r} (fields: {', '.join(sorted(keys))[:200]})")
        return wanted
    for k in defaults:
        if k in keys:
            return k
    if what == "text":
        raise InvalidInput(
            f"{path}: no text field among {', '.join(defaults)} (fields: {', '.join(sorted(keys))[:200]}); pass --train-text-field"
        )
    return None


def _is_jsonl(path: str) -> bool:
    n = path.lower()
    return any(n.endswith(s) for s in (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".json.zst", ".ndjson"))


def iter_documents(shard: Shard, log: ReadLog | None = None) -> Iterator[Doc]:
    """The documents of one shard; what the caps skip is recorded in ``log``."""
    log = log if log is not None else ReadLog()
    if shard.remote is not None:  # a Hub file: downloaded (or found in the cache) only when its turn comes
        shard = replace(shard, path=hub.fetch(*shard.remote))
    path = shard.path
    if not os.path.isfile(path):
        raise InvalidInput(f"{shard.source}: no such file")
    name = path.lower()
    if name.endswith(".parquet"):
        yield from _iter_parquet(shard, log)
    elif _is_jsonl(path) or (name.endswith(".zst") and _first_char(path) == "{"):
        yield from _iter_jsonl(shard, log)
    else:
        yield from _iter_text(shard, log)


def _first_char(path: str) -> str:
    with open_text(path) as fh:
        return fh.read(64).lstrip()[:1]


def _iter_jsonl(shard: Shard, log: ReadLog) -> Iterator[Doc]:
    tf = idf = None
    src = shard.source
    with open_text(shard.path) as fh:
        for lineno, line in capped_lines(fh, src, log):
            if line.isspace():
                continue
            try:
                rec = load_json(line, source=f"{src}:{lineno}", max_bytes=4 * len(line) + 4)
            except ParseProblem as exc:
                if exc.code is ParseCode.SYNTAX:
                    raise InvalidInput(f"{src}:{lineno}: not valid JSON ({exc.reason})") from None
                log.add(ProblemCode.RECORD_REFUSED, src, f"line {lineno}: {exc.reason}: skipped", lineno)
                continue
            if not isinstance(rec, dict):
                raise InvalidInput(f"{src}:{lineno}: expected a JSON object per line")
            if tf is None:
                tf = _pick(rec.keys(), shard.text_field, TEXT_FIELDS, src, "text")
                idf = _pick(rec.keys(), None, ID_FIELDS, src, "id")
            text = rec.get(tf)
            if not isinstance(text, str):
                continue
            doc = rec.get(idf) if idf else None
            yield Doc(str(doc) if doc is not None else f"line {lineno}", text, lineno, False)


def _iter_parquet(shard: Shard, log: ReadLog) -> Iterator[Doc]:
    import pyarrow.parquet as pq

    sniff_binary(shard.path)
    try:
        names = pq.ParquetFile(shard.path).schema_arrow.names
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InvalidInput(f"{shard.source}: unreadable parquet ({type(exc).__name__})") from None
    tf = _pick(names, shard.text_field, TEXT_FIELDS, shard.source, "text")
    idf = _pick(names, None, ID_FIELDS, shard.source, "id")
    cols = [tf] + ([idf] if idf else [])
    row = 0
    for batch in parquet_batches(shard.path, shard.source, log, cols):
        texts = batch.column(0).to_pylist()
        ids = batch.column(1).to_pylist() if idf else [None] * len(texts)
        for t, i in zip(texts, ids):
            name = str(i) if i is not None else f"row {row}"
            if isinstance(t, str) and len(t) > streams.MAX_LINE_CHARS:
                log.add(
                    ProblemCode.DOC_TOO_LONG,
                    shard.source,
                    f"document {name} has {len(t)} characters, over the {streams.MAX_LINE_CHARS} cap: skipped",
                )
            elif isinstance(t, str):
                yield Doc(name, t, None, False)
            row += 1


def _iter_text(shard: Shard, log: ReadLog) -> Iterator[Doc]:
    """Documents of about ``TXT_CHUNK`` characters cut at line boundaries; each covers contiguous
    lines (a skipped over-long line ends the document before it)."""
    buf: list[str] = []
    size = start = last = 0
    with open_text(shard.path) as fh:
        for lineno, line in capped_lines(fh, shard.source, log):
            if buf and lineno != last + 1:
                yield Doc(f"lines {start}-{last}", "".join(buf), start, True)
                buf, size = [], 0
            if not buf:
                start = lineno
            buf.append(line)
            size += len(line)
            last = lineno
            if (size >= TXT_CHUNK and not line.strip()) or size >= TXT_CHUNK_MAX:
                yield Doc(f"lines {start}-{lineno}", "".join(buf), start, True)
                buf, size = [], 0
    if buf:
        yield Doc(f"lines {start}-{last}", "".join(buf), start, True)
