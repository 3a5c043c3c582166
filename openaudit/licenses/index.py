"""The shipped license fingerprint index (``openaudit/data/license_index.json.gz``).

Built by ``scripts/build_license_index.py`` from real license texts; holds no license text, only:

* per SPDX id: name, OSI-approved, FSF-libre (from the SPDX list)
* per distinct normalised text ("doc"): the ids sharing it, family, word count, a digest of the
  normalised text (exact match), sampled word-5-gram CRCs (similarity) and the CRC + word count of
  every normalised sentence (differences), as base64 of little-endian arrays.
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.licenses.normalize import Normalized, sentence_hash, shingles
from openaudit.resources import data_dir

INDEX_NAME = "license_index.json.gz"
FORMAT_VERSION = 1


def modulus_for(words: int) -> int:
    """Sampling modulus of a reference text: short texts keep every shingle."""
    if words <= 1500:
        return 1
    if words <= 4000:
        return 2
    return 4


def _le(a: array) -> array:
    if a.itemsize > 1 and sys.byteorder != "little":
        a.byteswap()
    return a


def fingerprint(norm: Normalized, ids: list[str], family: str, variant: str = "full") -> dict[str, Any]:
    """The index record of one normalised reference text (used by the build script)."""
    words = len(norm.tokens)
    mod = modulus_for(words)
    return {
        "ids": ids,
        "family": family,
        "variant": variant,
        "words": words,
        "mod": mod,
        "digest": norm.digest,
        "sh": sorted({h for h in shingles(norm.tokens) if mod == 1 or h % mod == 0}),
        "se": [sentence_hash(s) for s in norm.sentences],
        "sw": [min(len(s), 65535) for s in norm.sentences],
    }


def encode_index(header: dict[str, Any], records: list[dict[str, Any]]) -> bytes:
    """Serialise: gzip( u32 header length | JSON header | u32[65537] bucket offsets (high 16 bits of
    the hash) | u16 low 16 bits | u16 doc ids | u32 sentence hashes | u16 sentence word counts ).
    Shingles of all records are merged into one hash-sorted posting list, so a query needs one
    binary search per shingle inside its bucket and loading needs no Python-level loop."""
    postings = sorted((h, i) for i, r in enumerate(records) for h in r["sh"])
    offsets = array("I", [0] * 65537)
    for h, _ in postings:
        offsets[(h >> 16) + 1] += 1
    for b in range(65536):
        offsets[b + 1] += offsets[b]
    low = array("H", (h & 0xFFFF for h, _ in postings))
    doc_ids = array("H", (i for _, i in postings))
    se, sw, docs = array("I"), array("H"), []
    for r in records:
        docs.append(
            {
                "ids": r["ids"],
                "family": r["family"],
                "variant": r["variant"],
                "words": r["words"],
                "mod": r["mod"],
                "digest": r["digest"],
                "nsh": len(r["sh"]),
                "so": len(se),
                "sn": len(r["se"]),
            }
        )
        se.extend(r["se"])
        sw.extend(r["sw"])
    head = dict(header, format=FORMAT_VERSION, docs=docs, npost=len(postings), nsent=len(se))
    hb = json.dumps(head, separators=(",", ":"), sort_keys=True).encode("utf-8")
    body = b"".join(_le(a).tobytes() for a in (offsets, low, doc_ids, se, sw))
    return gzip.compress(struct.pack("<I", len(hb)) + hb + body, 9, mtime=0)


@dataclass(frozen=True)
class Doc:
    ids: tuple[str, ...]
    family: str
    variant: str
    words: int
    mod: int
    digest: str
    nsh: int  # number of (sampled) shingles
    so: int  # offset of its sentences in the global sentence arrays
    sn: int  # number of sentences


@dataclass
class LicenseIndex:
    docs: list[Doc]
    by_digest: dict[str, int]
    spdx: dict[str, tuple[str, str, bool | None, bool | None]]  # lower id -> (id, name, osi, fsf)
    shingle: int
    built_from: dict[str, Any]
    post_off: array  # 65537 offsets into the postings, by the hash's high 16 bits
    post_low: array  # low 16 bits of each posting's hash, sorted within a bucket
    post_doc: array  # doc index of each posting
    sent_hash: array
    sent_words: array

    def postings(self, h: int) -> array | list:
        b = h >> 16
        start, end, low = self.post_off[b], self.post_off[b + 1], h & 0xFFFF
        lo = bisect_left(self.post_low, low, start, end)
        if lo == end or self.post_low[lo] != low:
            return []
        return self.post_doc[lo : bisect_right(self.post_low, low, lo, end)]

    def sentences(self, doc: Doc) -> list[tuple[int, int]]:
        return list(zip(self.sent_hash[doc.so : doc.so + doc.sn], self.sent_words[doc.so : doc.so + doc.sn]))

    def contains(self, doc_index: int, h: int) -> bool:
        return doc_index in self.postings(h)


def parse_index(raw: bytes, source: str = INDEX_NAME) -> LicenseIndex:
    try:
        blob = gzip.decompress(raw)
        (hlen,) = struct.unpack_from("<I", blob, 0)
        head = json.loads(blob[4 : 4 + hlen])
        if head.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {head.get('format')!r}, expected {FORMAT_VERSION}")
        pos = 4 + hlen
        arrays = []
        sizes = (("I", 65537), ("H", head["npost"]), ("H", head["npost"]), ("I", head["nsent"]), ("H", head["nsent"]))
        for code, n in sizes:
            a = array(code)
            a.frombytes(blob[pos : pos + n * a.itemsize])
            if len(a) != n:
                raise ValueError("truncated")
            pos += n * a.itemsize
            arrays.append(_le(a))
        post_off, post_low, post_doc, se, sw = arrays
        if post_off[-1] != head["npost"]:
            raise ValueError("bucket offsets do not match the postings")
        docs = [
            Doc(
                tuple(d["ids"]),
                d["family"],
                d["variant"],
                int(d["words"]),
                int(d["mod"]),
                d["digest"],
                int(d["nsh"]),
                int(d["so"]),
                int(d["sn"]),
            )
            for d in head["docs"]
        ]
        spdx = {row[0].lower(): (row[0], row[1], row[2], row[3]) for row in head["spdx"]}
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, struct.error, OverflowError) as exc:
        raise InvalidDocument(
            f"{source}: not a valid license index ({' '.join(str(exc).split())[:120]})",
            hint="reinstall openaudit or rebuild it with scripts/build_license_index.py",
        ) from None
    by_digest: dict[str, int] = {}
    for i, d in enumerate(docs):
        by_digest.setdefault(d.digest, i)
    return LicenseIndex(
        docs,
        by_digest,
        spdx,
        int(head.get("shingle", 5)),
        dict(head.get("built_from", {})),
        post_off,
        post_low,
        post_doc,
        se,
        sw,
    )


@lru_cache(maxsize=1)
def load_index() -> LicenseIndex:
    path = data_dir() / INDEX_NAME
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidDocument(
            f"{path}: cannot read the license index: {exc.strerror}",
            hint="reinstall openaudit or rebuild it with scripts/build_license_index.py",
        ) from None
    return parse_index(raw, str(path))


def spdx_meta() -> dict[str, tuple[str, str, bool | None, bool | None]]:
    return load_index().spdx
