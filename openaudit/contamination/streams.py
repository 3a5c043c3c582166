"""Bounded input streams for the contamination readers (training data and benchmarks).

Every file the contamination pass reads is opened here, so memory is bounded whatever the bytes:

* text is read line by line with a per-line cap (``MAX_LINE_CHARS``): a longer line is skipped (read
  through in bounded pieces, never held) and recorded; NUL bytes in a text stream stop the file;
* gzip / zstd streams have a decompression budget: once more than ``EXPANSION_FLOOR`` bytes came
  out, output may not exceed ``MAX_EXPANSION`` times the compressed bytes read (a 4 MB gzip of NULs
  would otherwise expand to 4 GB); a stream that ends early or fails to decode stops the file;
* parquet is read one row group at a time, in batches sized from the file's metadata; a row group
  whose columns exceed ``ROW_GROUP_BYTES`` uncompressed is skipped.

What is skipped is recorded in a :class:`~openaudit.contamination.problems.ReadLog`; the result is
then incomplete. Files that are not what they claim (binary, not parquet) raise ``InvalidInput``.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import Any

import zstandard

from openaudit.contamination.problems import ProblemCode, ReadLog
from openaudit.errors import InvalidInput

MAX_LINE_CHARS = 8 << 20  # one JSON record / text line / parquet value
MAX_EXPANSION = 100  # decompressed : compressed bytes (text and JSON lines compress 3-10x)
EXPANSION_FLOOR = 16 << 20  # the ratio is checked once this much has been decompressed
ROW_GROUP_BYTES = (
    128 << 20
)  # uncompressed bytes of the columns read, per parquet row group (a 128 MiB value peaks near 600 MiB)
BATCH_BYTES = 32 << 20  # parquet batch size target
BATCH_ROWS = 64  # and at most this many rows per batch (a row may decode larger than the metadata says)
DRAIN_CHUNK = 1 << 20
SNIFF = 4096
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class StreamStopped(Exception):
    """Raised inside a stream that must not be read further (budget, corrupt data)."""

    def __init__(self, code: ProblemCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Counting(io.RawIOBase):
    """A raw file that counts the bytes read from it (the compressed side of a stream)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.raw.readinto(b) or 0
        self.count += n
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class _Budgeted(io.RawIOBase):
    """A decompressed stream that stops when its output outgrows its compressed input."""

    def __init__(self, inner: Any, counter: _Counting, errors: tuple[type[BaseException], ...]) -> None:
        self.inner = inner
        self.counter = counter
        self.errors = errors
        self.out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            n = self.inner.readinto(b) or 0
        except self.errors as exc:
            raise StreamStopped(
                ProblemCode.CORRUPT,
                f"compressed stream unreadable after {self.out} bytes "
                f"({type(exc).__name__}): the rest of the file is not read",
            ) from None
        self.out += n
        if self.out > EXPANSION_FLOOR and self.out > MAX_EXPANSION * max(1, self.counter.count):
            raise StreamStopped(
                ProblemCode.EXPANSION,
                f"decompressed {self.out} bytes from {self.counter.count} "
                f"(over {MAX_EXPANSION}x): the rest of the file is not read",
            )
        return n

    def close(self) -> None:
        self.inner.close()
        self.counter.close()
        super().close()


def head(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(SNIFF)


def sniff_binary(path: str) -> None:
    """Refuse a file that is plainly not text, JSON lines or parquet (InvalidInput)."""
    first = head(path)
    if path.lower().endswith(".parquet"):
        if first[:4] != b"PAR1":
            raise InvalidInput(f"{path}: not a parquet file")
        return
    if first[:2] == GZIP_MAGIC or first[:4] == ZSTD_MAGIC:
        return
    if b"\x00" in first:
        raise InvalidInput(f"{path}: binary file, expected text, JSON lines or parquet")


def _decompressed(path: str, magic: bytes) -> io.BufferedReader:
    raw = _Counting(open(path, "rb"))  # noqa: SIM115  (the returned reader owns and closes it)
    if magic[:2] == GZIP_MAGIC:
        inner: Any = gzip.GzipFile(fileobj=raw, mode="rb")
        errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    else:
        inner = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)
        errors = (OSError, EOFError, zstandard.ZstdError)
    return io.BufferedReader(_Budgeted(inner, raw, errors), buffer_size=1 << 16)


def open_text(path: str) -> io.TextIOWrapper:
    """Open a possibly gzip/zstd-compressed text file for streaming (UTF-8, bad bytes replaced),
    with the decompression budget. Binary content at the start is refused (InvalidInput)."""
    sniff_binary(path)
    magic = head(path)[:4]
    if magic[:2] != GZIP_MAGIC and magic != ZSTD_MAGIC:
        return open(path, encoding="utf-8", errors="replace")
    stream = _decompressed(path, magic)
    try:
        first = stream.peek(SNIFF)[:SNIFF]
    except StreamStopped as stop:
        stream.close()
        raise InvalidInput(f"{path}: {stop.message}") from None
    if b"\x00" in first:
        stream.close()
        raise InvalidInput(f"{path}: binary content after decompression, expected text or JSON lines")
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")


def _drain(fh: io.TextIOBase, seen: int) -> int:
    """Read the rest of an over-long line in bounded pieces; return its length."""
    total = seen
    while True:
        more = fh.readline(DRAIN_CHUNK)
        total += len(more)
        if not more or more.endswith("\n"):
            return total


def capped_lines(fh: io.TextIOBase, source: str, log: ReadLog, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a text stream; lines over ``limit`` characters are skipped and
    recorded; NUL bytes or a stopped stream end the file (recorded)."""
    cap = MAX_LINE_CHARS if limit is None else limit
    lineno = 0
    try:
        while True:
            line = fh.readline(cap + 1)
            if not line:
                return
            lineno += 1
            if "\x00" in line:
                log.add(
                    ProblemCode.BINARY, source, f"NUL bytes at line {lineno}: the rest of the file is not read", lineno
                )
                return
            if len(line) > cap and not line.endswith("\n"):
                total = _drain(fh, len(line))
                log.add(
                    ProblemCode.LINE_TOO_LONG,
                    source,
                    f"line {lineno} has {total} characters, over the {cap} cap: skipped",
                    lineno,
                )
                continue
            yield lineno, line
    except StreamStopped as stop:
        log.add(stop.code, source, stop.message, lineno + 1)


def parquet_batches(path: str, source: str, log: ReadLog, columns: list[str] | None = None) -> Iterator[Any]:
    """Record batches of a parquet file, one row group at a time, in batches of at most
    ``BATCH_ROWS`` rows and about ``BATCH_BYTES`` (from the file's metadata). A row group whose
    columns exceed ``ROW_GROUP_BYTES`` uncompressed is skipped; one that decodes to more than
    ``MAX_EXPANSION`` times its stored size (dictionary pages repeating a huge value) is stopped."""
    sniff_binary(path)
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InvalidInput(f"{source}: unreadable parquet ({type(exc).__name__})") from None
    wanted = set(columns) if columns else None
    row = 0
    for r in range(meta.num_row_groups):
        rg = meta.row_group(r)
        chunks = [
            rg.column(j)
            for j in range(rg.num_columns)
            if wanted is None or rg.column(j).path_in_schema.split(".")[0] in wanted
        ]
        size = sum(c.total_uncompressed_size for c in chunks)
        rows = f"rows {row}..{row + rg.num_rows - 1}"
        if size > ROW_GROUP_BYTES:
            log.add(
                ProblemCode.ROW_GROUP_TOO_LARGE,
                source,
                f"row group {r} ({rows}) holds {size} bytes uncompressed, over the {ROW_GROUP_BYTES} cap: skipped",
            )
            row += rg.num_rows
            continue
        budget = max(ROW_GROUP_BYTES, MAX_EXPANSION * sum(c.total_compressed_size for c in chunks))
        per_row = max(1, size // max(1, rg.num_rows))
        decoded = 0
        try:
            for batch in pf.iter_batches(
                batch_size=max(1, min(BATCH_ROWS, BATCH_BYTES // per_row)), row_groups=[r], columns=columns
            ):
                decoded += batch.nbytes
                if decoded > budget:
                    log.add(
                        ProblemCode.EXPANSION,
                        source,
                        f"row group {r} ({rows}) decodes to over {budget} bytes: the rest of it is not read",
                    )
                    break
                yield batch
        except Exception as exc:  # pyarrow's errors for corrupt pages (ArrowInvalid, OSError, ...)
            raise InvalidInput(f"{source}: unreadable parquet row group {r} ({type(exc).__name__})") from None
        row += rg.num_rows
