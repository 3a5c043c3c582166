"""Hardened parsing of untrusted YAML and JSON (model cards, configs, rubrics, policies, recipes).

* size cap before parsing; nesting-depth cap while composing
* YAML: SafeLoader only, anchors/aliases refused (billion-laughs), duplicate keys refused,
  non-string keys stringified, tags beyond the safe set refused by SafeLoader itself
* JSON: duplicate keys refused, depth capped, NaN/Infinity refused

Every problem raises :class:`ParseProblem` (an ``InvalidDocument``) with a one-line reason and, when
known, the line. Callers that audit (cards, configs) turn it into a finding; callers that load the
user's own documents (rubric, policy, recipe) let it reach the CLI as exit 2.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from openaudit.errors import InvalidDocument

MAX_DOC_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64


class ParseProblem(InvalidDocument):
    def __init__(self, source: str, reason: str, line: int | None = None):
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.reason = reason
        self.line = line


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _as_text(text: Any, source: str) -> str:
    """Documents arrive as str; bytes are decoded (UTF-8, or UTF-16/32 with a BOM); anything else
    is refused. Lone surrogates are refused: they cannot be written back out as UTF-8."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        from openaudit.safety.text import decode_text

        decoded, why = decode_text(bytes(text))
        if decoded is None:
            raise ParseProblem(source, f"not text: {why}")
        text = decoded
    if not isinstance(text, str):
        raise ParseProblem(source, f"expected text, got {type(text).__name__}")
    if _SURROGATE.search(text):
        raise ParseProblem(source, "contains lone surrogate code points (not valid Unicode text)")
    return text


def _check_size(text: str, source: str, max_bytes: int) -> None:
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ParseProblem(source, f"document larger than {max_bytes} bytes")


def _check_mapping_keys(constructor: yaml.constructor.SafeConstructor, node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise yaml.YAMLError(f"merge keys are not allowed (line {key_node.start_mark.line + 1})")
        key = constructor.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.YAMLError(f"unhashable mapping key (line {key_node.start_mark.line + 1})") from None
        if key in seen:
            raise yaml.YAMLError(
                f"duplicate key {str(key)[:60]!r} (lines {seen[key]} and {key_node.start_mark.line + 1})"
            )
        seen[key] = key_node.start_mark.line + 1


_BaseLoader = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _HardenedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader (libyaml when available) whose constructor refuses duplicate and merge keys.
    Aliases, anchors and nesting depth are checked on the event stream before composing."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        _check_mapping_keys(self, node)
        mapping = super().construct_mapping(node, deep=deep)
        # Non-string keys (YAML 1.1 turns `no:` into False, `1:` into 1): keep them as strings.
        return {(k if isinstance(k, str) else str(k)): v for k, v in mapping.items()}


def _check_events(text: str) -> None:
    """Refuse anchors/aliases (billion laughs) and nesting deeper than MAX_DEPTH, streaming."""
    loader = _HardenedLoader(text)
    depth = 0
    try:
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, yaml.AliasEvent):
                raise yaml.YAMLError(f"aliases are not allowed (line {ev.start_mark.line + 1})")
            if getattr(ev, "anchor", None):
                raise yaml.YAMLError(f"anchors are not allowed (line {ev.start_mark.line + 1})")
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise yaml.YAMLError(f"nesting deeper than {MAX_DEPTH} levels")
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


def _yaml_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        ch = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        return f"invalid YAML: unacceptable character #x{ch:04x} at position {exc.position}"
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        return "invalid YAML: " + "; ".join(parts) if parts else "invalid YAML"
    return " ".join(str(exc).split())


def load_yaml_with_lines(
    text: str, *, source: str = "<yaml>", max_bytes: int = MAX_DOC_BYTES, line_offset: int = 0
) -> tuple[Any, dict[str, int]]:
    """Parse one YAML document from untrusted text; also return the line number (1-based, plus
    ``line_offset``) of each top-level key when the document is a mapping. Raises ParseProblem."""
    text = _as_text(text, source)
    _check_size(text, source, max_bytes)
    try:
        _check_events(text)
        loader = _HardenedLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ParseProblem(source, _yaml_reason(exc), _yaml_line(exc)) from None
    except RecursionError:
        raise ParseProblem(source, "nesting too deep") from None
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. timestamps out of range
        raise ParseProblem(source, f"invalid value: {' '.join(str(exc).split())[:120]}") from None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(str(key_node.value), key_node.start_mark.line + 1 + line_offset)
    return data, lines


def load_yaml(text: str, *, source: str = "<yaml>", max_bytes: int = MAX_DOC_BYTES) -> Any:
    """Parse one YAML document from untrusted text. Raises ParseProblem."""
    return load_yaml_with_lines(text, source=source, max_bytes=max_bytes)[0]


def _depth(obj: Any, limit: int) -> int:
    stack = [(obj, 1)]
    deepest = 0
    while stack:
        cur, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(cur, dict):
            stack.extend((v, d + 1) for v in cur.values())
        elif isinstance(cur, list):
            stack.extend((v, d + 1) for v in cur)
    return deepest


def load_json(text: str, *, source: str = "<json>", max_bytes: int = MAX_DOC_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON: duplicate keys, NaN/Infinity (also as overflowing numbers such as 1e400),
    lone surrogates (raw or as \\u escapes) and excessive nesting are refused."""
    text = _as_text(text, source)
    _check_size(text, source, max_bytes)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k, v in items:
            if k in d:
                raise ValueError(f"duplicate key {k[:60]!r}")
            d[k] = v
        return d

    def bad_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    def finite(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            raise ValueError(f"number {literal[:40]} overflows a 64-bit float")
        return value

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=bad_constant, parse_float=finite)
    except json.JSONDecodeError as exc:
        raise ParseProblem(source, f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise ParseProblem(source, "nesting too deep") from None
    except ValueError as exc:
        raise ParseProblem(source, f"invalid JSON: {exc}") from None
    if _depth(data, max_depth) > max_depth:
        raise ParseProblem(source, f"nesting deeper than {max_depth} levels")
    if _SURROGATE_ESCAPE.search(text) and _has_surrogate(data):
        raise ParseProblem(source, "contains an unpaired surrogate escape (not valid Unicode text)")
    return data


def _has_surrogate(obj: Any) -> bool:
    stack = [obj]
    while stack:
        cur = stack.pop()
        if isinstance(cur, str):
            if _SURROGATE.search(cur):
                return True
        elif isinstance(cur, dict):
            stack.extend(cur.keys())
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return False
