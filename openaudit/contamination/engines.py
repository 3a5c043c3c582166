"""Engines that run ``scan_shard`` over every shard: a local process pool, or Ray.

Both call the same pure shard function and return results in shard order, so their outputs are
identical. Ray is an optional extra, imported only when ``engine="ray"`` is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from openaudit.contamination.index import BenchIndex
from openaudit.contamination.readers import Shard
from openaudit.contamination.scan import ScanOptions, scan_shard
from openaudit.errors import OpenAuditError, UsageError

ENGINES = ("local", "ray")
_WORKER_INDEX: BenchIndex | None = None


def _init_worker(index: BenchIndex) -> None:
    global _WORKER_INDEX
    _WORKER_INDEX = index


def _run_in_worker(shard: Shard, options: ScanOptions) -> dict[str, Any]:
    assert _WORKER_INDEX is not None
    return scan_shard(_WORKER_INDEX, shard, options)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_local(
    index: BenchIndex, shards: list[Shard], options: ScanOptions, workers: int | None
) -> list[dict[str, Any]]:
    n = min(workers or default_workers(), len(shards))
    if n <= 1:
        return [scan_shard(index, s, options) for s in shards]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker, initargs=(index,)) as ex:
        return list(ex.map(_run_in_worker, shards, [options] * len(shards)))


@contextlib.contextmanager
def _ray_logs_silenced(quiet: bool) -> Iterator[None]:
    """With -q: Ray's own warnings while it starts (e.g. its token-authentication banner) are
    not shown. Only Ray's loggers are raised to ERROR, and only for the call; its settings (token
    authentication stays as Ray chooses) are untouched."""
    if not quiet:
        yield
        return
    ray_logger = logging.getLogger("ray")
    before = ray_logger.level
    ray_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        ray_logger.setLevel(before)


def run_ray(
    index: BenchIndex, shards: list[Shard], options: ScanOptions, workers: int | None, quiet: bool = False
) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise UsageError("--engine ray needs Ray: pip install 'openaudit[ray]'") from None
    started = False
    if not ray.is_initialized():
        with _ray_logs_silenced(quiet):
            ray.init(
                num_cpus=workers or default_workers(),
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
                logging_level=logging.ERROR if quiet else logging.INFO,
            )
        started = True
    try:
        remote = ray.remote(scan_shard)
        ref = ray.put(index)
        try:
            return ray.get([remote.remote(ref, s, options) for s in shards])
        except Exception as exc:  # a RayTaskError wraps the worker's exception
            cause = getattr(exc, "cause", None)
            if isinstance(cause, OpenAuditError):
                raise cause from None
            raise
    finally:
        if started:
            with _ray_logs_silenced(quiet):
                ray.shutdown()


def run_shards(
    index: BenchIndex,
    shards: list[Shard],
    options: ScanOptions,
    *,
    engine: str = "local",
    workers: int | None = None,
    quiet: bool = False,
) -> list[dict[str, Any]]:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if engine == "ray":
        return run_ray(index, shards, options, workers, quiet)
    return run_local(index, shards, options, workers)
