"""Vectorised MinHash signatures of many text windows, and MinHashLSH band matching in numpy.

``window_signatures`` gives, for every window of shingle hashes, exactly the ``hashvalues`` that
``datasketch.MinHash(num_perm, seed, hashfunc=identity, scheme="affine64")`` reaches after
``update_batch`` of that window: the same MurmurHash3 ``fmix64`` pre-mix, the same seeded
permutations (taken from datasketch itself) and ``a * h + b`` modulo 2**64, minimised per
permutation — but for thousands of windows in a few numpy calls instead of one Python object each.

``BandMatcher`` answers what ``MinHashLSH.query`` answers (the keys sharing at least one whole
band of ``r`` hash values, with the LSH's own ``hashranges``), for many signatures at once: band
values are folded into one 64-bit key per band for a sorted-array lookup, and every hit is then
checked value by value, so a folding collision can never add a candidate.
"""

from __future__ import annotations

from typing import Any

from openaudit.contamination.hashing import splitmix64

CHUNK_ROWS = 4096  # shingles permuted at a time: num_perm x CHUNK_ROWS x 8 bytes (4 MiB at 128)
_FMIX = (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33)
_FOLD = 0x9E3779B97F4A7C15


def fmix64(x):
    """MurmurHash3's 64-bit finaliser (datasketch's pre-mix for the affine schemes)."""
    import numpy as np

    s1, m1, s2, m2, s3 = _FMIX
    x = x ^ (x >> np.uint64(s1))
    x *= np.uint64(m1)
    x ^= x >> np.uint64(s2)
    x *= np.uint64(m2)
    x ^= x >> np.uint64(s3)
    return x


def window_signatures(shingle_hashes, starts, ends, perms):
    """MinHash signatures, shape (len(starts), num_perm), of ``shingle_hashes[starts[i]:ends[i]]``,
    with datasketch's permutation parameters ``perms = (a, b)`` (``minhash.template().permutations``).

    ``starts`` must be ascending and every window non-empty. Overlapping windows share work:
    the permuted values are first minimised over the elementary segments between consecutive
    window boundaries (each shingle once), then each window takes the minimum of its segments.
    """
    import numpy as np

    a, b = perms
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    out = np.empty((starts.size, a.size), dtype=np.uint64)
    buf = np.empty((a.size, CHUNK_ROWS), dtype=np.uint64)  # permutation-major: fast reductions
    top = np.iinfo(np.uint64).max
    a_col, b_col = a[:, None], b[:, None]
    k = 0
    while k < starts.size:
        lo = int(starts[k])
        # as many windows as fit in CHUNK_ROWS shingles (at least one)
        k1 = max(k + 1, int(np.searchsorted(ends, lo + CHUNK_ROWS, side="right")))
        hi = int(ends[k:k1].max())
        if hi - lo > buf.shape[1]:
            buf = np.empty((a.size, hi - lo), dtype=np.uint64)
        phv = buf[:, : hi - lo]
        hv = fmix64(shingle_hashes[lo:hi].astype(np.uint64, copy=True))
        np.multiply(a_col, hv[None, :], out=phv)
        phv += b_col
        pts = np.unique(np.concatenate([starts[k:k1], ends[k:k1]])) - lo  # pts[-1] == hi - lo
        seg = np.empty((a.size, pts.size), dtype=np.uint64)
        seg[:, :-1] = np.minimum.reduceat(phv, pts[:-1], axis=1)
        seg[:, -1] = top  # sentinel: windows ending at hi
        idx = np.empty(2 * (k1 - k), dtype=np.intp)
        idx[0::2] = np.searchsorted(pts, starts[k:k1] - lo)
        idx[1::2] = np.searchsorted(pts, ends[k:k1] - lo)
        out[k:k1] = np.minimum.reduceat(seg, idx, axis=1)[:, 0::2].T
        k = k1
    return out


def _fold(sig, ranges):
    """One 64-bit key per (row, band): the band's values folded, then salted with the band."""
    import numpy as np

    keys = np.empty((sig.shape[0], len(ranges)), dtype=np.uint64)
    q = np.uint64(_FOLD)
    for i, (s, e) in enumerate(ranges):
        acc = sig[:, s].copy()
        for c in range(s + 1, e):
            acc *= q
            acc += sig[:, c]
        acc ^= np.uint64(((i + 1) * _FOLD) & 0xFFFFFFFFFFFFFFFF)
        keys[:, i] = splitmix64(acc)
    return keys


class BandMatcher:
    """The keys and signatures of an LSH index, for answering many queries at once."""

    def __init__(self, keys: list[Any], sigs, ranges) -> None:
        import numpy as np

        self.keys = list(keys)
        self.sigs = np.asarray(sigs, dtype=np.uint64).reshape(len(self.keys), -1)
        self.ranges = [(int(s), int(e)) for s, e in ranges]
        folded = _fold(self.sigs, self.ranges)  # (items, bands)
        flat = folded.ravel()
        order = np.argsort(flat, kind="stable")
        self.band_keys = flat[order]
        self.band_item = (order // len(self.ranges)).astype(np.int64)
        self.band_no = (order % len(self.ranges)).astype(np.int64)

    def candidates(self, sigs):
        """(query row, item row) pairs sharing at least one whole band, sorted by query row then
        item row, without duplicates."""
        import numpy as np

        if not self.keys or sigs.shape[0] == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        folded = _fold(sigs, self.ranges)
        nb = len(self.ranges)
        flat = folded.ravel()
        lo = np.searchsorted(self.band_keys, flat, side="left")
        hit = np.flatnonzero(self.band_keys[np.minimum(lo, self.band_keys.size - 1)] == flat)
        if hit.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        counts = np.searchsorted(self.band_keys, flat[hit], side="right") - lo[hit]
        rows = np.repeat(hit, counts)
        ent = np.repeat(lo[hit] - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        band = rows % nb
        keep = self.band_no[ent] == band  # the same band of the item
        q, it, band = rows[keep] // nb, self.band_item[ent[keep]], band[keep]
        if q.size:
            ok = np.ones(q.size, dtype=bool)
            for i, (s, e) in enumerate(self.ranges):  # value-by-value check of every hit
                sel = np.flatnonzero(band == i)
                if sel.size:
                    ok[sel] = (sigs[q[sel], s:e] == self.sigs[it[sel], s:e]).all(axis=1)
            q, it = q[ok], it[ok]
        pair = np.unique(np.stack([q, it], axis=1), axis=0) if q.size else np.zeros((0, 2), dtype=np.int64)
        return pair[:, 0].astype(np.int64), pair[:, 1].astype(np.int64)

    def query_many(self, sigs, threshold: float):
        """``(query row, key, Jaccard)`` for every pair an LSH query would return whose MinHash
        Jaccard estimate reaches ``threshold``; in query-row order."""
        import numpy as np

        q, it = self.candidates(sigs)
        if q.size == 0:
            return []
        j = np.count_nonzero(sigs[q] == self.sigs[it], axis=1) / float(self.sigs.shape[1])
        keep = np.flatnonzero(j >= threshold)
        return [(int(q[i]), self.keys[int(it[i])], float(j[i])) for i in keep]
