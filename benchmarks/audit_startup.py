"""Whole-process time of `openaudit audit` on a local folder (goal <= 0.3 s with a bytecode cache on a
2-core machine).

Prints the median wall time of N runs of the real console entry point on a local model folder, the
median of a bare `python -c pass` baseline measured in the same run, and their ratio, plus which heavy
modules the audit process imported (must be none of torch, ray, datasketch, pyarrow, numpy).

Both figures are given twice when the environment sets PYTHONDONTWRITEBYTECODE: as the environment
runs (every module compiled from source on every start), and with a bytecode cache (a temporary
PYTHONPYCACHEPREFIX), which is how an installed openaudit runs (pip writes .pyc files at install).
It also says whether the pre-parsed copy of the shipped YAML (openaudit/data/shipped_yaml.json) is
current; when it is not, rebuild it with `python -m openaudit.resources`.

With ``--base REV`` (e.g. ``main``) the same audit of the tree at REV (exported with `git archive` into a
temporary folder, run with PYTHONPATH pointing there; nothing in the repository changes) is timed too,
interleaved run by run with this checkout's, both with a bytecode cache, and their ratio is printed: on
a shared machine only interleaved figures compare.

    python benchmarks/audit_startup.py [FOLDER] [--runs N] [--base REV]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/devdata.py
from devdata import minilm_dir

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 0.3

HEAVY = ("torch", "ray", "datasketch", "pyarrow", "numpy")


def default_folder() -> str:
    p = minilm_dir()
    if p is not None:
        return str(p)
    return str(REPO / "examples" / "restricted-weights")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def measure(audit_cmd: list[str], base_cmd: list[str], runs: int, env: dict[str, str] | None) -> tuple[float, float]:
    timed(audit_cmd, env)  # warm the file cache (and the bytecode cache, when there is one) once
    audit_t = statistics.median(timed(audit_cmd, env) for _ in range(runs))
    base_t = statistics.median(timed(base_cmd, env) for _ in range(runs))
    return audit_t, base_t


def report(label: str, audit_t: float, base_t: float, runs: int, cached: bool = True) -> None:
    print(f"{label}:")
    goal = f"  (goal <= {GOAL_S * 1000:.0f} ms: {'met' if audit_t <= GOAL_S else 'NOT met'})" if cached else ""
    print(f"  openaudit audit (median of {runs}): {audit_t * 1000:.0f} ms{goal}")
    print(f"  python -c pass baseline (median of {runs}): {base_t * 1000:.0f} ms")
    print(
        f"  ratio audit / interpreter start: {audit_t / base_t:.1f}x; audit work beyond start-up: {(audit_t - base_t) * 1000:.0f} ms"
    )


def compare(audit_cmd: list[str], rev: str, runs: int) -> None:
    """This checkout against the tree at ``rev``, interleaved, both with a bytecode cache."""
    with tempfile.TemporaryDirectory(prefix="openaudit-base-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
            tf.extractall(tree, filter="data")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs = {
            # both trees found the same way (PYTHONPATH), not one through the editable install's finder
            "this checkout": dict(env, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc-here"), PYTHONPATH=str(REPO)),
            rev: dict(env, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc-base"), PYTHONPATH=str(tree)),
        }
        for e in envs.values():  # warm the file and bytecode caches once each
            timed(audit_cmd, e)
        times: dict[str, list[float]] = {k: [] for k in envs}
        for _ in range(runs):
            for name, e in envs.items():
                times[name].append(timed(audit_cmd, e))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"interleaved with {rev} (median of {runs} each, bytecode cache):")
        for name, t in med.items():
            print(f"  {name}: {t * 1000:.0f} ms")
        print(f"  ratio this checkout / {rev}: {med['this checkout'] / med[rev]:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=default_folder())
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--base", help="also time the tree at this git revision, interleaved")
    a = ap.parse_args()
    py = sys.executable
    audit_cmd = [py, "-m", "openaudit", "audit", a.folder, "-f", "json", "-o", os.devnull]
    base_cmd = [py, "-c", "pass"]
    print(f"folder: {a.folder}")
    no_pyc = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    audit_t, base_t = measure(audit_cmd, base_cmd, a.runs, None)
    report(
        "as this environment runs"
        + (" (PYTHONDONTWRITEBYTECODE set: no .pyc, all compiled from source)" if no_pyc else ""),
        audit_t,
        base_t,
        a.runs,
        cached=not no_pyc,
    )
    if no_pyc:
        with tempfile.TemporaryDirectory(prefix="openaudit-pyc-") as pyc:
            env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            env["PYTHONPYCACHEPREFIX"] = pyc
            report("with a bytecode cache (as installed)", *measure(audit_cmd, base_cmd, a.runs, env), a.runs)
    probe_code = (
        "import sys\nfrom openaudit.cli.main import main\n"
        f"main(['audit', {a.folder!r}, '-f', 'json', '-o', {os.devnull!r}])\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    probe = subprocess.run([py, "-c", probe_code], check=False, capture_output=True, text=True)
    heavy = probe.stdout.strip().splitlines()[-1] if probe.stdout.strip() else ""
    print(f"heavy modules imported: {heavy or 'none'}")
    stale = subprocess.run(
        [py, "-c", "from openaudit.resources import stale_shipped_files as s; print(','.join(s()))"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(
        "pre-parsed shipped YAML: "
        + (f"STALE for {stale} (run: python -m openaudit.resources)" if stale else "current")
    )
    if a.base:
        compare(audit_cmd, a.base, a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
