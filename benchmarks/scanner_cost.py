"""Scanner cost per GB on genuine models, before (the `main` branch) and after (this checkout), and
peak memory on big hostile inputs (goal: genuine models stay fast; RSS < 1 GiB on hostile cases).

What is timed is what a local audit pays per file: ``openaudit.sources.local.read_folder`` on a folder
holding one genuine file (a torch zip checkpoint, a safetensors file, a numpy .npy) — listing, the
byte sniff, the pickle scan or the safetensors header, everything but the card/collect stages. Each
tree runs in its own subprocess (median of N runs, file cache warm), so both are measured by the same
script in the same run on the same files. `main` is exported with `git archive main` into a temporary
folder (nothing in the repository is changed).

Then each big hostile case is audited end to end (``openaudit.api.audit``) in a subprocess of this
checkout and its peak RSS (``ru_maxrss``) and time are printed.

    python benchmarks/scanner_cost.py [--mb 256] [--runs 3] [--base main] [--skip-hostile]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

_TIMER = r"""
import json, statistics, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from openaudit.model import SourceKind, Target
from openaudit.sources.local import read_folder
folder, runs = Path(sys.argv[2]), int(sys.argv[3])
times = []
for _ in range(runs + 1):
    t = time.perf_counter()
    snap = read_folder(folder, Target(id="b", source=SourceKind.LOCAL, path=str(folder)))
    times.append(time.perf_counter() - t)
scan = next(iter(snap.scans.values()), {}) if snap.scans else {}
print(json.dumps({"median": statistics.median(times[1:]), "status": scan.get("status", "header" if snap.safetensors_headers else "-")}))
"""

_AUDIT = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from openaudit import api
t = time.perf_counter()
rep = api.audit(sys.argv[2], timestamp=False)
w = next(f for d in rep["dimensions"] for f in d["findings"] if f["probe"] == "weights.no_dangerous_pickles")
# VmHWM: this process's own peak RSS (ru_maxrss would report the parent's peak inherited at fork)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - t, "rss_mib": hwm / 1024, "outcome": w["outcome"]}))
"""


def make_genuine(root: Path, mb: int) -> dict[str, Path]:
    import numpy as np
    import torch
    from safetensors.torch import save_file

    n = mb * 1024 * 1024 // 4
    rows = 1024
    tensors = {f"layer{i}.weight": torch.randn(rows, n // rows // 8) for i in range(8)}
    out = {}
    for name, write in (
        ("torch-zip", lambda p: torch.save(tensors, p / "pytorch_model.bin")),
        ("safetensors", lambda p: save_file(tensors, str(p / "model.safetensors"))),
        ("numpy", lambda p: np.save(p / "emb.npy", np.random.rand(n // 2).astype(np.float64))),
    ):
        folder = root / name
        folder.mkdir(parents=True)
        write(folder)
        out[name] = folder
    return out


def export_base(ref: str, dest: Path) -> Path | None:
    try:
        data = subprocess.run(
            ["git", "-C", str(HERE), "archive", ref, "openaudit", "rubrics"], check=True, capture_output=True
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"cannot export {ref}: {exc}")
        return None
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        t.extractall(dest, filter="data")
    return dest


def time_tree(tree: Path, folder: Path, runs: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _TIMER, str(tree), str(folder), str(runs)], capture_output=True, text=True
    )
    if proc.returncode:
        return {"median": float("nan"), "status": "error: " + proc.stderr.strip().splitlines()[-1][:80]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def make_hostile(root: Path) -> dict[str, Path]:
    """Big hostile inputs for the memory figures (sparse where possible: little disk used)."""
    cases: dict[str, Path] = {}

    def case(name: str) -> Path:
        p = root / name
        p.mkdir(parents=True)
        (p / "README.md").write_text("---\nlicense: mit\n---\n# m\n")
        cases[name] = p
        return p

    with open(case("sparse_8gib_bin") / "pytorch_model.bin", "wb") as f:
        f.truncate(8 << 30)
    with open(case("memo_flood_clean") / "model.pkl", "wb") as f:  # 4.9 M MEMOIZE: a valid, clean pickle
        f.write(b"\x80\x04N" + b"\x94" * 4_900_000 + b".")
    with open(case("gzip_bomb_pickle") / "model.joblib", "wb") as f:  # ~2 MB -> 2 GiB of opcodes
        comp = zlib_stream(b"\x80\x02]" + b"Na" * (1 << 20), repeats=1100)
        f.write(comp)
    with open(case("gzip_of_nuls") / "train.bin", "wb") as f:
        f.write(zlib_stream(b"\x00" * (1 << 20), repeats=4096))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"\x80\x02" + b"N0" * (200 << 20) + b"N.")
    (case("zip_bomb") / "pytorch_model.bin").write_bytes(buf.getvalue())
    with tarfile.open(case("tar_huge_member") / "model.nemo", "w") as t:
        ti = tarfile.TarInfo("model_weights.ckpt")
        ti.size = 600 << 20
        t.addfile(ti, io.BytesIO(b"\x80\x02S'" + b"a" * (ti.size - 7) + b"'\n."))
    many = case("many_files")
    for i in range(20_000):
        (many / f"f{i:05d}.txt").write_bytes(b"x")
    return cases


def zlib_stream(block: bytes, repeats: int) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as g:
        for _ in range(repeats):
            g.write(block)
    return out.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=256, help="size of each genuine file (MB)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--base", default="main", help="git ref measured as 'before'")
    ap.add_argument("--skip-hostile", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="scanner-cost-") as tmp:
        tmp_p = Path(tmp)
        base = export_base(args.base, tmp_p / "base")
        files = make_genuine(tmp_p / "genuine", args.mb)
        print(f"scanner cost per GB (read_folder on one genuine file, median of {args.runs}, warm cache)")
        print(
            f"{'file':12s} {'size MB':>8s} {'before s/GB':>12s} {'after s/GB':>11s} {'after/before':>13s}  status before -> after"
        )
        for name, folder in files.items():
            gb = folder_bytes(folder) / 1e9
            before = time_tree(base, folder, args.runs) if base else {"median": float("nan"), "status": "-"}
            after = time_tree(HERE, folder, args.runs)
            ratio = (
                after["median"] / before["median"]
                if before["median"] == before["median"] and before["median"] > 0
                else float("nan")
            )
            print(
                f"{name:12s} {gb * 1000:8.0f} {before['median'] / gb:12.3f} {after['median'] / gb:11.3f} {ratio:13.2f}  "
                f"{before['status']} -> {after['status']}"
            )
        if args.skip_hostile:
            return 0
        print("\nhostile inputs, audited end to end (this checkout): peak RSS and time")
        for name, folder in make_hostile(tmp_p / "hostile").items():
            proc = subprocess.run(
                [sys.executable, "-c", _AUDIT, str(HERE), str(folder)], capture_output=True, text=True
            )
            if proc.returncode:
                print(f"  {name:20s} ERROR {proc.stderr.strip().splitlines()[-1][:120]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(
                f"  {name:20s} {r['rss_mib']:7.0f} MiB  {r['seconds']:6.1f} s  weights.no_dangerous_pickles: {r['outcome']}"
                f"  (goal < 1024 MiB: {'met' if r['rss_mib'] < 1024 else 'NOT met'})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
