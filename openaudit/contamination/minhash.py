"""MinHash (datasketch) over word 5-gram shingles, and the MinHashLSH index of fuzzy mode.

Shingles are the stable 64-bit word 5-gram hashes of ``openaudit.contamination.hashing``; they are
fed to datasketch's ``affine64`` scheme with an identity hash function, so no per-shingle SHA-1
is needed and the signatures are reproducible from (datasketch version, scheme, seed, num_perm).
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

from openaudit.contamination.hashing import ngram_hashes
from openaudit.contamination.sigs import BandMatcher

NUM_PERM = 128
SEED = 1
SHINGLE = 5
FUZZY_SHINGLE = 2  # fuzzy mode: paraphrases keep word pairs far more often than 5-grams
DATASKETCH_SCHEME = "affine64"


def _identity(x: int) -> int:  # module level so that MinHash objects stay picklable
    return x


def method() -> dict[str, Any]:
    return {
        "library": "datasketch",
        "version": importlib.metadata.version("datasketch"),
        "scheme": DATASKETCH_SCHEME,
        "seed": SEED,
        "num_perm": NUM_PERM,
        "shingles": f"word {SHINGLE}-grams (stable 64-bit hashes, identity hashfunc)",
    }


def shingles(tok, size: int = SHINGLE):
    """Distinct word ``size``-gram hashes of a token-hash array (the whole text when shorter)."""
    import numpy as np

    n = size if tok.size >= size else max(int(tok.size), 1)
    return np.unique(ngram_hashes(tok, n)) if tok.size else np.zeros(0, dtype=np.uint64)


_TEMPLATE = None


def template():
    """An empty datasketch MinHash with our parameters (its permutations are reused)."""
    global _TEMPLATE
    from datasketch import MinHash

    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=_identity, scheme=DATASKETCH_SCHEME)
    return _TEMPLATE


def minhash_of(shingle_hashes):
    """A datasketch MinHash of the given shingle hashes (permutations generated once per process)."""
    from datasketch import MinHash

    m = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        hashfunc=_identity,
        scheme=DATASKETCH_SCHEME,
        permutations=template().permutations,
    )
    if len(shingle_hashes):
        m.update_batch(shingle_hashes.tolist())
    return m


def jaccard(a, b) -> float:
    """MinHash estimate of the Jaccard similarity of two shingle sets (0 when either is empty)."""
    if not len(a) or not len(b):
        return 0.0
    return float(minhash_of(a).jaccard(minhash_of(b)))


class FuzzyIndex:
    """MinHashLSH holding the benchmark side (one signature per item question)."""

    def __init__(self, threshold: float) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.sigs: dict[int, Any] = {}
        self._matcher = None

    def add(self, key: int, shingle_hashes) -> None:
        if not len(shingle_hashes):
            return
        m = minhash_of(shingle_hashes)
        self.sigs[key] = m
        self.lsh.insert(key, m)
        self._matcher = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_matcher"] = None  # rebuilt where it is used
        return state

    def matcher(self):
        """A ``sigs.BandMatcher`` over the inserted signatures, with this LSH's bands."""
        if self._matcher is None:
            keys = sorted(self.sigs)
            self._matcher = BandMatcher(keys, [self.sigs[k].hashvalues for k in keys], self.lsh.hashranges)
        return self._matcher

    def query_windows(self, sigs) -> list[tuple[int, int, float]]:
        """``query`` for many window signatures (rows of ``sigs``) at once: ``(row, item key,
        Jaccard)`` in row order; the same pairs and values ``query`` gives row by row."""
        if not self.sigs:
            return []
        return self.matcher().query_many(sigs, self.threshold)

    def query(self, shingle_hashes) -> list[tuple[int, float]]:
        """(item key, estimated Jaccard) of the items whose estimate reaches the threshold."""
        if not len(shingle_hashes) or not self.sigs:
            return []
        m = minhash_of(shingle_hashes)
        out = []
        for key in self.lsh.query(m):
            j = float(self.sigs[key].jaccard(m))
            if j >= self.threshold:
                out.append((key, j))
        return out
