"""What a contamination pass could not read, as typed codes.

A reader that meets something it will not read in full (a line over the cap, a decompression bomb,
binary bytes inside a text stream, a record the hardened parser refuses) skips it and records a
:class:`Problem`. A result with any problem is ``incomplete``: the matches it found stand, but it can
never say "clean". Decisions are made on :class:`ProblemCode`; messages are for people.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

KEEP = 20  # problems listed per shard/benchmark; the rest are only counted


class ProblemCode(str, enum.Enum):
    LINE_TOO_LONG = "line_too_long"  # a line (JSON record, text line) over the per-line cap: skipped
    DOC_TOO_LONG = "doc_too_long"  # a document (parquet value) over the per-document cap: skipped
    EXPANSION = "decompression_budget"  # decompressed far more than the compressed size: rest not read
    BINARY = "binary_content"  # NUL bytes inside a text stream: rest of the file not read
    CORRUPT = "corrupt_stream"  # a compressed stream that ends early or fails to decode: rest not read
    ROW_GROUP_TOO_LARGE = "row_group_too_large"  # a parquet row group over the memory cap: skipped
    RECORD_REFUSED = "record_refused"  # the hardened JSON parser refused a record (depth, keys, ...): skipped
    ITEM_SKIPPED = "item_skipped"  # a benchmark record that cannot be read as an item: not screened


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    source: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "source": self.source, "line": self.line, "message": self.message}


class ReadLog:
    """Problems met while reading one input: the first ``KEEP`` kept, every one counted by code."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}

    def add(self, code: ProblemCode, source: str, message: str, line: int | None = None) -> None:
        self.counts[code.value] = self.counts.get(code.value, 0) + 1
        if len(self.problems) < KEEP:
            self.problems.append(Problem(code, source, message, line))

    @property
    def complete(self) -> bool:
        return not self.counts

    def to_dict(self) -> dict[str, Any]:
        return {"counts": dict(sorted(self.counts.items())), "listed": [p.to_dict() for p in self.problems]}


def merge_logs(logs: list[dict[str, Any]]) -> dict[str, Any]:
    """One ``{counts, listed}`` of several ``ReadLog.to_dict()`` results (listed: first ``KEEP``)."""
    counts: dict[str, int] = {}
    listed: list[dict[str, Any]] = []
    for log in logs:
        for code, n in log["counts"].items():
            counts[code] = counts.get(code, 0) + n
        listed.extend(log["listed"])
    return {"counts": dict(sorted(counts.items())), "listed": listed[:KEEP]}
