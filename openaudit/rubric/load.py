"""Load rubric files: a bare name from the shipped rubrics folder, or a path. Validated against
rubrics/schema/rubric.schema.json, then checked for meaning the schema cannot express (probe ids in the
catalogue, unique ids, overall weights naming real dimensions, class references)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from openaudit.errors import InvalidDocument, InvalidRubric, UnknownRubric
from openaudit.probes import CATALOG
from openaudit.resources import rubrics_dir, schema
from openaudit.rubric.docload import Document, json_path, load_document
from openaudit.rubric.docload import invalid as _invalid
from openaudit.rubric.types import Criterion, Dimension, GradeBand, Rubric, framework_probe_paths

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
SHIPPED_FRAMEWORKS = {"mof": "mof-1.0", "osaid": "osaid-1.0", "osai": "osai-index"}
DEFAULT_RUBRIC = "openaudit"


def invalid(source: str, path: str, reason: str) -> InvalidRubric:
    return _invalid(source, path, reason, InvalidRubric)  # type: ignore[return-value]


def shipped_rubric_files() -> list[Path]:
    """Rubric YAML files shipped with openaudit (licenses.yaml is license data, not a rubric)."""
    return sorted(p for p in rubrics_dir().glob("*.yaml") if p.name != "licenses.yaml")


def resolve(name_or_path: str) -> Path:
    """A bare name (``openaudit``, ``mof-1.0``) -> the shipped file; anything else is a path."""
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise UnknownRubric("rubric: $: empty rubric name or path")
    s = name_or_path.strip()
    looks_like_path = "/" in s or "\\" in s or s.endswith((".yaml", ".yml", ".json"))
    if not looks_like_path and _NAME.match(s):
        p = rubrics_dir() / f"{s}.yaml"
        if s != "licenses" and p.is_file():
            return p
        if Path(s).is_file():
            return Path(s)
        names = ", ".join(x.stem for x in shipped_rubric_files())
        raise UnknownRubric(f"no shipped rubric named {s!r} (shipped: {names})")
    return Path(s)


def _unique(items: list[dict[str, Any]], key: str, source: str, where: list[Any]) -> None:
    seen: set[str] = set()
    for i, it in enumerate(items):
        v = it[key]
        if v in seen:
            raise invalid(source, json_path(where + [i, key]), f"duplicate id {v!r}")
        seen.add(v)


def _check_probes(doc: Document) -> None:
    data = doc.data
    for di, dim in enumerate(data.get("dimensions", [])):
        for ci, crit in enumerate(dim["criteria"]):
            if crit["probe"] not in CATALOG:
                raise invalid(
                    doc.path,
                    json_path(["dimensions", di, "criteria", ci, "probe"]),
                    f"unknown probe id {crit['probe']!r} (see `openaudit rubric show openaudit`)",
                )
    for parts, pid in framework_probe_paths(data.get("frameworks", {}), ["frameworks"]):
        if pid not in CATALOG:
            raise invalid(doc.path, json_path(parts), f"unknown probe id {pid!r}")


def _check_meaning(doc: Document) -> None:
    data, src = doc.data, doc.path
    _check_probes(doc)
    if data["kind"] == "score":
        _unique(data["dimensions"], "id", src, ["dimensions"])
        for di, dim in enumerate(data["dimensions"]):
            seen: set[str] = set()
            for ci, crit in enumerate(dim["criteria"]):
                if crit["probe"] in seen:
                    raise invalid(
                        src,
                        json_path(["dimensions", di, "criteria", ci, "probe"]),
                        f"probe {crit['probe']!r} appears twice in dimension {dim['id']!r}",
                    )
                seen.add(crit["probe"])
        dims = {d["id"] for d in data["dimensions"]}
        for k in data["overall"]["weights"]:
            if k not in dims:
                raise invalid(src, json_path(["overall", "weights", k]), f"no dimension with id {k!r}")
        mins = [g["min"] for g in data["grades"]]
        if 0 not in mins:
            raise invalid(src, "$.grades", "one grade band must start at min 0 so every score gets a grade")
        _unique(data["grades"], "grade", src, ["grades"])
        return
    fw = data["frameworks"]
    if "mof" in fw:
        mof = fw["mof"]
        _unique(mof["classes"], "id", src, ["frameworks", "mof", "classes"])
        _unique(mof["components"], "id", src, ["frameworks", "mof", "components"])
        classes = {c["id"] for c in mof["classes"]}
        for i, comp in enumerate(mof["components"]):
            if comp["class"] not in classes:
                raise invalid(
                    src,
                    json_path(["frameworks", "mof", "components", i, "class"]),
                    f"class {comp['class']!r} is not declared in frameworks.mof.classes",
                )
    if "osaid" in fw:
        _unique(fw["osaid"]["items"], "id", src, ["frameworks", "osaid", "items"])
    if "osai" in fw:
        osai = fw["osai"]
        _unique(osai["dimensions"], "id", src, ["frameworks", "osai", "dimensions"])
        if osai["thresholds"]["partial"] > osai["thresholds"]["open"]:
            raise invalid(src, "$.frameworks.osai.thresholds", "partial threshold is above the open threshold")


def _build(doc: Document) -> Rubric:
    d = doc.data
    common = dict(
        id=d["id"],
        name=d["name"],
        version=d["version"],
        kind=d["kind"],
        description=d["description"],
        path=doc.path,
        sha256=doc.sha256,
        source=d.get("source"),
        notes=tuple(d.get("notes", ())),
    )
    if d["kind"] != "score":
        return Rubric(**common, frameworks=d["frameworks"])
    dims = tuple(
        Dimension(
            id=x["id"],
            name=x["name"],
            description=x.get("description"),
            criteria=tuple(Criterion(c["probe"], float(c["weight"]), c.get("note")) for c in x["criteria"]),
        )
        for x in d["dimensions"]
    )
    grades = tuple(sorted((GradeBand(g["grade"], float(g["min"])) for g in d["grades"]), key=lambda g: -g.min))
    weights = {k: float(v) for k, v in d["overall"]["weights"].items()}
    return Rubric(**common, dimensions=dims, grades=grades, overall_weights=weights)


def _is_shipped(path: Path) -> bool:
    try:
        return path.resolve().parent == rubrics_dir().resolve() and path.name != "licenses.yaml"
    except OSError:
        return False


def load_rubric_file(path: str | Path) -> Rubric:
    """Load one rubric file. User files are always validated against rubric.schema.json. Shipped
    rubrics (package data, schema-validated by the test suite) skip the jsonschema pass, whose import
    alone costs ~0.2 s of the 0.5 s audit budget; the meaning checks (probe ids, references) still run,
    and any surprise falls back to the full schema validation so errors stay exact."""
    p = Path(path)
    if _is_shipped(p):
        doc = load_document(p, None, shipped=True, err=InvalidRubric)
        try:
            _check_meaning(doc)
            return _build(doc)
        except InvalidDocument:
            raise
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            pass  # not the shape the schema promises: let the schema say why
    doc = load_document(path, schema("rubric"), err=InvalidRubric)
    _check_meaning(doc)
    return _build(doc)


def load_rubric(name_or_path: str) -> Rubric:
    """Load a rubric by shipped name (``openaudit``, ``mof-1.0``, ``osaid-1.0``, ``osai-index``) or path.
    Raises InvalidDocument naming the file, the JSON path and the reason."""
    return load_rubric_file(resolve(name_or_path))


@lru_cache(maxsize=8)
def _shipped(name: str) -> Rubric:
    return load_rubric(name)


def shipped_framework(key: str) -> Rubric:
    """The shipped framework rubric for ``mof`` / ``osaid`` / ``osai`` (cached)."""
    return _shipped(SHIPPED_FRAMEWORKS[key])


def rubric_info(rubric: Rubric) -> dict[str, str]:
    """``{id, version, sha256}`` for the report's ``rubric`` block (sha256 of the file bytes)."""
    return {"id": rubric.id, "version": rubric.version, "sha256": rubric.sha256}
