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
_WORD = re.compile(r"[^\W_]+")


def token_bytes(text: str) -> list[bytes]:
    """The normalised tokens of ``text`` as UTF-8 byte strings."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        for ch in set(_NON_ASCII.findall(text)):
            if not ch.isalnum():
                text = text.replace(ch, " ")
    return text.encode("utf-8").translate(_TABLE).split()


def normalise(text: str) -> str:
    """The normalised form of ``text``: its tokens joined by single spaces."""
    return b" ".join(token_bytes(text)).decode("utf-8")


def tokens(text: str) -> list[str]:
    return [t.decode("utf-8") for t in token_bytes(text)]


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character spans, in the ORIGINAL ``text``, of the tokens ``tokens(text)`` returns.

    Characters are normalised one at a time so every normalised character maps back to the
    character it came from (NFKC/casefold may expand one character into several). Used only for
    evidence, on the few documents that matched.
    """
    if text.isascii():
        return [m.span() for m in _WORD.finditer(text)]
    norm_parts: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).casefold() if ord(ch) > 127 else ch
        norm_parts.append(n)
        origin.extend([i] * len(n))
    norm = "".join(norm_parts)
    return [(origin[a], origin[b - 1] + 1) for a, b in (m.span() for m in _WORD.finditer(norm))]
