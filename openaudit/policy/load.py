"""Load a policy file (rubrics/schema/policy.schema.json): unknown keys, bad values and unknown probe
ids are InvalidDocument errors naming the file, JSON path and reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openaudit.errors import InvalidPolicy
from openaudit.probes import CATALOG, DIMENSIONS
from openaudit.resources import schema
from openaudit.rubric.docload import invalid as _invalid
from openaudit.rubric.docload import json_path, load_document


def invalid(source: str, path: str, reason: str) -> InvalidPolicy:
    return _invalid(source, path, reason, InvalidPolicy)  # type: ignore[return-value]


@dataclass(frozen=True)
class Policy:
    name: str
    path: str
    sha256: str
    description: str = ""
    min_overall_score: float | None = None
    min_dimension_scores: Mapping[str, float] = field(default_factory=dict)
    required_probes_pass: tuple[str, ...] = ()
    forbid_outcomes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    license_allow: tuple[str, ...] = ()
    license_deny: tuple[str, ...] = ()
    require_commercial_use: bool = False
    accept_conditional_commercial_use: bool = False  # e.g. Llama: commercial unless > 700M monthly users
    min_mof_class: str | None = None
    require_osaid: bool = False
    require_osai: Mapping[str, str] = field(default_factory=dict)
    max_contamination_rate: float | None = None
    require_verification: tuple[str, ...] = ()
    fail_on_error: bool = False  # any probe with outcome error is a violation
    min_confidence: float | None = None  # overall confidence below this is a violation
    treat_not_available_as: str = "unverified"  # pass | fail | unverified


def _check_probes(data: Mapping[str, Any], source: str) -> None:
    for i, pid in enumerate(data.get("required_probes_pass", [])):
        if pid not in CATALOG:
            raise invalid(source, json_path(["required_probes_pass", i]), f"unknown probe id {pid!r}")
    for pid in data.get("forbid_outcomes", {}):
        if pid not in CATALOG:
            raise invalid(source, json_path(["forbid_outcomes", pid]), f"unknown probe id {pid!r}")
    for dim in data.get("min_dimension_scores", {}):
        if dim not in DIMENSIONS:
            raise invalid(
                source,
                json_path(["min_dimension_scores", dim]),
                f"unknown dimension {dim!r} (one of: {', '.join(DIMENSIONS)})",
            )
    lic = data.get("license", {})
    both = {x.lower() for x in lic.get("allow", [])} & {x.lower() for x in lic.get("deny", [])}
    if both:
        raise invalid(source, "$.license", f"{sorted(both)[0]!r} is both allowed and denied")


def policy_from_data(data: Mapping[str, Any], source: str, sha256: str = "") -> Policy:
    _check_probes(data, source)
    lic = data.get("license", {})
    return Policy(
        name=data["name"],
        path=source,
        sha256=sha256,
        description=data.get("description", ""),
        min_overall_score=data.get("min_overall_score"),
        min_dimension_scores=dict(data.get("min_dimension_scores", {})),
        required_probes_pass=tuple(data.get("required_probes_pass", ())),
        forbid_outcomes={k: tuple(v) for k, v in data.get("forbid_outcomes", {}).items()},
        license_allow=tuple(lic.get("allow", ())),
        license_deny=tuple(lic.get("deny", ())),
        require_commercial_use=bool(data.get("require_commercial_use", False)),
        accept_conditional_commercial_use=bool(data.get("accept_conditional_commercial_use", False)),
        min_mof_class=data.get("min_mof_class"),
        require_osaid=bool(data.get("require_osaid", False)),
        require_osai=dict(data.get("require_osai", {})),
        max_contamination_rate=data.get("max_contamination_rate"),
        require_verification=tuple(data.get("require_verification", ())),
        fail_on_error=bool(data.get("fail_on_error", False)),
        min_confidence=data.get("min_confidence"),
        treat_not_available_as=data.get("treat_not_available_as", "unverified"),
    )


def load_policy(path: str | Path) -> Policy:
    """Load and validate a policy YAML file. Raises InvalidDocument (file, JSON path, reason)."""
    doc = load_document(path, schema("policy"), err=InvalidPolicy)
    return policy_from_data(doc.data, doc.path, doc.sha256)
