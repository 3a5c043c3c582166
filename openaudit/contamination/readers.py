"""Training-data readers: local files, folders, globs and Hub dataset repos, streamed.

Every reader yields ``(doc_id, text)`` one document at a time; nothing holds a whole shard in
memory (parquet is read batch by batch, jsonl line by line, large text files in chunks).
"""
from __future__ import annotations

import glob
import gzip
import io
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from openaudit.errors import InvalidInput, UsageError

TEXT_FIELDS = ("text", "content", "raw_content", "document", "body", "story", "passage")
ID_FIELDS = ("id", "doc_id", "document_id", "uuid", "url")
SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json.gz", ".json.zst", ".zst", ".parquet", ".txt", ".txt.gz", ".md", ".ndjson")
TXT_CHUNK = 1 << 20  # text files are split at line boundaries into documents of about this size


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
    from openaudit.contamination import hub

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


def _sniff_binary(path: str) -> None:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if path.endswith(".parquet"):
        if head[:4] != b"PAR1":
            raise InvalidInput(f"{path}: not a parquet file")
        return
    if head[:2] == b"\x1f\x8b" or head[:4] == b"\x28\xb5\x2f\xfd":
        return
    if b"\x00" in head:
        raise InvalidInput(f"{path}: binary file, expected text, JSON lines or parquet")


def open_text(path: str) -> io.TextIOBase:
    """Open a possibly gzip/zstd-compressed text file for streaming (UTF-8, bad bytes replaced)."""
    _sniff_binary(path)
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic[:2] == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    if magic == b"\x28\xb5\x2f\xfd":
        import zstandard

        raw = open(path, "rb")
        stream = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


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


def iter_documents(shard: Shard) -> Iterator[tuple[str, str]]:
    if shard.remote is not None:  # a Hub file: downloaded (or found in the cache) only when its turn comes
        from openaudit.contamination import hub

        shard = replace(shard, path=hub.fetch(*shard.remote))
    path = shard.path
    if not os.path.isfile(path):
        raise InvalidInput(f"{shard.source}: no such file")
    name = path.lower()
    if name.endswith(".parquet"):
        yield from _iter_parquet(shard)
    elif _is_jsonl(path) or (name.endswith(".zst") and _first_char(path) == "{"):
        yield from _iter_jsonl(shard)
    else:
        yield from _iter_text(shard)


def _first_char(path: str) -> str:
    with open_text(path) as fh:
        return fh.read(64).lstrip()[:1]


def _iter_jsonl(shard: Shard) -> Iterator[tuple[str, str]]:
    tf = idf = None
    with open_text(shard.path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{shard.source}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise InvalidInput(f"{shard.source}:{lineno}: expected a JSON object per line")
            if tf is None:
                tf = _pick(rec.keys(), shard.text_field, TEXT_FIELDS, shard.source, "text")
                idf = _pick(rec.keys(), None, ID_FIELDS, shard.source, "id")
            text = rec.get(tf)
            if not isinstance(text, str):
                continue
            doc = rec.get(idf) if idf else None
            yield (str(doc) if doc is not None else f"line {lineno}"), text


def _iter_parquet(shard: Shard) -> Iterator[tuple[str, str]]:
    _sniff_binary(shard.path)
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(shard.path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InvalidInput(f"{shard.source}: unreadable parquet ({type(exc).__name__})") from None
    names = pf.schema_arrow.names
    tf = _pick(names, shard.text_field, TEXT_FIELDS, shard.source, "text")
    idf = _pick(names, None, ID_FIELDS, shard.source, "id")
    cols = [tf] + ([idf] if idf else [])
    row = 0
    for batch in pf.iter_batches(batch_size=1024, columns=cols):
        texts = batch.column(0).to_pylist()
        ids = batch.column(1).to_pylist() if idf else [None] * len(texts)
        for t, i in zip(texts, ids):
            if isinstance(t, str):
                yield (str(i) if i is not None else f"row {row}"), t
            row += 1


def _iter_text(shard: Shard) -> Iterator[tuple[str, str]]:
    buf: list[str] = []
    size = 0
    start = 1
    with open_text(shard.path) as fh:
        for lineno, line in enumerate(fh, 1):
            buf.append(line)
            size += len(line)
            if size >= TXT_CHUNK and not line.strip():
                yield f"line {start}", "".join(buf)
                buf, size, start = [], 0, lineno + 1
    if buf:
        yield f"line {start}", "".join(buf)
