"""Probe registry: named yes/no questions over collected facts, registered where they are written.

A probe is a function ``(ctx: ProbeContext) -> Finding`` decorated with
``@probe("license.open", dimension="license", question="Is the weights' license ...?")``: the id, its
home dimension in the default rubric and the question it answers live next to the code. Importing
``openaudit.probes`` imports every probe module, so the catalogue is complete at import; registering
an id twice, or with an unknown dimension, raises :class:`ProbeRegistryError` at import time.

A probe that answers from the model card says so (``card="training datasets"``): it runs only when the
card can be read; without a card it is FAIL, with an unreadable one NOT_AVAILABLE
(``collect.findings.card_unavailable``), decided here once for all such probes.

``catalog()`` is derived from the registrations (id -> :class:`ProbeSpec`), ordered by id group
(license, weights, code, data, repro, docs) and, within a group, by registration order.
``run_probes`` runs them all: a probe that raises becomes an ``error`` finding (the audit goes on).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openaudit.collect.findings import card_unavailable
from openaudit.model import Evidence, Finding, Outcome, Snapshot

DIMENSIONS = ("license", "weights", "code", "data", "reproducibility", "documentation")
_GROUPS = ("license", "weights", "code", "data", "repro", "docs")  # catalogue order of the id prefixes


class ProbeRegistryError(Exception):
    """A probe registered twice, with a malformed id or an unknown dimension: a programming error,
    raised when the probe module is imported (never silently dropped)."""


@dataclass(frozen=True)
class ProbeSpec:
    id: str
    dimension: str  # the probe's home dimension in the default rubric
    question: str  # the yes/no question the probe answers (rubric show, SARIF rules)


@dataclass(frozen=True)
class ProbeContext:
    snapshot: Snapshot
    facts: Mapping[str, Any]  # area -> facts object from openaudit.collect (card, license, weights, ...)
    extra: Mapping[str, Any] = field(default_factory=dict)  # optional heavy results: contamination, verification


ProbeFn = Callable[[ProbeContext], Finding]


class Registry:
    """Probe id -> (spec, function). One global instance (``REGISTRY``) holds the shipped probes."""

    def __init__(self) -> None:
        self._probes: dict[str, tuple[ProbeSpec, ProbeFn]] = {}

    def register(self, spec: ProbeSpec, fn: ProbeFn) -> None:
        group = spec.id.split(".", 1)[0]
        if "." not in spec.id or group not in _GROUPS:
            raise ProbeRegistryError(
                f"probe id {spec.id!r} must be '<group>.<name>' with a group in {', '.join(_GROUPS)}"
            )
        if spec.dimension not in DIMENSIONS:
            raise ProbeRegistryError(
                f"probe {spec.id!r}: unknown dimension {spec.dimension!r} (one of: {', '.join(DIMENSIONS)})"
            )
        if not spec.question.strip():
            raise ProbeRegistryError(f"probe {spec.id!r}: a question is required")
        old = self._probes.get(spec.id)
        if old is not None:
            raise ProbeRegistryError(f"probe id {spec.id!r} registered twice ({_where(old[1])} and {_where(fn)})")
        self._probes[spec.id] = (spec, fn)

    def catalog(self) -> dict[str, ProbeSpec]:
        order = sorted(
            self._probes, key=lambda pid: _GROUPS.index(pid.split(".", 1)[0])
        )  # stable: registration order within a group
        return {pid: self._probes[pid][0] for pid in order}

    def functions(self) -> dict[str, ProbeFn]:
        return {pid: self._probes[pid][1] for pid in self.catalog()}


def _where(fn: ProbeFn) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"


REGISTRY = Registry()


def probe(probe_id: str, *, dimension: str, question: str, card: str | None = None) -> Callable[[ProbeFn], ProbeFn]:
    """Register the decorated function as probe ``probe_id`` with its metadata. ``card``: what the
    probe looks for in the model card ("training datasets"); the function then runs only on a card
    that exists and could be read (see the module docstring)."""

    def deco(fn: ProbeFn) -> ProbeFn:
        if card is not None:
            fn = _card_gated(probe_id, card, fn)
        REGISTRY.register(ProbeSpec(probe_id, dimension, question), fn)
        return fn

    return deco


def _card_gated(probe_id: str, what: str, fn: ProbeFn) -> ProbeFn:
    @functools.wraps(fn)
    def gated(ctx: ProbeContext) -> Finding:
        return card_unavailable(probe_id, ctx.facts, what) or fn(ctx)

    return gated


def registered() -> dict[str, ProbeFn]:
    return REGISTRY.functions()


def catalog() -> dict[str, ProbeSpec]:
    return REGISTRY.catalog()


def run_probes(ctx: ProbeContext, only: set[str] | None = None) -> dict[str, Finding]:
    """Run every registered probe (or those in ``only``) in catalogue order."""
    out: dict[str, Finding] = {}
    for pid, fn in registered().items():
        if only is not None and pid not in only:
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
