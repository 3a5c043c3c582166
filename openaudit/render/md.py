"""Markdown text: escaping untrusted values (text, code spans, links) and the one nested-value
renderer every Markdown section uses (``md_block``).

Every value passes ``base.text.visible`` first (controls, bidi, invisibles and undecodable file
names become visible escapes), then Markdown's own escaping; only http(s) URLs become links.
"""

from __future__ import annotations

import re
from typing import Any

from openaudit.base.text import http_url, visible
from openaudit.render import nested
from openaudit.render._common import text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def md(value: Any, default: str = "") -> str:
    """Untrusted text as inert inline Markdown: one line, controls shown as escapes, markup escaped."""
    s = " ".join(visible(text(value, default)).split())
    return _MD_SPECIAL.sub(r"\\\1", s.replace("&", "&amp;"))


def md_code(value: Any) -> str:
    """A code span (probe ids, paths, snippets); backticks become quotes so the span cannot end early."""
    s = " ".join(visible(text(value)).split()).replace("`", "'")
    return f"`{s}`" if s else ""


def md_link(label: str, url: Any) -> str:
    """``[label](<url>)`` for an http(s) URL; the escaped label alone otherwise."""
    u = http_url(url)
    return f"[{md(label)}](<{u}>)" if u else md(label)


def md_inline(value: Any) -> str:
    """An inline value (``nested.is_inline``): escaped text, empty values as ``none``."""
    return md(nested.inline_text(value))


def md_table(columns: list[str], rows: list[list[Any]], indent: str = "") -> list[str]:
    """A GFM table of inline cells; more than ``nested.MAX_ITEMS`` rows end with a "… N more" row."""
    shown, more = nested.capped(rows)
    out = [
        indent + "| " + " | ".join(md(nested.label(c)) for c in columns) + " |",
        indent + "|" + "---|" * len(columns),
    ]
    for row in shown:
        out.append(indent + "| " + " | ".join(md_inline(v) for v in row) + " |")
    if more:
        out.append(indent + "| " + md(nested.more_text(more)) + " |" + " |" * (len(columns) - 1))
    return out


def md_block(value: Any, indent: str = "") -> list[str]:
    """Any JSON value as Markdown lines: inline text, a table (lists of records, dicts of records),
    or a bullet list of ``**label:** value`` fields nested as deep as the value is."""
    if nested.is_inline(value):
        return [indent + md_inline(value)]
    tab = nested.table(value)
    if tab is not None:
        return ["", *md_table(*tab, indent=indent), ""]
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in nested.items(value):
            head = f"{indent}- **{md(nested.label(k))}:**"
            out.extend([f"{head} {md_inline(v)}"] if nested.is_inline(v) else [head, *md_block(v, indent + "  ")])
        return out
    shown, more = nested.capped(list(value))
    for i, v in enumerate(shown, 1):
        out.extend(
            [f"{indent}- {md_inline(v)}"] if nested.is_inline(v) else [f"{indent}- #{i}", *md_block(v, indent + "  ")]
        )
    if more:
        out.append(f"{indent}- {md(nested.more_text(more))}")
    return out
