"""Rubric data as frozen objects (built by openaudit.rubric.load from validated YAML)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Criterion:
    probe: str
    weight: float
    note: str | None = None


@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    criteria: tuple[Criterion, ...]
    description: str | None = None


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min: float


@dataclass(frozen=True)
class Rubric:
    """A scoring rubric (``kind == "score"``: dimensions, grades, overall weights) or a framework
    mapping (``kind`` ``framework-mof|framework-osaid|framework-osai``: ``frameworks`` holds the
    validated mapping section as plain data)."""

    id: str
    name: str
    version: str
    kind: str
    description: str
    path: str
    sha256: str
    dimensions: tuple[Dimension, ...] = ()
    grades: tuple[GradeBand, ...] = ()  # sorted by min, highest first
    overall_weights: Mapping[str, float] | None = None
    frameworks: Mapping[str, Any] | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()

    def probes(self) -> list[str]:
        """Every probe id the rubric names, in order of first appearance."""
        seen: dict[str, None] = {}
        for d in self.dimensions:
            for c in d.criteria:
                seen.setdefault(c.probe)
        for pid in _framework_probes(self.frameworks or {}):
            seen.setdefault(pid)
        return list(seen)

    def grade_for(self, score: float | None) -> str | None:
        if score is None:
            return None
        for band in self.grades:
            if score >= band.min - 1e-9:
                return band.grade
        return None


def _framework_probes(obj: Any) -> list[str]:
    """Probe ids in a framework section: values of ``probe`` keys and of all_of/any_of lists."""
    out: list[str] = []
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k == "probe" and isinstance(v, str):
                out.append(v)
            elif k in ("all_of", "any_of") and isinstance(v, list):
                out.extend(x for x in v if isinstance(x, str))
            else:
                out.extend(_framework_probes(v))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(_framework_probes(v))
    return out


def framework_probe_paths(obj: Any, parts: list[Any] | None = None) -> list[tuple[list[Any], str]]:
    """(JSON path parts, probe id) for each probe named in a framework section (for error messages)."""
    parts = parts or []
    out: list[tuple[list[Any], str]] = []
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k == "probe" and isinstance(v, str):
                out.append((parts + [k], v))
            elif k in ("all_of", "any_of") and isinstance(v, list):
                out.extend((parts + [k, i], x) for i, x in enumerate(v) if isinstance(x, str))
            else:
                out.extend(framework_probe_paths(v, parts + [k]))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(framework_probe_paths(v, parts + [i]))
    return out
