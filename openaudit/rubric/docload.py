"""Read and validate the user's own YAML documents (rubrics, policies, license facts): size cap,
hardened YAML, JSON-type check, jsonschema (draft 2020-12). Every problem is an InvalidDocument (the
subclass the caller names, so the hint fits) naming the file, the JSON path and the reason; a missing
file is ``FileMissing``. ``document_kind`` is the one place that tells the three kinds apart."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openaudit.base.parse import load_yaml
from openaudit.errors import FileMissing, InvalidDocument
from openaudit.resources import parse_shipped_yaml

MAX_DOC_BYTES = 1024 * 1024  # rubric and policy files are small; anything larger is a mistake
ErrorClass = type[InvalidDocument]
# Top-level keys only a policy has (rubric.schema / policy.schema): a document without ``kind`` that
# uses one of them is read as a policy, so `rubric validate` and `check` give the same reason.
_POLICY_KEYS = frozenset(
    {
        "min_overall_score",
        "min_dimension_scores",
        "required_probes_pass",
        "forbid_outcomes",
        "license",
        "require_commercial_use",
        "accept_conditional_commercial_use",
        "min_mof_class",
        "require_osaid",
        "require_osai",
        "max_contamination_rate",
        "require_verification",
        "treat_not_available_as",
    }
)


@dataclass(frozen=True)
class Document:
    path: str  # as given (for messages)
    data: dict[str, Any]
    sha256: str  # of the file bytes


def json_path(parts: Any) -> str:
    """``['dimensions', 0, 'criteria']`` -> ``$.dimensions[0].criteria``."""
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def invalid(source: str, path: str, reason: str, err: ErrorClass = InvalidDocument) -> InvalidDocument:
    reason = " ".join(str(reason).split())
    if len(reason) > 240:
        reason = reason[:237] + "..."
    return err(f"{source}: {path}: {reason}")


def read_bytes(path: str | Path, err: ErrorClass = InvalidDocument) -> bytes:
    p = Path(path)
    try:
        if p.is_dir():
            raise err(f"{path}: $: a folder, not a file")
        if not p.is_file():
            raise FileMissing(f"no such file: {path}")
        size = p.stat().st_size
        if size > MAX_DOC_BYTES:
            raise err(f"{path}: $: file is {size} bytes, larger than the {MAX_DOC_BYTES}-byte limit")
        with p.open("rb") as fh:
            raw = fh.read(MAX_DOC_BYTES + 1)
    except OSError as exc:
        raise err(f"{path}: $: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_DOC_BYTES:
        raise err(f"{path}: $: file larger than the {MAX_DOC_BYTES}-byte limit")
    return raw


def document_kind(data: Any) -> str:
    """``policy``, ``license-facts`` or ``rubric``: what a parsed document claims (or looks) to be."""
    if not isinstance(data, dict):
        return "rubric"
    kind = data.get("kind")
    if kind == "policy":
        return "policy"
    if kind is None and isinstance(data.get("licenses"), list):
        return "license-facts"
    if kind is None and ("policy" in data or _POLICY_KEYS & data.keys()):
        return "policy"
    return "rubric"


def _check_json_types(obj: Any, source: str, parts: list[Any], err: ErrorClass) -> Any:
    """Reject YAML values JSON cannot hold (dates, binary, sets, NaN) so schema checks stay exact."""
    if isinstance(obj, dict):
        return {k: _check_json_types(v, source, parts + [k], err) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_check_json_types(v, source, parts + [i], err) for i, v in enumerate(obj)]
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            raise invalid(source, json_path(parts), "NaN and infinite numbers are not allowed", err)
        return obj
    if isinstance(obj, (datetime.date, datetime.datetime)):
        raise invalid(source, json_path(parts), f"a date ({obj}) where text or a number was expected: quote it", err)
    raise invalid(source, json_path(parts), f"unsupported YAML value of type {type(obj).__name__}", err)


def parse_text(text: str, source: str, *, shipped: bool = False, err: ErrorClass = InvalidDocument) -> Any:
    """The single YAML call site for rubric and policy documents (hardened loader; ``shipped``:
    package data, parsed in one libyaml pass, see ``openaudit.resources.parse_shipped_yaml``)."""
    try:
        if shipped:
            data = parse_shipped_yaml(text, source)
        else:
            data = load_yaml(text, source=source, max_bytes=MAX_DOC_BYTES)
    except InvalidDocument as exc:
        reason = getattr(exc, "reason", None) or exc.message
        line = getattr(exc, "line", None)
        where = f"line {line}" if line else "$"
        raise invalid(source, where, reason, err) from None
    return _check_json_types(data, source, [], err)


def decode(raw: bytes, source: str, err: ErrorClass = InvalidDocument) -> str:
    """The document's bytes as text (UTF-8, a BOM dropped)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(source, "$", f"not UTF-8 text (byte {exc.start})", err) from None
    return text[1:] if text.startswith("\ufeff") else text


def validate(data: Any, schema: dict[str, Any], source: str, err: ErrorClass = InvalidDocument) -> None:
    """jsonschema validation; the most relevant error becomes one InvalidDocument."""
    import jsonschema
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(schema)
    try:
        error = best_match(validator.iter_errors(data))
    except RecursionError:
        raise invalid(source, "$", "document nested too deeply", err) from None
    if error is not None:
        raise invalid(source, json_path(error.absolute_path), error.message, err)


def read_document(path: str | Path, *, shipped: bool = False, err: ErrorClass = InvalidDocument) -> Document:
    """Read and parse one document (no schema check): the mapping, and the sha256 of its bytes."""
    raw = read_bytes(path, err)
    source = str(path)
    data = parse_text(decode(raw, source, err), source, shipped=shipped, err=err)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise invalid(source, "$", f"the document must be a mapping, not {kind}", err)
    return Document(path=source, data=data, sha256=hashlib.sha256(raw).hexdigest())


def load_document(
    path: str | Path, schema: dict[str, Any] | None, *, shipped: bool = False, err: ErrorClass = InvalidDocument
) -> Document:
    """Read, parse and (when ``schema`` is given) validate one document (``shipped``: package data)."""
    doc = read_document(path, shipped=shipped, err=err)
    if schema is not None:
        validate(doc.data, schema, doc.path, err)
    return doc
