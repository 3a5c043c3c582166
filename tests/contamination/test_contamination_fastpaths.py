"""The optimised paths (vectorised token hashing, numpy MinHash signatures, numpy LSH band
matching) give exactly what the straightforward implementations give."""

import json
import random

import numpy as np
import pytest
from contamination_reference import batch_token_hashes, token_spans

from openaudit.contamination import scan, sigs, vocab
from openaudit.contamination.api import run
from openaudit.contamination.hashing import TokenHasher, ngram_hashes
from openaudit.contamination.minhash import NUM_PERM, SEED, FuzzyIndex, template
from openaudit.contamination.normalise import normalised_bytes, token_bytes, token_span_arrays

TRICKY = [
    "alpha beta gamma",
    "",
    "   \t\n ",
    "beta, gamma; delta",
    "Straße ﬁne — “Quoted” x_y 3.14 naïve ÜBER 日本語のテキスト、句読点。 ①②③ ½ x² Ａｂｃ",
    # 8/9/16/17-byte tokens straddle the packed-key boundaries; long ones take the dict path
    "abcdefgh abcdefghi abcdefghijklmnop abcdefghijklmnopq supercalifragilisticexpialidocious a",
    "x\x00y\ttab\nnl\r\x0b\x0c end",
    "ÿÿÿÿÿÿÿÿ ÿÿÿÿÿÿÿÿÿ ßßßßßßßßß",
    "hello \ud800 world",  # lone surrogate (JSON can carry one): dropped as a separator
    "日本語のテキストはスペースなしで長いトークンになる" * 3,
]


def _random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCXYZ0123éßİı日 ,.\n-_"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 400))) for _ in range(count)]


def _reference_hashes(texts):
    return batch_token_hashes(texts, TokenHasher())


def test_normalised_bytes_split_is_token_bytes():
    for t in TRICKY + _random_texts(5, 50):
        assert normalised_bytes(t).split() == token_bytes(t)


def test_token_span_arrays_equal_token_spans():
    extra = ["İstanbul ǅ ﬃ x", "a\u0301b ﬀ ①x", "ß" * 5, "\u0345 \u0130", "x" * 3 + "’" * 3 + "y"]
    for t in TRICKY + extra + _random_texts(3, 200):
        starts, ends = token_span_arrays(t)
        assert list(zip(starts.tolist(), ends.tolist())) == token_spans(t), t


@pytest.mark.parametrize("capacity_bits", [2, 16])
def test_batch_hasher_equals_reference(capacity_bits):
    texts = TRICKY + _random_texts(1, 300)
    hasher = vocab.BatchHasher(capacity_bits=capacity_bits)  # 2 bits: forces growth and probing
    ref_h, ref_off = _reference_hashes(texts)
    assert ref_h.size > 5_000
    for _ in range(3):  # cold, then warm vocabulary
        h, off = hasher.hash_texts(texts)
        assert off.tolist() == ref_off.tolist()
        assert h.tolist() == ref_h.tolist()
    # a second, different batch through the same (warm) vocabulary
    more = _random_texts(2, 100)
    h, off = hasher.hash_texts(more)
    ref_h, ref_off = _reference_hashes(more)
    assert off.tolist() == ref_off.tolist() and h.tolist() == ref_h.tolist()


def test_batch_hasher_vocabulary_limit_keeps_results(monkeypatch):
    monkeypatch.setattr(vocab, "VOCAB_LIMIT", 50)
    hasher = vocab.BatchHasher(capacity_bits=3)
    for seed in range(4):
        texts = _random_texts(seed, 40) + TRICKY
        h, off = hasher.hash_texts(texts)
        ref_h, ref_off = _reference_hashes(texts)
        assert off.tolist() == ref_off.tolist() and h.tolist() == ref_h.tolist()
    assert hasher._count <= 2 * 50 + 1000  # cleared instead of growing without bound


@pytest.mark.parametrize("texts", [[], [""], ["  ,;  "], ["", "", "one"]])
def test_batch_hasher_empty_inputs(texts):
    h, off = vocab.BatchHasher().hash_texts(texts)
    ref_h, ref_off = _reference_hashes(texts)
    assert h.tolist() == ref_h.tolist() and off.tolist() == ref_off.tolist()


def _datasketch_signature(values):
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=lambda x: x, scheme="affine64")
    m.update_batch([int(v) for v in values])
    return m.hashvalues


@pytest.mark.parametrize("chunk", [7, 4096])
def test_window_signatures_equal_datasketch(monkeypatch, chunk):
    monkeypatch.setattr(sigs, "CHUNK_ROWS", chunk)  # 7: windows wider than a chunk, many chunks
    rng = np.random.default_rng(0)
    sh = rng.integers(0, 2**63, size=400, dtype=np.int64).astype(np.uint64) * np.uint64(3)
    sh[100:150] = sh[0:50]  # repeated shingles
    starts = [0, 0, 5, 5, 40, 100, 390, 399]
    ends = [1, 10, 6, 70, 300, 400, 400, 400]
    perms = template().permutations
    got = sigs.window_signatures(sh, starts, ends, perms)
    assert got.shape == (len(starts), NUM_PERM) and got.dtype == np.uint64
    for i, (s, e) in enumerate(zip(starts, ends)):
        assert got[i].tolist() == _datasketch_signature(sh[s:e]).tolist(), (s, e)
    assert sigs.window_signatures(sh, [], [], perms).shape == (0, NUM_PERM)


def test_fmix64_is_murmur3_finaliser():
    # MurmurHash3 fmix64 reference values (computed with Python integers)
    def ref(x):
        m = (1 << 64) - 1
        x ^= x >> 33
        x = (x * 0xFF51AFD7ED558CCD) & m
        x ^= x >> 33
        x = (x * 0xC4CEB9FE1A85EC53) & m
        return x ^ (x >> 33)

    vals = [0, 1, 2**63, 2**64 - 1, 0x123456789ABCDEF]
    assert sigs.fmix64(np.array(vals, dtype=np.uint64)).tolist() == [ref(v) for v in vals]


def test_query_windows_equals_lsh_query(he_items, plays):
    from contamination_plant import light_edit, paraphrase

    th = TokenHasher()
    fuzzy = FuzzyIndex(0.25)
    for i, it in enumerate(he_items[:60]):
        fuzzy.add(i, np.unique(ngram_hashes(th.hashes(token_bytes(it.question)), 2)))
    rng = random.Random(4)
    text = plays[0][1][:30000]
    for i in (3, 10, 25):
        text += "\n" + paraphrase(he_items[i].question, rng) + "\n" + light_edit(he_items[i + 1].question, rng)
    sh = ngram_hashes(th.hashes(token_bytes(text)), 2)
    windows = scan.fuzzy_windows(int(sh.size) + 1, 40, 2)
    got = fuzzy.query_windows(
        sigs.window_signatures(sh, [a for a, _ in windows], [e for _, e in windows], template().permutations)
    )
    want = []
    for row, (a, e) in enumerate(windows):
        for key, j in sorted(fuzzy.query(sh[a:e])):
            want.append((row, key, j))
    assert len(want) >= 3  # the planted items are found: the comparison is not vacuous
    assert got == want


def test_band_matcher_needs_a_whole_equal_band(monkeypatch):
    rng = np.random.default_rng(1)
    items = rng.integers(0, 2**63, size=(2, NUM_PERM), dtype=np.int64).astype(np.uint64)
    ranges = [(0, 3), (3, 6), (6, 9)]
    m = sigs.BandMatcher(["a", "b"], items, ranges)
    q = items[[0]].copy()
    q[0, 3:6] = items[1, 3:6]  # band 0 and 2 from item a, band 1 from item b
    assert list(zip(*(x.tolist() for x in m.candidates(q)))) == [(0, 0), (0, 1)]
    partial = items[[1]].copy()
    partial[0, [0, 3, 6]] = 1  # one value off in every band: no candidate
    assert m.candidates(partial)[0].size == 0
    # every band folds to the same key: the value-by-value check alone must decide
    monkeypatch.setattr(sigs, "_fold", lambda sig, r: np.zeros((sig.shape[0], len(r)), dtype=np.uint64))
    m = sigs.BandMatcher(["a", "b"], items, ranges)
    q = items[[0]].copy()
    q[0, 0] = 1
    assert list(zip(*(x.tolist() for x in m.candidates(q)))) == [(0, 0)]
    assert m.candidates(partial)[0].size == 0


def _reference_fuzzy_batch(acc, docs, tok, offsets):
    """The straightforward fuzzy scan: one datasketch MinHash and one MinHashLSH query per window."""
    from openaudit.contamination.minhash import FUZZY_SHINGLE

    index = acc.index
    w = index.fuzzy_window
    for d, doc in enumerate(docs):
        dtok = tok[offsets[d] : offsets[d + 1]]
        for a, e in scan.fuzzy_windows(int(dtok.size), w, FUZZY_SHINGLE):
            for item, j in index.fuzzy.query(ngram_hashes(dtok, FUZZY_SHINGLE)[a:e]):
                best = acc.fuzzy.get(item)
                if best is None or j > best["jaccard"]:
                    start, end = scan._span(doc.text, int(dtok.size), a, min(a + w, int(dtok.size)) - 1)
                    line = doc.line + doc.text.count("\n", 0, start) if doc.multiline else doc.line
                    acc.fuzzy[item] = {
                        "item": item,
                        "source": acc.source,
                        "doc": doc.id,
                        "line": line,
                        "start": start,
                        "end": end,
                        "snippet": scan._snippet(doc.text, start, end),
                        "jaccard": round(j, 4),
                    }


def _reference_span(text, tok_count, first, last):
    """Evidence span from the plain ``token_spans`` list (the whole document, every call)."""
    spans = token_spans(text)
    if not spans:
        return 0, 0
    if len(spans) != tok_count and tok_count:
        ratio = len(spans) / tok_count
        first, last = int(first * ratio), int(last * ratio)
    first = max(0, min(first, len(spans) - 1))
    last = max(first, min(last, len(spans) - 1))
    return spans[first][0], spans[last][1]


class _ReferenceHasher:
    def hash_texts(self, texts):
        return batch_token_hashes(texts, TokenHasher())


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory, plays, he_items):
    from contamination_plant import plant

    docs = [(f"{n}-{i}", t[i : i + 15000]) for n, t in plays for i in range(0, len(t), 15000)]
    # every tricky text but the lone surrogate (the hardened JSON parser refuses such a record)
    docs.append(("uni", " ".join(t for t in TRICKY if "\ud800" not in t) * 5))
    records, _truth = plant(he_items, docs, per_kind=4, seed=11)
    path = tmp_path_factory.mktemp("fast") / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("fuzzy, windows_at_once", [(False, 8192), (True, 8192), (True, 5)])
def test_optimised_scan_equals_reference_implementation(monkeypatch, humaneval, mixed_corpus, fuzzy, windows_at_once):
    monkeypatch.setattr(scan, "WINDOWS_AT_ONCE", windows_at_once)  # 5: many window groups per batch
    fast = run([humaneval], [str(mixed_corpus)], fuzzy=fuzzy, workers=1, progress=lambda _m: None)
    with monkeypatch.context() as mp:
        mp.setattr(vocab, "default_batch_hasher", lambda: _ReferenceHasher())
        mp.setattr(scan, "_fuzzy_batch", _reference_fuzzy_batch)
        mp.setattr(scan, "_span", _reference_span)
        ref = run([humaneval], [str(mixed_corpus)], fuzzy=fuzzy, workers=1, progress=lambda _m: None)
    items = fast["benchmarks"][0]["items"]
    assert sum(it["contaminated"] for it in items) >= 8  # planted items are found
    if fuzzy:
        assert any(it["fuzzy_jaccard"] > 0 for it in items)
    assert json.dumps(fast, sort_keys=True) == json.dumps(ref, sort_keys=True)


def _reference_index_parts(items, n):
    """Per item, the straightforward way: the question's n-grams, and each answer span (question
    tail, optional label, answer) hashed on its own, spans end to end with one unused position."""
    from openaudit.contamination.index import ANSWER_LABELS, MIN_TOKENS

    hasher = TokenHasher()
    labels = [hasher.hashes(token_bytes(lab)) for lab in ANSWER_LABELS]
    out = []
    for it in items:
        q, a = hasher.hashes(token_bytes(it.question)), hasher.hashes(token_bytes(it.answer or ""))
        use = n if q.size >= n else (q.size if q.size >= MIN_TOKENS else 0)
        qh = ngram_hashes(q, use).tolist() if use else []
        tail = q[max(0, q.size - (n - 1)) :]
        size = tail.size + a.size
        a_use = 0 if not a.size else (n if size >= n else (size if size >= MIN_TOKENS else 0))
        heads = [tail] + ([np.concatenate([tail, lab]) for lab in labels] if a_use and a.size < n and tail.size else [])
        ah = []
        for h in heads if a_use else []:
            ah += ngram_hashes(np.concatenate([h, a]), a_use).tolist() + [0]
        out.append((qh, ah[:-1]))
    return out


def test_batched_index_equals_per_item_hashing():
    from openaudit.contamination.index import BenchItem, Benchmark, build_index

    rng = random.Random(4)
    vocab_words = [f"w{i}" for i in range(300)]
    items = []
    for k in range(300):
        q = " ".join(rng.choice(vocab_words) for _ in range(rng.choice([0, 2, 3, 5, 9, 12, 13, 20, 40])))
        a = " ".join(rng.choice(vocab_words) for _ in range(rng.choice([0, 0, 1, 2, 3, 8, 13, 30])))
        items.append(BenchItem(str(k), q, a or None))
    for n in (8, 13):
        idx = build_index([Benchmark("b", tuple(items))], ngram=n)
        ref = _reference_index_parts(items, n)
        for k, (qh, ah) in enumerate(ref):
            assert idx.part_hashes[2 * k].tolist() == qh, k
            assert idx.part_hashes[2 * k + 1].tolist() == ah, k
        assert sum(1 for _q, ah in ref if ah) > 100  # answers of every kind were indexed
