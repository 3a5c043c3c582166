"""The shard function: scan one training shard against the benchmark index.

``scan_shard(index, shard, options)`` is pure (reads the shard, returns plain data) so that the
local process pool and Ray run exactly the same code. Memory is bounded by the batch size
(``BATCH_CHARS`` characters of documents at a time) plus the few candidates kept per item.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from openaudit.contamination import vocab
from openaudit.contamination.hashing import ngram_hashes, ngram_hashes_multi
from openaudit.contamination.index import ANSWER, PREFILTER_SHIFT, QUESTION, BenchIndex
from openaudit.contamination.minhash import FUZZY_SHINGLE, jaccard, shingles, template
from openaudit.contamination.normalise import token_span_arrays
from openaudit.contamination.problems import ReadLog
from openaudit.contamination.readers import Doc, Shard, iter_documents
from openaudit.contamination.sigs import window_signatures

BATCH_CHARS = 2_000_000
BATCH_DOCS = 4096
KEEP = 3  # candidate documents kept per item and shard (best first)
SNIPPET = 240
WINDOWS_AT_ONCE = 8192  # fuzzy windows signed and matched per numpy pass (8 MiB of signatures)


@dataclass(frozen=True)
class ScanOptions:
    fuzzy: bool = False


def _longest_run(pairs: list[tuple[int, int]]) -> tuple[int, int, int]:
    """Longest run of consecutive item positions matched at consecutive document positions.

    Returns (run length in n-grams, item start, doc start); ties go to the earliest doc start."""
    by_diag: dict[int, set[int]] = {}
    for ip, dp in pairs:
        by_diag.setdefault(dp - ip, set()).add(ip)
    best = (0, 0, 0)
    for diag, found in by_diag.items():
        ips = sorted(found)
        start = prev = ips[0]
        for cur in ips[1:] + [None]:
            if cur is not None and cur == prev + 1:
                prev = cur
                continue
            run = prev - start + 1
            if run > best[0] or (run == best[0] and start + diag < best[2]):
                best = (run, start, start + diag)
            if cur is not None:
                start = prev = cur
    return best


def _snippet(text: str, start: int, end: int) -> str:
    s = " ".join(text[start:end].split())
    return s if len(s) <= SNIPPET else s[: SNIPPET - 1] + "…"


_SPANS: list = [None, None]  # (text, (starts, ends)) of the last document asked: one entry


def _span(text: str, tok_count: int, first: int, last: int) -> tuple[int, int]:
    """Character span in ``text`` of its tokens ``first..last`` (``normalise.token_span_arrays``)."""
    if _SPANS[0] is not text:
        _SPANS[0], _SPANS[1] = text, token_span_arrays(text)
    starts, ends = _SPANS[1]
    count = int(starts.size)
    if not count:
        return 0, 0
    if count != tok_count and tok_count:  # rare: per-character normalisation differs; rescale
        ratio = count / tok_count
        first, last = int(first * ratio), int(last * ratio)
    first = max(0, min(first, count - 1))
    last = max(first, min(last, count - 1))
    return int(starts[first]), int(ends[last])


class _Acc:
    """Accumulates a shard's result."""

    def __init__(self, index: BenchIndex, source: str) -> None:
        self.index = index
        self.source = source
        self.log = ReadLog()
        self.docs = 0
        self.chars = 0
        self.bytes = 0
        self.tokens = 0
        self.df: dict[int, int] = {}
        self.matched: dict[int, set[int]] = {}
        self.heaps: dict[int, list] = {}
        self.fuzzy: dict[int, dict[str, Any]] = {}
        self.seq = 0

    def offer(self, item: int, key: tuple, make) -> None:
        h = self.heaps.setdefault(item, [])
        self.seq += 1
        entry = (key, -self.seq)
        if len(h) < KEEP:
            heapq.heappush(h, (entry, make()))
        elif entry > h[0][0]:
            heapq.heapreplace(h, (entry, make()))

    def result(self) -> dict[str, Any]:
        cands = []
        for h in self.heaps.values():
            cands.extend(c for _k, c in h)
        cands.sort(key=lambda c: (c["item"], -c["q_matched"], -c["longest"], c["doc"]))
        return {
            "source": self.source,
            "docs": self.docs,
            "chars": self.chars,
            "bytes": self.bytes,
            "tokens": self.tokens,
            "df": {int(k): v for k, v in sorted(self.df.items())},
            "matched": {int(p): sorted(s) for p, s in sorted(self.matched.items())},
            "candidates": cands,
            "fuzzy": [self.fuzzy[k] for k in sorted(self.fuzzy)],
            "problems": self.log.to_dict(),
        }


def _scan_batch(acc: _Acc, docs: list[Doc], options: ScanOptions, hasher) -> None:
    import numpy as np

    index = acc.index
    texts = [doc.text for doc in docs]
    tok, offsets = hasher.hash_texts(texts)
    acc.tokens += int(tok.size)
    if tok.size == 0:
        return
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), np.diff(offsets))
    # doc -> item -> part -> [(item pos, doc pos)]
    pairs: dict[int, dict[int, dict[int, list[tuple[int, int]]]]] = {}
    keys = index.keys
    shift = np.uint64(PREFILTER_SHIFT)
    for n, ng in ngram_hashes_multi(tok, index.lengths):
        if ng.size == 0 or keys.size == 0:
            continue
        cand = np.flatnonzero(index.prefilter[(ng >> shift).astype(np.int64)])
        if cand.size == 0:
            continue
        cng = ng[cand]
        k = np.searchsorted(keys, cng)
        np.minimum(k, keys.size - 1, out=k)
        ok = (keys[k] == cng) & (doc_of[cand] == doc_of[cand + n - 1])
        where = cand[ok]
        k = k[ok]
        if where.size == 0:
            continue
        seen_doc_hash: set[tuple[int, int]] = set()
        for tp, kk in zip(where.tolist(), k.tolist()):
            d = int(doc_of[tp])
            dp = tp - int(offsets[d])
            hval = int(keys[kk])
            if (d, hval) not in seen_doc_hash:
                seen_doc_hash.add((d, hval))
                acc.df[hval] = acc.df.get(hval, 0) + 1
            for row in range(int(index.key_start[kk]), int(index.key_start[kk + 1])):
                part = int(index.entry_part[row])
                if index.part_n[part] != n:
                    continue
                ip = int(index.entry_pos[row])
                acc.matched.setdefault(part, set()).add(ip)
                pairs.setdefault(d, {}).setdefault(part // 2, {}).setdefault(part % 2, []).append((ip, dp))
    for d, items in pairs.items():
        doc = docs[d]
        text = doc.text
        dtok = tok[offsets[d] : offsets[d + 1]]
        for item, by_part in items.items():
            qp = by_part.get(QUESTION, [])
            ap = by_part.get(ANSWER, [])
            part = item * 2 + (QUESTION if qp else ANSWER)
            n = index.part_n[part]
            run, i0, d0 = _longest_run(qp or ap)
            longest = run + n - 1
            q_matched = len({ip for ip, _ in qp})
            a_matched = len({ip for ip, _ in ap})

            def make(
                doc=doc,
                text=text,
                dtok=dtok,
                item=item,
                i0=i0,
                d0=d0,
                longest=longest,
                q_matched=q_matched,
                a_matched=a_matched,
                from_q=bool(qp),
            ):
                start, end = _span(text, int(dtok.size), d0, d0 + longest - 1)
                j = 0.0
                if from_q:
                    qlen = int(index.part_tokens[item * 2])
                    w0 = max(0, d0 - i0)
                    j = jaccard(index.question_shingles[item], shingles(dtok[w0 : w0 + qlen]))
                return {
                    "item": item,
                    "source": acc.source,
                    "doc": doc.id,
                    "line": doc.line_at(start),
                    "start": start,
                    "end": end,
                    "snippet": _snippet(text, start, end),
                    "longest": longest,
                    "q_matched": q_matched,
                    "a_matched": a_matched,
                    "jaccard": round(j, 4),
                }

            acc.offer(item, (q_matched + a_matched, longest), make)
    if options.fuzzy and index.fuzzy is not None:
        _fuzzy_batch(acc, docs, tok, offsets)


def fuzzy_hit(source: str, item: int, doc: Doc, start: int, end: int, jaccard: float) -> dict[str, Any]:
    """A fuzzy-mode match: the window ``start:end`` of ``doc`` (characters)."""
    return {
        "item": item,
        "source": source,
        "doc": doc.id,
        "line": doc.line_at(start),
        "start": start,
        "end": end,
        "snippet": _snippet(doc.text, start, end),
        "jaccard": round(jaccard, 4),
    }


def fuzzy_windows(tok_count: int, window: int, shingle: int) -> list[tuple[int, int]]:
    """The (first, last + 1) shingle ranges of a document's fuzzy windows: ``window`` words,
    stride ``window // 2``, plus a last window flush with the end; none below ``shingle`` words."""
    if tok_count < shingle:
        return []
    count = tok_count - shingle + 1
    stride = max(1, window // 2)
    span = max(1, window - shingle + 1)
    last = max(0, count - span)
    starts = list(range(0, last + 1, stride)) + ([last] if last % stride else [])
    return [(a, min(a + span, count)) for a in starts]


def _fuzzy_batch(acc: _Acc, docs, tok, offsets) -> None:
    """Fuzzy mode: MinHash signatures of every window of the batch at once (numpy, equal to
    datasketch's), matched against the LSH bands of the benchmark side in one pass."""
    import numpy as np

    index = acc.index
    w = index.fuzzy_window
    sh = ngram_hashes(tok, FUZZY_SHINGLE)  # shingle j covers tokens j..j+FUZZY_SHINGLE-1 of the batch
    starts: list[int] = []
    ends: list[int] = []
    owner: list[tuple[int, int]] = []  # window -> (doc, first shingle in the doc)
    for d in range(len(docs)):
        base = int(offsets[d])
        for a, e in fuzzy_windows(int(offsets[d + 1]) - base, w, FUZZY_SHINGLE):
            starts.append(base + a)
            ends.append(base + e)
            owner.append((d, a))
    if not starts:
        return
    starts_a, ends_a = np.array(starts), np.array(ends)
    hits = []
    perms = template().permutations
    for c in range(0, len(starts), WINDOWS_AT_ONCE):  # bounded memory: WINDOWS_AT_ONCE x num_perm
        sigs = window_signatures(sh, starts_a[c : c + WINDOWS_AT_ONCE], ends_a[c : c + WINDOWS_AT_ONCE], perms)
        hits += [(row + c, item, j) for row, item, j in index.fuzzy.query_windows(sigs)]
    for row, item, j in hits:
        best = acc.fuzzy.get(item)
        if best is None or j > best["jaccard"]:
            d, a = owner[row]
            doc = docs[d]
            ntok = int(offsets[d + 1] - offsets[d])
            start, end = _span(doc.text, ntok, a, min(a + w, ntok) - 1)
            acc.fuzzy[item] = fuzzy_hit(acc.source, item, doc, start, end, j)


def scan_shard(index: BenchIndex, shard: Shard, options: ScanOptions = ScanOptions()) -> dict[str, Any]:
    """Scan one shard; return its partial result (plain, picklable, deterministic)."""
    acc = _Acc(index, shard.source)
    hasher = vocab.default_batch_hasher()  # the vocabulary is reused across the shards a worker scans
    batch: list[Doc] = []
    size = 0
    for doc in iter_documents(shard, acc.log):
        text = doc.text
        acc.docs += 1
        acc.chars += len(text)
        acc.bytes += len(text.encode("utf-8", "surrogatepass")) if not text.isascii() else len(text)
        batch.append(doc)
        size += len(text)
        if size >= BATCH_CHARS or len(batch) >= BATCH_DOCS:
            _scan_batch(acc, batch, options, hasher)
            batch, size = [], 0
    if batch:
        _scan_batch(acc, batch, options, hasher)
    return acc.result()
