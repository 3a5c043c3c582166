"""Bytes and requests of a Hub audit snapshot vs. what `huggingface_hub.snapshot_download` moves.

Starts the fake Hub (tests/fakehub) on 127.0.0.1 with a repo holding several GB of (virtual)
safetensors shards, resolves it with openaudit.sources.resolve and prints the figures. The
snapshot_download figure is COMPUTED from the repo's file sizes (downloading GBs from a test
server is pointless): every file's bytes. Its request count is MEASURED by downloading for real
a small variant of the repo with the same file layout (tiny shards).

Usage: python benchmarks/hub_transfer.py [--shards N] [--shard-gb G]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _point(endpoint: str, home: str) -> None:
    os.environ["HF_ENDPOINT"] = endpoint
    os.environ["HF_HOME"] = home
    os.environ.pop("HF_HUB_OFFLINE", None)
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    from huggingface_hub import constants

    constants.ENDPOINT = endpoint
    constants.HUGGINGFACE_CO_URL_TEMPLATE = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
    constants.HF_HUB_CACHE = os.path.join(home, "hub")
    constants.HF_TOKEN_PATH = os.path.join(home, "token")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--shard-gb", type=float, default=2.0)
    args = ap.parse_args()

    from fakehub.repos import big_repo
    from fakehub.server import FakeHub

    from openaudit.sources import resolve

    big = big_repo("acme/big-model", shards=args.shards, shard_gb=args.shard_gb)
    small = big_repo("acme/small-variant", shards=args.shards, shard_gb=0.0001)
    with FakeHub([big, small]) as hub, tempfile.TemporaryDirectory() as home:
        _point(hub.endpoint, home)
        t0 = time.perf_counter()
        snap = resolve("acme/big-model")
        dt = time.perf_counter() - t0
        repo_bytes = sum(f.size or 0 for f in snap.files)
        print(f"repo acme/big-model: {len(snap.files)} files, {repo_bytes / 1e9:.2f} GB "
              f"({args.shards} safetensors shards of {args.shard_gb} GB, virtual)")
        print(f"openaudit resolve: {snap.network.requests} requests, {snap.network.bytes} bytes "
              f"({snap.network.bytes / 1024:.1f} KiB) in {dt:.2f} s; "
              f"{len(snap.texts)} texts, {len(snap.safetensors_headers)} safetensors headers")

        # snapshot_download of the small variant for real, counting what the server saw
        from huggingface_hub import snapshot_download

        before = len(hub.log)
        snapshot_download("acme/small-variant")
        sd_requests = len(hub.log) - before
        small_files = len(small.files)
        print(f"snapshot_download (real, small variant with {small_files} files): {sd_requests} requests")
        print(f"snapshot_download of acme/big-model: {sd_requests} requests (measured on the small variant, "
              f"same file layout), {repo_bytes} bytes (COMPUTED from the file sizes, not downloaded)")
        print(f"ratio bytes snapshot_download / openaudit: {repo_bytes / max(1, snap.network.bytes):,.0f}x")
        print(f"openaudit bytes per GB of weights: {snap.network.bytes / (repo_bytes / 1e9):,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
