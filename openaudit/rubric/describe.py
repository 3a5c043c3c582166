"""Plain-data descriptions of rubrics for `openaudit rubric list|show` (no rendering here)."""

from __future__ import annotations

from typing import Any

from openaudit.probes import CATALOG
from openaudit.rubric.load import load_rubric, load_rubric_file, shipped_rubric_files
from openaudit.rubric.types import Rubric


def _question(pid: str) -> str:
    spec = CATALOG.get(pid)
    return spec.question if spec else ""


def list_rubrics() -> list[dict[str, Any]]:
    """id / kind / version / description / file of every shipped rubric."""
    out = []
    for p in shipped_rubric_files():
        r = load_rubric_file(p)
        out.append(
            {
                "name": p.stem,
                "id": r.id,
                "kind": r.kind,
                "version": r.version,
                "description": r.description,
                "file": p.name,
            }
        )
    return out


def _req(req: Any) -> dict[str, Any]:
    return {k: [{"probe": p, "question": _question(p)} for p in v] for k, v in (req or {}).items()}


def describe(rubric: Rubric) -> dict[str, Any]:
    """Everything `rubric show` prints: dimensions/criteria with probe questions and weights, grades,
    overall weights, or the framework items with their probes."""
    d: dict[str, Any] = {
        "id": rubric.id,
        "name": rubric.name,
        "kind": rubric.kind,
        "version": rubric.version,
        "description": rubric.description,
        "sha256": rubric.sha256,
        "path": rubric.path,
    }
    if rubric.source:
        d["source"] = rubric.source
    if rubric.notes:
        d["notes"] = list(rubric.notes)
    if rubric.kind == "score":
        d["dimensions"] = [
            {
                "id": x.id,
                "name": x.name,
                "weight": (rubric.overall_weights or {}).get(x.id, 0.0),
                "criteria": [
                    {
                        "probe": c.probe,
                        "weight": c.weight,
                        "question": _question(c.probe),
                        **({"note": c.note} if c.note else {}),
                    }
                    for c in x.criteria
                ],
            }
            for x in rubric.dimensions
        ]
        d["grades"] = [{"grade": g.grade, "min": g.min} for g in rubric.grades]
        return d
    fw = rubric.frameworks or {}
    if "mof" in fw:
        d["classes"] = fw["mof"]["classes"]
        d["components"] = [
            {
                "id": c["id"],
                "name": c["name"],
                "class": c["class"],
                "type": c.get("type"),
                "evidence": _req(c["evidence"]),
                "license": _req(c["license"]),
            }
            for c in fw["mof"]["components"]
        ]
    if "osaid" in fw:
        d["items"] = [
            {"id": i["id"], "name": i["name"], "evidence": _req(i["evidence"]), "terms": _req(i.get("terms"))}
            for i in fw["osaid"]["items"]
        ]
    if "osai" in fw:
        d["thresholds"] = fw["osai"]["thresholds"]
        d["osai_dimensions"] = [
            {
                "id": x["id"],
                "name": x["name"],
                "group": x["group"],
                "unobserved": x["unobserved"],
                "criteria": [
                    {"probe": c["probe"], "weight": c["weight"], "question": _question(c["probe"])}
                    for c in x["criteria"]
                ],
            }
            for x in fw["osai"]["dimensions"]
        ]
    return d


def show(name_or_path: str) -> dict[str, Any]:
    return describe(load_rubric(name_or_path))
