"""Probe registry: named yes/no questions over collected facts.

A probe is a function ``(ctx: ProbeContext) -> Finding``. It is registered with ``@probe("id")``;
the id must be in ``openaudit.probes.catalog.CATALOG``. ``run_probes`` runs them all: a probe that
raises becomes an ``error`` finding (the audit goes on).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from openaudit.model import Evidence, Finding, Outcome, Snapshot
from openaudit.probes.catalog import CATALOG


@dataclass(frozen=True)
class ProbeContext:
    snapshot: Snapshot
    facts: Mapping[str, Any]  # area -> facts object from openaudit.collect (card, license, weights, ...)
    extra: Mapping[str, Any] = field(default_factory=dict)  # optional heavy results: contamination, verification


ProbeFn = Callable[[ProbeContext], Finding]
_REGISTRY: dict[str, ProbeFn] = {}


def probe(probe_id: str) -> Callable[[ProbeFn], ProbeFn]:
    if probe_id not in CATALOG:
        raise KeyError(f"probe id {probe_id!r} is not in the catalogue")

    def deco(fn: ProbeFn) -> ProbeFn:
        if probe_id in _REGISTRY and _REGISTRY[probe_id] is not fn:
            raise KeyError(f"probe id {probe_id!r} registered twice")
        _REGISTRY[probe_id] = fn
        return fn

    return deco


def registered() -> dict[str, ProbeFn]:
    return dict(_REGISTRY)


def run_probes(ctx: ProbeContext, only: set[str] | None = None) -> dict[str, Finding]:
    """Run every registered probe (or those in ``only``) in catalogue order."""
    out: dict[str, Finding] = {}
    for pid in CATALOG:
        fn = _REGISTRY.get(pid)
        if fn is None or (only is not None and pid not in only):
            continue
        try:
            f = fn(ctx)
            if f.probe != pid:
                raise ValueError(f"probe returned a finding for {f.probe!r}")
        except Exception as exc:  # a crashing probe is an error finding, not an aborted audit
            f = Finding(
                probe=pid,
                outcome=Outcome.ERROR,
                message=f"probe failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}",
                evidence=(Evidence(kind="note", snippet=type(exc).__name__),),
            )
        out[pid] = f
    return out
