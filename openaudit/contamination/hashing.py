"""Stable 64-bit token and word n-gram hashes.

A token's hash is the first 8 bytes (little endian) of BLAKE2b(token UTF-8, digest_size=8); it is
computed once per distinct token and kept in a bounded vocabulary, so the per-token cost is one
dict lookup at C speed. An n-gram hash is a polynomial modulo 2**64 over its token hashes, finished
with the splitmix64 mixer (numpy, vectorised). No Python ``hash()``: the same text gives the same
hashes on every machine, process and run.
"""

from __future__ import annotations

import hashlib

SCHEME = "token: blake2b-64(utf8); n-gram: polynomial mod 2^64 (Q=0x9e3779b97f4a7c15) + splitmix64"

_Q = 0x9E3779B97F4A7C15
_VOCAB_LIMIT = 2_000_000


def _np():
    import numpy as np

    return np


class TokenHasher:
    """Maps tokens to their stable 64-bit hashes through a bounded per-process vocabulary."""

    def __init__(self) -> None:
        np = _np()
        self._ids: dict[bytes, int] = {}
        self._table = np.zeros(1024, dtype=np.uint64)

    def _add(self, toks) -> None:
        np = _np()
        new = [t for t in set(toks) if t not in self._ids]
        if len(self._ids) + len(new) > _VOCAB_LIMIT:
            self._ids.clear()
            new = list(set(toks))
        start = len(self._ids)
        need = start + len(new)
        if need > self._table.size:
            grown = np.zeros(max(need, self._table.size * 2), dtype=np.uint64)
            grown[:start] = self._table[:start]
            self._table = grown
        for i, t in enumerate(new):
            self._ids[t] = start + i
            self._table[start + i] = int.from_bytes(hashlib.blake2b(t, digest_size=8).digest(), "little")

    def hashes(self, toks: list[bytes]):
        np = _np()
        if not toks:
            return np.zeros(0, dtype=np.uint64)
        try:
            ids = np.fromiter(map(self._ids.__getitem__, toks), dtype=np.int64, count=len(toks))
        except KeyError:
            self._add(toks)
            ids = np.fromiter(map(self._ids.__getitem__, toks), dtype=np.int64, count=len(toks))
        return self._table[ids]


def splitmix64(x):
    """The splitmix64 finaliser, in place on a uint64 array (returned). Used for n-gram hashes
    here and for the LSH band keys of ``sigs``."""
    np = _np()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def ngram_hashes(tok, n: int):
    """Hash of every window of ``n`` consecutive token hashes (length ``len(tok) - n + 1``)."""
    np = _np()
    m = tok.size - n + 1
    if m <= 0 or n <= 0:
        return np.zeros(0, dtype=np.uint64)
    acc = tok[:m].copy()
    q = np.uint64(_Q)
    for k in range(1, n):
        acc *= q
        acc += tok[k : k + m]
    acc ^= np.uint64(n)
    return splitmix64(acc)


def ngram_hashes_multi(tok, lengths):
    """``(n, ngram_hashes(tok, n))`` for every n in ``lengths`` (ascending), computed incrementally:
    max(lengths) multiply-add passes in all instead of sum(lengths)."""
    np = _np()
    q = np.uint64(_Q)
    acc = tok.copy()
    have = 1
    for n in sorted(lengths):
        m = tok.size - n + 1
        if m <= 0:
            yield n, np.zeros(0, dtype=np.uint64)
            continue
        while have < n:
            size = tok.size - have  # windows of length have + 1
            acc = acc[:size]
            acc *= q
            acc += tok[have : have + size]
            have += 1
        out = acc[:m].copy()
        out ^= np.uint64(n)
        yield n, splitmix64(out)
