"""Reading a remote file by HTTP Range requests for the static pickle scanner: a reader that keeps
what it read contiguously from byte 0, and the test that decides whether a scan over a window of the
file stands for the whole file."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping


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
        """True when a scan result over what was read stands for the whole file. A scanner that
        gives its results a typed ``code`` says so itself: only ``budget`` (the bytes read ended before
        the scan could) leaves it open. Without a code: a dangerous global was seen, nothing pickled,
        the file was read whole, members of a zip were read whole, an unscannable file is provably no
        pickle from its first byte, or the pickles ended inside the window and the bytes after them
        provably are not a pickle (raw tensor data), rather than a pickle cut off by the window."""
        if len(self.prefix) >= size:
            return True
        code = res.get("code")
        if isinstance(code, str):
            return code != SCAN_BUDGET
        if res.get("status") in ("dangerous", "not_pickle") or res.get("format") in ("zip", "torch-zip"):
            return True
        if res.get("status") == "unscannable" and not_a_pickle(self.prefix):
            return True  # not a pickle from its first byte on (GGML/fastText .bin ...): more bytes change nothing
        end = pickles_end(res)
        return end is not None and not_a_pickle(self.prefix[end:])


SCAN_BUDGET = "budget"  # the scanner's code for "the byte budget ended before the scan did"
_TRAILING = re.compile(r"non-pickle data from byte (\d+)")


def pickles_end(res: Mapping[str, Any]) -> int | None:
    """Where the scanned pickles ended and non-pickle data began, for a scan result without a typed
    code: the scanner's reason text is all such a scanner gives (see docs/targets.md)."""
    m = _TRAILING.search(str(res.get("reason", "")))
    return int(m.group(1)) if m else None


def not_a_pickle(data: bytes) -> bool:
    """True when ``data`` cannot be the start of a pickle: walking its opcodes statically
    (pickletools.genops, nothing is built or run) meets a byte that is no pickle opcode. A pickle cut
    short instead runs out of bytes, which proves nothing."""
    import io
    import pickletools

    stream = io.BytesIO(data)
    end = 0  # where the next opcode starts
    try:
        for _ in pickletools.genops(stream):
            end = stream.tell()
    except Exception:  # noqa: BLE001 - decided below from the bytes, not from the message
        code = data[end:end + 1]
        return bool(code) and code.decode("latin-1") not in {op.code for op in pickletools.opcodes}
    return False
