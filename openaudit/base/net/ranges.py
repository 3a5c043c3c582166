"""Reading a remote file by HTTP Range requests for the static pickle scanner: a reader that keeps
what it read contiguously from byte 0, and the test (on the scan result's typed code) that decides
whether a scan over a window of the file stands for the whole file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openaudit.model import ScanCode


class RangeReader:
    """``read(offset, length) -> bytes`` over ``fetch(length, start)`` (HTTP Range requests) for the
    pickle scanner. Bytes read contiguously from offset 0 are kept, so a second, larger scan pass
    re-fetches nothing it already has; other ranges (a zip's central directory) are fetched as asked.
    ``used`` counts the bytes actually fetched."""

    def __init__(self, fetch: Callable[[int, int], bytes], keep: int):
        self._fetch = fetch
        self._keep = keep
        self.prefix = b""
        self.used = 0

    def __call__(self, offset: int, length: int) -> bytes:
        end = offset + length
        have = len(self.prefix)
        if end <= have:
            return self.prefix[offset:end]
        if offset <= have < self._keep:
            more = self._fetch(end - have, have)
            self.used += len(more)
            self.prefix += more
            return self.prefix[offset:end]
        data = self._fetch(length, offset)
        self.used += len(data)
        return data

    def settles(self, res: Mapping[str, Any], size: int) -> bool:
        """True when a scan result over what was read stands for the whole file. The scanner says so
        with a typed code: BUDGET means the bytes read ended before the scan could (a larger window
        may settle it); every other result already accounts for what lies beyond the window."""
        return len(self.prefix) >= size or res.get("code") != ScanCode.BUDGET.value
