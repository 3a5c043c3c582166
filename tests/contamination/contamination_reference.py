"""Straightforward reference implementations that the optimised contamination paths are checked
against (test code, not part of the package): token spans in the original text, the n-gram hashes
of one text, and the token hashes of a batch of documents one document at a time."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import chain

import numpy as np

from openaudit.contamination.hashing import TokenHasher, ngram_hashes
from openaudit.contamination.normalise import token_bytes

_WORD = re.compile(r"[^\W_]+")


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character spans, in the ORIGINAL ``text``, of the tokens ``normalise.tokens(text)`` returns.

    Characters are normalised one at a time so every normalised character maps back to the
    character it came from (NFKC/casefold may expand one character into several)."""
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


def text_ngrams(text: str, n: int, hasher: TokenHasher | None = None):
    """The n-gram hashes of ``text``'s tokens."""
    return ngram_hashes((hasher or TokenHasher()).hashes(token_bytes(text)), n)


def batch_token_hashes(texts: Sequence[str], hasher: TokenHasher | None = None):
    """Token hashes of a batch of documents: ``(hashes, offsets)``, ``hashes[offsets[i]:offsets[i+1]]``
    being document i's tokens."""
    per_doc = [token_bytes(t) for t in texts]
    offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc)), out=offsets[1:])
    flat = list(chain.from_iterable(per_doc))
    return (hasher or TokenHasher()).hashes(flat), offsets
