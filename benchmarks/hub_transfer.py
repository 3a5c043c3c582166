"""Bytes and requests of a Hub audit snapshot vs. what `huggingface_hub.snapshot_download` moves.

Starts the fake Hub (tests/fakehub) on 127.0.0.1 with a repo holding several GB of (virtual)
safetensors shards, resolves it with openaudit.sources.resolve and prints the figures. The
snapshot_download figure is COMPUTED from the repo's file sizes (downloading GBs from a test
server is pointless): every file's bytes. Its request count is MEASURED by downloading for real
a small variant of the repo with the same file layout (tiny shards).

It then measures what following the card's links costs (tests/fakegithub on 127.0.0.1 serving the
GitHub API, arXiv and DOI): requests and bytes of the same audit with and without links, and of a
re-run, which the lookup cache answers with 0 link requests.

Usage: python benchmarks/hub_transfer.py [--shards N] [--shard-gb G] [--repo-files F]
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


def _point(endpoint: str, home: str):
    """Point huggingface_hub at the fake Hub, the caches under ``home`` (tests/fakehub/env.py)."""
    from _pytest.monkeypatch import MonkeyPatch
    from fakehub.env import point_hf_at

    mp = MonkeyPatch()
    point_hf_at(mp, endpoint, Path(home))
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()
    return mp


def links_figures(hub, home: str, n_files: int) -> None:
    """Cost of following a card's links: one GitHub repository of ``n_files`` files, two papers, one
    declared dataset; then a re-run (lookup cache)."""
    from fakegithub.server import FakeGitHub, GHRepo
    from fakehub.datasets import FakeDataset
    from fakehub.env import LINK_BASES
    from fakehub.server import FakeRepo

    from openaudit.sources import resolve

    files = {f"src/module_{i:05d}.py": b"x = 1\n" for i in range(n_files)}
    files.update(
        {"README.md": b"# trainer\ntraining code\n", "train.py": b"", "data/prepare.py": b"", "eval/run.py": b""}
    )
    with FakeGitHub() as gh:
        for var in LINK_BASES:
            os.environ[var] = gh.endpoint
        gh.add(GHRepo("acme/trainer", files))
        gh.arxiv.add("2401.00001")
        gh.dois["10.1234/abc"] = "https://publisher.example/abc"
        hub.add_dataset(FakeDataset("acme/corpus", card_data={"license": "odc-by"}))
        card = (
            b"---\nlicense: apache-2.0\ndatasets: [acme/corpus]\n---\n# m\nCode: https://github.com/acme/trainer\n"
            b"Paper: arXiv:2401.00001, doi:10.1234/abc\n"
        )
        hub.add(FakeRepo("acme/linked", {"README.md": card, "config.json": b"{}"}))
        os.environ["OPENAUDIT_CACHE_TTL"] = "0"  # the baseline neither reads nor fills the lookup cache
        bare = resolve("acme/linked", follow_links=False)
        del os.environ["OPENAUDIT_CACHE_TTL"]
        t0 = time.perf_counter()
        first = resolve("acme/linked")
        dt = time.perf_counter() - t0
        second = resolve("acme/linked")
        link_req = sum(link.requests for link in first.links)
        print(
            f"links: {len(first.links)} followed ({', '.join(sorted({link.status.value for link in first.links}))}); "
            f"GitHub tree of {len(files)} files"
        )
        print(f"audit without links: {bare.network.requests} requests, {bare.network.bytes} bytes")
        print(
            f"audit with links:    {first.network.requests} requests, {first.network.bytes} bytes in {dt:.2f} s "
            f"(+{first.network.requests - bare.network.requests} requests, "
            f"+{first.network.bytes - bare.network.bytes} bytes; link lookups counted {link_req})"
        )
        print(
            f"re-run (lookup cache): {sum(link.requests for link in second.links)} link requests, "
            f"{second.network.requests} requests in all (the declared-dataset lookup is cached too)"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--shard-gb", type=float, default=2.0)
    ap.add_argument("--repo-files", type=int, default=5000, help="files in the linked GitHub repository")
    args = ap.parse_args()

    from fakehub.repos import big_repo
    from fakehub.server import FakeHub

    from openaudit.sources import resolve

    big = big_repo("acme/big-model", shards=args.shards, shard_gb=args.shard_gb)
    small = big_repo("acme/small-variant", shards=args.shards, shard_gb=0.0001)
    with FakeHub([big, small]) as hub, tempfile.TemporaryDirectory() as home:
        mp = _point(hub.endpoint, home)
        t0 = time.perf_counter()
        snap = resolve("acme/big-model")
        dt = time.perf_counter() - t0
        repo_bytes = sum(f.size or 0 for f in snap.files)
        print(
            f"repo acme/big-model: {len(snap.files)} files, {repo_bytes / 1e9:.2f} GB "
            f"({args.shards} safetensors shards of {args.shard_gb} GB, virtual)"
        )
        print(
            f"openaudit resolve: {snap.network.requests} requests, {snap.network.bytes} bytes "
            f"({snap.network.bytes / 1024:.1f} KiB) in {dt:.2f} s; "
            f"{len(snap.texts)} texts, {len(snap.safetensors_headers)} safetensors headers"
        )

        # snapshot_download of the small variant for real, counting what the server saw
        from huggingface_hub import snapshot_download

        before = len(hub.log)
        snapshot_download("acme/small-variant")
        sd_requests = len(hub.log) - before
        small_files = len(small.files)
        print(f"snapshot_download (real, small variant with {small_files} files): {sd_requests} requests")
        print(
            f"snapshot_download of acme/big-model: {sd_requests} requests (measured on the small variant, "
            f"same file layout), {repo_bytes} bytes (COMPUTED from the file sizes, not downloaded)"
        )
        print(f"ratio bytes snapshot_download / openaudit: {repo_bytes / max(1, snap.network.bytes):,.0f}x")
        print(f"openaudit bytes per GB of weights: {snap.network.bytes / (repo_bytes / 1e9):,.0f}")
        links_figures(hub, home, args.repo_files)
        mp.undo()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
