"""Text normalisation shared by the benchmark and the training side.

Unicode NFKC, casefold, every non-alphanumeric character (punctuation, symbols, underscore,
whitespace) becomes a separator; digits and letters of every script are kept. Tokens are the
words left. The fast path works on UTF-8 bytes with ``bytes.translate`` (C speed); it is exactly
equivalent to ``re.sub(r"[\\W_]+", " ", NFKC(text).casefold())``.
"""

from __future__ import annotations

import re
import unicodedata

SCHEME = "NFKC + casefold + [\\W_]+ -> separator (letters of all scripts and digits kept)"

# ASCII letters lower-cased, digits kept, every other ASCII byte -> space; bytes >= 128 untouched
_TABLE = bytes(
    (c + 32 if 65 <= c <= 90 else c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else (c if c >= 128 else 32)
    for c in range(256)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def normalised_bytes(text: str) -> bytes:
    """``text`` normalised to UTF-8 bytes where every separator is one ASCII space (b" ");
    its ``.split()`` is ``token_bytes(text)``."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        for ch in set(_NON_ASCII.findall(text)):
            if not ch.isalnum():
                text = text.replace(ch, " ")
    return text.encode("utf-8").translate(_TABLE)


def token_bytes(text: str) -> list[bytes]:
    """The normalised tokens of ``text`` as UTF-8 byte strings."""
    return normalised_bytes(text).split()


def normalise(text: str) -> str:
    """The normalised form of ``text``: its tokens joined by single spaces."""
    return b" ".join(token_bytes(text)).decode("utf-8")


def tokens(text: str) -> list[str]:
    return [t.decode("utf-8") for t in token_bytes(text)]


_ASCII_ALNUM = bytes(1 if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else 0 for c in range(128))
_CHAR_CACHE: dict[str, tuple[int, list[bool]]] = {}


def _char_form(ch: str) -> tuple[int, list[bool]]:
    """Length of a non-ASCII character's per-character normal form, and which of its
    characters are word characters (``str.isalnum``, what ``[^\\W_]`` matches)."""
    got = _CHAR_CACHE.get(ch)
    if got is None:
        n = unicodedata.normalize("NFKC", ch).casefold()
        if len(_CHAR_CACHE) > 100_000:
            _CHAR_CACHE.clear()
        got = _CHAR_CACHE[ch] = (len(n), [c.isalnum() for c in n])
    return got


def token_span_arrays(text: str):
    """Character spans, in the ORIGINAL ``text``, of the tokens ``tokens(text)`` returns, as two numpy
    arrays (starts, ends). Characters are normalised one at a time (NFKC/casefold may expand one
    character into several) so every normalised character maps back to the one it came from; Python
    work only for the non-ASCII characters."""
    import numpy as np

    if text.isascii():
        cp = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        flags = np.frombuffer(_ASCII_ALNUM, dtype=np.uint8)[cp].astype(bool)
        origin = None
    else:
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        lens = np.ones(cp.size, dtype=np.int64)
        wide = np.flatnonzero(cp > 127).tolist()
        forms = [_char_form(text[i]) for i in wide]
        lens[wide] = [f[0] for f in forms]
        first = np.cumsum(lens) - lens  # where each original character's form starts
        flags = np.zeros(int(lens.sum()), dtype=bool)
        narrow = np.flatnonzero(cp <= 127)
        flags[first[narrow]] = np.frombuffer(_ASCII_ALNUM, dtype=np.uint8)[cp[narrow]].astype(bool)
        for i, (size, fl) in zip(wide, forms):
            if any(fl):
                flags[first[i] : first[i] + size] = fl
        origin = np.repeat(np.arange(cp.size, dtype=np.int64), lens)
    padded = np.zeros(flags.size + 2, dtype=bool)
    padded[1:-1] = flags
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if origin is None:
        return starts, ends
    return origin[starts], origin[ends - 1] + 1
