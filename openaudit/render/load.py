"""Read a stored JSON report (or policy verdict) for re-rendering; bad input is one clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openaudit.base.text import read_user_text
from openaudit.errors import InvalidDocument, InvalidReport, InvalidVerdict
from openaudit.resources import rubrics_dir, schema

MAX_BYTES = 64 * 1024 * 1024
_REQUIRED = ("schema_version", "target", "dimensions")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def read_json(path: str | Path, what: str = "JSON file", err: type[InvalidDocument] = InvalidDocument) -> Any:
    p = Path(path)
    raw = read_user_text(p, what=what, max_bytes=MAX_BYTES)
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise err(f"{p} is not valid JSON: {exc}") from exc


def validate_report(report: Any, source: str = "report") -> dict[str, Any]:
    """Check the dict is an openaudit JSON report: the published schema when present, else the keys
    every renderer relies on."""
    if not isinstance(report, dict):
        raise InvalidReport(f"{source} is not an openaudit report (top level is not a JSON object)")
    missing = [k for k in _REQUIRED if k not in report]
    if missing:
        raise InvalidReport(f"{source} is not an openaudit report: missing key(s) {', '.join(missing)}")
    if not isinstance(report.get("dimensions"), list) or not isinstance(report.get("target"), dict):
        raise InvalidReport(f"{source} is not an openaudit report: 'target' must be an object and 'dimensions' a list")
    report_schema = _report_schema()
    if report_schema is not None:
        import jsonschema

        validator = jsonschema.validators.validator_for(report_schema)(report_schema)
        err = jsonschema.exceptions.best_match(validator.iter_errors(report))
        if err is not None:
            where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
            raise InvalidReport(f"{source} does not match the report schema at {where}: {err.message}")
    return report


def _report_schema() -> dict[str, Any] | None:
    path = rubrics_dir() / "schema" / "report.schema.json"
    if not path.is_file():
        return None
    return schema("report")


def load_report(path: str | Path) -> dict[str, Any]:
    return validate_report(read_json(path, "report", InvalidReport), str(path))


def load_verdict(path: str | Path) -> dict[str, Any]:
    """A policy verdict as written by ``openaudit check --format json``: {ok, violations[], unverified[]}."""
    doc = read_json(path, "policy verdict", InvalidVerdict)
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("ok"), bool)
        or not isinstance(doc.get("violations", []), list)
    ):
        raise InvalidVerdict(f"{path} is not a policy verdict (needs 'ok': true|false and 'violations': [...])")
    return doc
