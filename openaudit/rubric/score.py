"""Scoring (pure): findings + a score rubric -> dimension results and an overall score and grade.

score(dimension) = 10 * sum(weight * credit) / sum(weight of criteria whose finding counts or errored)
   (counts = pass / fail / partial; an ERROR finding scores as a fail; None when nothing counts)
confidence(dimension) = observed weight / total weight (observed = pass / fail / partial)
overall = weighted mean of the dimension scores that are not None (weights from ``overall.weights``),
overall confidence = weighted mean of the dimension confidences.
not_available / not_applicable never lower a score, only the confidence. A failed check never
improves a verdict: an ERROR lowers the confidence AND counts as a fail for the score, so a probe
that crashes can never lift a dimension above what the same probe failing would give. Dimensions
with errors or unrun probes are marked (``errors``, ``unrun``, ``unverified``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openaudit.errors import UnknownRubric
from openaudit.model import DimensionResult, Evidence, Finding, Outcome
from openaudit.rubric.load import rubric_info
from openaudit.rubric.types import Dimension, Rubric

__all__ = ["ScoreResult", "missing_finding", "rubric_info", "score", "score_dimension"]


@dataclass(frozen=True)
class ScoreResult:
    dimensions: tuple[DimensionResult, ...]
    overall: Mapping[str, Any]  # {score, grade, confidence}

    def to_dict(self) -> dict[str, Any]:
        return {"dimensions": [d.to_dict() for d in self.dimensions], "overall": dict(self.overall)}


def missing_finding(probe: str) -> Finding:
    """Stand-in for a probe the rubric names but that produced no finding (not run / not built)."""
    return Finding(
        probe=probe,
        outcome=Outcome.NOT_AVAILABLE,
        message="no finding: the probe did not run in this audit",
        evidence=(Evidence(kind="note", snippet="probe not run"),),
    )


def score_dimension(dim: Dimension, findings: Mapping[str, Finding], rubric: Rubric) -> DimensionResult:
    earned = observed = scored = total = 0.0
    used: list[Finding] = []
    errors: list[str] = []
    unrun: list[str] = []
    for crit in dim.criteria:
        f = findings.get(crit.probe)
        if f is None:
            unrun.append(crit.probe)
            f = missing_finding(crit.probe)
        used.append(f)
        total += crit.weight
        if f.outcome is Outcome.ERROR:
            errors.append(crit.probe)
            scored += crit.weight  # a crash scores like a fail (credit 0) but is not an observation
            continue
        credit = f.credit
        if credit is None:
            continue
        observed += crit.weight
        scored += crit.weight
        earned += crit.weight * credit
    value = None if scored <= 0 else 10.0 * earned / scored
    return DimensionResult(
        id=dim.id,
        name=dim.name,
        score=value,
        grade=rubric.grade_for(value),
        confidence=0.0 if total <= 0 else observed / total,
        findings=tuple(used),
        errors=tuple(errors),
        unrun=tuple(unrun),
    )


def score(rubric: Rubric, findings: Mapping[str, Finding]) -> ScoreResult:
    """Score ``findings`` (probe id -> Finding) with a ``kind: score`` rubric."""
    if rubric.kind != "score":
        raise UnknownRubric(
            f"{rubric.path}: $.kind: rubric {rubric.id!r} is a {rubric.kind} mapping, not a scoring rubric"
        )
    dims = tuple(score_dimension(d, findings, rubric) for d in rubric.dimensions)
    weights = rubric.overall_weights or {}
    num = den = conf_num = conf_den = 0.0
    for d in dims:
        w = weights.get(d.id, 0.0)
        conf_num += w * d.confidence
        conf_den += w
        if d.score is not None and w > 0:
            num += w * d.score
            den += w
    overall_score = None if den <= 0 else num / den
    overall: dict[str, Any] = {
        "score": None if overall_score is None else round(overall_score, 2),
        "grade": rubric.grade_for(None if overall_score is None else round(overall_score, 2)),
        "confidence": round(conf_num / conf_den, 3) if conf_den > 0 else 0.0,
    }
    errors = [p for d in dims for p in d.errors]
    if errors:
        overall["errors"] = errors
    if any(d.unverified for d in dims):
        overall["unverified"] = True
    return ScoreResult(dimensions=dims, overall=overall)
