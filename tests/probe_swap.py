"""Run other functions for registered probes while a block runs (test code: a crashing probe). The
registry offers no way to replace a registered probe; this reaches into it on purpose."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from openaudit.probes.registry import REGISTRY, ProbeFn, ProbeRegistryError


@contextlib.contextmanager
def swapped(fns: Mapping[str, ProbeFn]) -> Iterator[None]:
    probes = REGISTRY._probes
    unknown = [pid for pid in fns if pid not in probes]
    if unknown:
        raise ProbeRegistryError(f"not registered: {', '.join(unknown)}")
    saved = {pid: probes[pid] for pid in fns}
    try:
        for pid, fn in fns.items():
            probes[pid] = (probes[pid][0], fn)
        yield
    finally:
        probes.update(saved)
