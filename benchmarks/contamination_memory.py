"""Peak memory of `openaudit contamination` on hostile training inputs, against an ordinary scan.

Each case runs the real CLI in a fresh process that reports its own peak RSS (``RUSAGE_SELF``);
the baseline is an ordinary scan of the same benchmark over a ~10 MB JSON-lines corpus in the same
run. Goal: every case under 1 GiB, with a report (or a one-line refusal), never a crash.

* ``gzip of NULs``: 4 MB of gzip expanding to 4 GiB of NUL bytes (refused: binary content);
* ``text then NULs``: ordinary JSON lines, then 4 GiB of NULs (decompressed; stopped at the NULs);
* ``one 4 GiB line``: a JSON record whose text never ends (decompression budget);
* ``newlines only``: 4 GiB of empty lines (decompression budget);
* ``200 MB text line``: an uncompressed text file that is one 200 MB line (skipped: line cap);
* ``200 MB JSON record``: a JSON-lines record holding 200 MB of text (skipped: line cap);
* ``parquet 64 MB value``: a parquet file with one 64 MB string (skipped: document cap).

    python benchmarks/contamination_memory.py
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = (
    "import resource, sys\n"
    "from openaudit.cli.main import main\n"
    "rc = main(sys.argv[1:])\n"
    "try:\n"  # VmHWM: this process's own peak (ru_maxrss would include the parent's size at fork)
    "    kb = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "except OSError:\n"
    "    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "sys.stderr.write('\\nMAXRSS_KB %d\\n' % kb)\n"
    "sys.exit(rc)\n"
)
QUESTION = "And the earth was without form and void and darkness was upon the face of the deep"


def gzip_members(path: Path, member: bytes, count: int, head: bytes = b"") -> None:
    z = gzip.compress(member, compresslevel=9)
    with path.open("wb") as fh:
        if head:
            fh.write(gzip.compress(head))
        for _ in range(count):
            fh.write(z)


def build(tmp: Path) -> list[tuple[str, Path]]:
    head = "".join(
        json.dumps({"id": f"d{i}", "text": f"ordinary text number {i} " * 20}) + "\n" for i in range(40)
    ).encode()
    cases = []
    p = tmp / "nuls.jsonl.gz"
    gzip_members(p, b"\0" * (64 << 20), 64)
    cases.append(("gzip of NULs (4 MB -> 4 GiB)", p))
    p = tmp / "text_nuls.jsonl.gz"
    gzip_members(p, b"\0" * (64 << 20), 64, head)
    cases.append(("text then NULs (4 GiB)", p))
    p = tmp / "one_line.jsonl.gz"
    gzip_members(p, b"a" * (64 << 20), 64, head + b'{"id": "big", "text": "')
    cases.append(("one 4 GiB JSON line (gzip)", p))
    p = tmp / "newlines.jsonl.gz"
    gzip_members(p, b"\n" * (64 << 20), 64, head)
    cases.append(("newlines only (4 GiB, gzip)", p))
    p = tmp / "line.txt"
    with p.open("w") as fh:
        fh.write(QUESTION + "\n")
        for _ in range(200):
            fh.write("word " * 200_000)
        fh.write("\n")
    cases.append(("200 MB single-line text file", p))
    p = tmp / "record.jsonl"
    with p.open("w") as fh:
        fh.write(json.dumps({"text": QUESTION}) + "\n" + '{"id": "big", "text": "')
        for _ in range(200):
            fh.write("word " * 200_000)
        fh.write('"}\n')
    cases.append(("200 MB JSON-lines record", p))
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp / "value.parquet"
    pq.write_table(pa.table({"text": [QUESTION, "word " * (64 << 18)]}), p)
    cases.append(("parquet with a 64 MB value", p))
    return cases


def baseline_corpus(tmp: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).parent))
    from contamination_throughput import corpus_records, write

    p = tmp / "ordinary.jsonl"
    write(p, corpus_records(10))
    return p


def run_case(bench: str, train: Path, out: Path) -> tuple[int, float, float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "contamination", "-b", bench, "-t", str(train), "-o", str(out), "-j", "1", "-q"],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    kb = int(proc.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0])
    if proc.returncode == 0:
        rep = json.loads(out.read_text())
        codes = ", ".join(rep["training_problems"]["counts"]) or "-"
        what = f"{rep['status']} ({codes})"
    else:
        what = "refused: " + proc.stderr.splitlines()[0][:70]
    return proc.returncode, kb / 1024, wall, what


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        bench = tmp / "bench.jsonl"
        bench.write_text(json.dumps({"id": "q1", "text": QUESTION}) + "\n")
        _rc, base, wall, what = run_case(str(bench), baseline_corpus(tmp), tmp / "r.json")
        print(f"{'case':38} {'peak RSS':>10} {'x base':>7} {'seconds':>8}  result")
        print(f"{'ordinary 10 MB corpus (baseline)':38} {base:8.1f} MiB {1.0:7.2f} {wall:8.2f}  {what}")
        worst = 0.0
        for name, path in build(tmp):
            _rc, rss, wall, what = run_case(str(bench), path, tmp / "r.json")
            worst = max(worst, rss)
            print(f"{name:38} {rss:8.1f} MiB {rss / base:7.2f} {wall:8.2f}  {what}")
            path.unlink()
        print(f"worst peak RSS: {worst:.1f} MiB (goal < 1024 MiB)")


if __name__ == "__main__":
    main()
