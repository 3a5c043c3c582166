"""Hardened parsing of untrusted YAML and JSON (model cards, configs, rubrics, policies, recipes).

* size cap before parsing; nesting-depth cap while composing
* YAML: SafeLoader only, anchors/aliases refused (billion-laughs), duplicate keys refused,
  non-string keys stringified, tags beyond the safe set refused by SafeLoader itself
* JSON: duplicate keys refused, depth capped, NaN/Infinity refused

``split_front_matter`` separates a Markdown file's YAML front matter from its body.

Every problem raises :class:`ParseProblem` (an ``InvalidDocument``) with a one-line reason and, when
known, the line. Callers that audit (cards, configs) turn it into a finding; callers that load the
user's own documents (rubric, policy, recipe) let it reach the CLI as exit 2.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from openaudit.base.text import decode_text
from openaudit.errors import InvalidDocument

MAX_DOC_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64


class ParseCode(str, enum.Enum):
    """Why a document was refused. Callers decide on this code, never on the reason's wording (which
    may come from the parsing library and change between its releases)."""

    NOT_TEXT = "not_text"  # bytes that do not decode, not a str, lone surrogates
    TOO_LARGE = "too_large"  # over the size cap
    TOO_DEEP = "too_deep"  # nesting over the depth cap (ours, the library's, or the interpreter's)
    ALIAS = "alias"  # YAML anchors / aliases (billion laughs)
    DUPLICATE_KEY = "duplicate_key"
    MERGE_KEY = "merge_key"
    UNSAFE_TAG = "unsafe_tag"  # a YAML tag outside the safe set (e.g. !!python/object)
    BAD_VALUE = "bad_value"  # NaN/Infinity, overflowing numbers, impossible dates, unhashable keys
    SYNTAX = "syntax"  # not valid YAML / JSON


class ParseProblem(InvalidDocument):
    def __init__(self, source: str, reason: str, line: int | None = None, code: ParseCode = ParseCode.SYNTAX):
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.reason = reason
        self.line = line
        self.code = code


class _Refused(yaml.YAMLError):
    """A YAML refusal of our own, carrying its code."""

    def __init__(self, code: ParseCode, message: str):
        super().__init__(message)
        self.code = code


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _as_text(text: object, source: str) -> str:
    """Documents arrive as str; bytes are decoded (UTF-8, or UTF-16/32 with a BOM); anything else
    is refused. Lone surrogates are refused: they cannot be written back out as UTF-8."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        decoded, why = decode_text(bytes(text))
        if decoded is None:
            raise ParseProblem(source, f"not text: {why}", code=ParseCode.NOT_TEXT)
        text = decoded
    if not isinstance(text, str):
        raise ParseProblem(source, f"expected text, got {type(text).__name__}", code=ParseCode.NOT_TEXT)
    if not text.isascii() and _SURROGATE.search(text):  # isascii: C speed, and no surrogate is ASCII
        raise ParseProblem(
            source, "contains lone surrogate code points (not valid Unicode text)", code=ParseCode.NOT_TEXT
        )
    return text


def _check_size(text: str, source: str, max_bytes: int) -> None:
    # a character is at most 4 bytes: the encoded length is needed only when that could exceed the cap
    if len(text) > max_bytes or (4 * len(text) > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes):
        raise ParseProblem(source, f"document larger than {max_bytes} bytes", code=ParseCode.TOO_LARGE)


def _check_mapping_keys(constructor: yaml.constructor.SafeConstructor, node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(ParseCode.MERGE_KEY, f"merge keys are not allowed (line {key_node.start_mark.line + 1})")
        key = constructor.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _Refused(
                ParseCode.BAD_VALUE, f"unhashable mapping key (line {key_node.start_mark.line + 1})"
            ) from None
        if key in seen:
            raise _Refused(
                ParseCode.DUPLICATE_KEY,
                f"duplicate key {str(key)[:60]!r} (lines {seen[key]} and {key_node.start_mark.line + 1})",
            )
        seen[key] = key_node.start_mark.line + 1


if TYPE_CHECKING:  # both loaders offer what is used here; the C one's parser methods are typed
    _BaseLoader = yaml.CSafeLoader
else:
    _BaseLoader = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


class _HardenedLoader(_BaseLoader):
    """Safe loader (libyaml when available) whose constructor refuses duplicate and merge keys.
    Aliases, anchors and nesting depth are checked on the event stream before composing."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        _check_mapping_keys(self, node)
        mapping = super().construct_mapping(node, deep=deep)
        # Non-string keys (YAML 1.1 turns `no:` into False, `1:` into 1): keep them as strings.
        return {(k if isinstance(k, str) else str(k)): v for k, v in mapping.items()}


_MAX_INT_BITS = 4096  # ~1,233 decimal digits: more than any card field needs, far below what str() refuses


def _construct_int(loader: _HardenedLoader, node: yaml.ScalarNode) -> int:
    """YAML ints (hex/octal/binary ones escape Python's decimal-digit limit when parsed) that could
    not be written back as text are refused: a 5,000-digit ``license: 0x...`` is bad input, not a crash."""
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise _Refused(
            ParseCode.BAD_VALUE, f"integer of more than {_MAX_INT_BITS} bits (line {node.start_mark.line + 1})"
        )
    return value


_HardenedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _Mark(Protocol):
    """A position in a YAML stream (``yaml.Mark`` or libyaml's ``yaml._yaml.Mark``)."""

    line: int  # 0-based


def _at_line(mark: _Mark | None) -> str:
    """`` (line N)`` (1-based) for an event's mark; empty when the library gave none."""
    return f" (line {mark.line + 1})" if mark is not None else ""


def _check_events(text: str) -> None:
    """Refuse anchors/aliases (billion laughs) and nesting deeper than MAX_DEPTH, streaming."""
    loader = _HardenedLoader(text)
    depth = 0
    try:
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, yaml.AliasEvent):
                raise _Refused(ParseCode.ALIAS, f"aliases are not allowed{_at_line(ev.start_mark)}")
            if isinstance(ev, yaml.NodeEvent) and ev.anchor:  # scalars, collections (aliases: above)
                raise _Refused(ParseCode.ALIAS, f"anchors are not allowed{_at_line(ev.start_mark)}")
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Refused(ParseCode.TOO_DEEP, f"nesting deeper than {MAX_DEPTH} levels")
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


def _yaml_line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def _yaml_code(exc: yaml.YAMLError) -> ParseCode:
    """Classify a YAML error by its type and the library's structured fields, never its message:
    our own refusals carry their code; a constructor error is an unsafe tag; a scanner error raised
    while increasing the nesting level is the library's own depth limit (PyYAML >= 6.0.4)."""
    if isinstance(exc, _Refused):
        return exc.code
    if isinstance(exc, yaml.constructor.ConstructorError):
        return ParseCode.UNSAFE_TAG
    if isinstance(exc, yaml.reader.ReaderError):
        return ParseCode.NOT_TEXT
    return ParseCode.SYNTAX


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        ch = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        return f"invalid YAML: unacceptable character #x{ch:04x} at position {exc.position}"
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        return "invalid YAML: " + "; ".join(parts) if parts else "invalid YAML"
    return " ".join(str(exc).split())


def load_yaml_with_lines(
    text: str | bytes, *, source: str = "<yaml>", max_bytes: int = MAX_DOC_BYTES, line_offset: int = 0
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
        raise ParseProblem(source, _yaml_reason(exc), _yaml_line(exc), code=_yaml_code(exc)) from None
    except RecursionError:
        raise ParseProblem(source, "nesting too deep", code=ParseCode.TOO_DEEP) from None
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. timestamps out of range
        raise ParseProblem(
            source, f"invalid value: {' '.join(str(exc).split())[:120]}", code=ParseCode.BAD_VALUE
        ) from None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(str(key_node.value), key_node.start_mark.line + 1 + line_offset)
    return data, lines


def load_yaml(text: str | bytes, *, source: str = "<yaml>", max_bytes: int = MAX_DOC_BYTES) -> Any:
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


def load_json(
    text: str | bytes, *, source: str = "<json>", max_bytes: int = MAX_DOC_BYTES, max_depth: int = MAX_DEPTH
) -> Any:
    """Parse untrusted JSON: duplicate keys, NaN/Infinity (also as overflowing numbers such as 1e400),
    lone surrogates (raw or as \\u escapes) and excessive nesting are refused."""
    text = _as_text(text, source)
    _check_size(text, source, max_bytes)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k, v in items:
            if k in d:
                raise ParseProblem(source, f"invalid JSON: duplicate key {k[:60]!r}", code=ParseCode.DUPLICATE_KEY)
            d[k] = v
        return d

    def bad_constant(name: str) -> Any:
        raise ParseProblem(source, f"invalid JSON: {name} is not valid JSON", code=ParseCode.BAD_VALUE)

    def finite(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            raise ParseProblem(
                source, f"invalid JSON: number {literal[:40]} overflows a 64-bit float", code=ParseCode.BAD_VALUE
            )
        return value

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=bad_constant, parse_float=finite)
    except json.JSONDecodeError as exc:
        raise ParseProblem(source, f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise ParseProblem(source, "nesting too deep", code=ParseCode.TOO_DEEP) from None
    except ValueError as exc:
        raise ParseProblem(source, f"invalid JSON: {exc}", code=ParseCode.BAD_VALUE) from None
    if _depth(data, max_depth) > max_depth:
        raise ParseProblem(source, f"nesting deeper than {max_depth} levels", code=ParseCode.TOO_DEEP)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and _has_surrogate(data):
        raise ParseProblem(
            source, "contains an unpaired surrogate escape (not valid Unicode text)", code=ParseCode.NOT_TEXT
        )
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


# huggingface_hub's own front-matter pattern (huggingface_hub/repocard.py, REGEX_YAML_BLOCK), verbatim:
# leading whitespace (blank lines, spaces) before the opening '---' is accepted; the opening '---' ends
# its line; the block ends at the first line that is '---' (trailing spaces/tabs allowed).
_FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_CR_LF = re.compile(r"\r+\n")


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (yaml_text or None, body, body_start_line), splitting exactly as huggingface_hub does
    (``RepoCard``/``metadata_load``). A byte-order mark is dropped first (it is an encoding mark, not
    text) and CR+LF line ends become LF (also the CR CR LF of cards mangled by a double conversion,
    which huggingface_hub's pattern does not match). No front matter (or an unterminated block): (None, the whole text, 1)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # CRLF and mangled CR CR LF endings end a line once, as LF does (lines stay lines)
        text = _CR_LF.sub("\n", text)
    m = _FRONT_MATTER.search(text)
    if not m:
        return None, text, 1
    return m.group(2), text[m.end() :], len(_NEWLINE.findall(text[: m.end()])) + (1 if m.group(4) else 2)
