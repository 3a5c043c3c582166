"""The shape of a nested report value, for the per-format nested-value renderers (``md.md_block``,
``htmltext.html_value``): what is inline text, what is a table, what is a list of fields.

Format independent and pure: dict keys are always taken in sorted order and floats in their
shortest exact form, so a report rendered straight from ``audit`` and one read back from its JSON
file give the same bytes.
"""

from __future__ import annotations

from typing import Any

NONE = "none"  # how an empty value (None, "", [], {}) is shown
ABSENT = "–"  # a table cell whose record lacks that key
MAX_ITEMS = 25  # list items shown before "… N more"
MAX_COLUMNS = 8  # records with more distinct keys read better as fields than as a table


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list, tuple))


def is_inline(value: Any) -> bool:
    """A scalar, an empty value, or a short list of scalars: fits on one line."""
    if is_scalar(value) or is_empty(value):
        return True
    return isinstance(value, (list, tuple)) and all(is_scalar(v) for v in value) and len(value) <= MAX_ITEMS


def scalar_text(value: Any) -> str:
    """One scalar as plain (unescaped) text: ``none`` for empty, yes/no for booleans, floats exact."""
    if is_empty(value):
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else str(value)
    return str(value)


def inline_text(value: Any) -> str:
    """An inline value (see ``is_inline``) as plain text; list items joined with ``; `` (items
    such as license restrictions hold commas themselves)."""
    if isinstance(value, (list, tuple)) and value:
        return "; ".join(scalar_text(v) for v in value)
    return scalar_text(value)


def label(key: Any) -> str:
    """A dict key as a heading: ``commercial_use`` -> ``commercial use``."""
    return str(key).replace("_", " ")


def items(mapping: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """A dict's items in sorted key order (stable whatever order the dict was built in)."""
    return sorted(mapping.items(), key=lambda kv: str(kv[0]))


# Keys that name a row lead a table's columns; the rest follow in sorted order.
_LEAD = ("name", "id", "benchmark", "item", "step", "kind")


def _columns(keys: set[str]) -> list[str]:
    return [k for k in _LEAD if k in keys] + sorted(k for k in keys if k not in _LEAD)


def _flat_record(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(is_inline(v) for v in value.values())


def table(value: Any) -> tuple[list[str], list[list[Any]]] | None:
    """``(columns, rows)`` when ``value`` reads best as a table, else None:

    * a list of flat dicts (every value inline) -> one row per dict, a column per key;
    * a dict of flat dicts sharing their keys -> one row per key (first column, headed ``""``), a
      column per inner key.
    At most ``MAX_COLUMNS`` columns. Cells are the raw inline values; a key missing from a row is ``ABSENT``.
    """
    if isinstance(value, (list, tuple)) and value and all(_flat_record(v) for v in value):
        cols = _columns({str(k) for v in value for k in v})
        if len(cols) <= MAX_COLUMNS:
            return cols, [[v.get(c, ABSENT) for c in cols] for v in value]
    if isinstance(value, dict) and value and all(_flat_record(v) for v in value.values()):
        cols = _columns({str(k) for v in value.values() for k in v})
        if len(cols) < MAX_COLUMNS and all(2 * len(v) >= len(cols) for v in value.values()):
            return [""] + cols, [[k] + [v.get(c, ABSENT) for c in cols] for k, v in items(value)]
    return None


def capped(seq: list[Any] | tuple[Any, ...]) -> tuple[list[Any], int]:
    """The first ``MAX_ITEMS`` items and how many more were left out."""
    return list(seq[:MAX_ITEMS]), max(0, len(seq) - MAX_ITEMS)


def more_text(n: int) -> str:
    return f"… {n} more (see the JSON report)"
