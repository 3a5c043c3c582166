"""Read and validate the user's own YAML documents (rubrics, policies): size cap, hardened YAML,
JSON-type check, jsonschema (draft 2020-12). Every problem is an InvalidDocument naming the file,
the JSON path and the reason."""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openaudit.errors import InvalidDocument

MAX_DOC_BYTES = 1024 * 1024  # rubric and policy files are small; anything larger is a mistake


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


def invalid(source: str, path: str, reason: str) -> InvalidDocument:
    reason = " ".join(str(reason).split())
    if len(reason) > 240:
        reason = reason[:237] + "..."
    return InvalidDocument(f"{source}: {path}: {reason}")


def read_bytes(path: str | Path) -> bytes:
    p = Path(path)
    try:
        if not p.is_file():
            raise InvalidDocument(f"{path}: $: no such file")
        size = p.stat().st_size
        if size > MAX_DOC_BYTES:
            raise InvalidDocument(f"{path}: $: file is {size} bytes, larger than the {MAX_DOC_BYTES}-byte limit")
        with p.open("rb") as fh:
            raw = fh.read(MAX_DOC_BYTES + 1)
    except OSError as exc:
        raise InvalidDocument(f"{path}: $: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_DOC_BYTES:
        raise InvalidDocument(f"{path}: $: file larger than the {MAX_DOC_BYTES}-byte limit")
    return raw


def _check_json_types(obj: Any, source: str, parts: list[Any]) -> Any:
    """Reject YAML values JSON cannot hold (dates, binary, sets, NaN) so schema checks stay exact."""
    if isinstance(obj, dict):
        return {k: _check_json_types(v, source, parts + [k]) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_check_json_types(v, source, parts + [i]) for i, v in enumerate(obj)]
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            raise invalid(source, json_path(parts), "NaN and infinite numbers are not allowed")
        return obj
    if isinstance(obj, (datetime.date, datetime.datetime)):
        raise invalid(source, json_path(parts), f"a date ({obj}) where text or a number was expected: quote it")
    raise invalid(source, json_path(parts), f"unsupported YAML value of type {type(obj).__name__}")


def parse_text(text: str, source: str, *, shipped: bool = False) -> Any:
    """The single YAML call site for rubric and policy documents (hardened loader; ``shipped``:
    package data, parsed in one libyaml pass, see ``openaudit.resources.parse_shipped_yaml``)."""
    from openaudit.base.parse import load_yaml

    try:
        if shipped:
            from openaudit.resources import parse_shipped_yaml

            data = parse_shipped_yaml(text, source)
        else:
            data = load_yaml(text, source=source, max_bytes=MAX_DOC_BYTES)
    except InvalidDocument as exc:
        reason = getattr(exc, "reason", None) or exc.message
        line = getattr(exc, "line", None)
        where = f"line {line}" if line else "$"
        raise invalid(source, where, reason) from None
    return _check_json_types(data, source, [])


def validate(data: Any, schema: dict[str, Any], source: str) -> None:
    """jsonschema validation; the most relevant error becomes one InvalidDocument."""
    import jsonschema
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(schema)
    try:
        error = best_match(validator.iter_errors(data))
    except RecursionError:
        raise invalid(source, "$", "document nested too deeply") from None
    if error is not None:
        raise invalid(source, json_path(error.absolute_path), error.message)


def load_document(path: str | Path, schema: dict[str, Any] | None, *, shipped: bool = False) -> Document:
    """Read, parse and (when ``schema`` is given) validate one document (``shipped``: package data)."""
    raw = read_bytes(path)
    source = str(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid(source, "$", f"not UTF-8 text (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    data = parse_text(text, source, shipped=shipped)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise invalid(source, "$", f"the document must be a mapping, not {kind}")
    if schema is not None:
        validate(data, schema, source)
    return Document(path=source, data=data, sha256=hashlib.sha256(raw).hexdigest())
