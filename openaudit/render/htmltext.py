"""HTML text: escaping untrusted values (text, attributes, links) and the one nested-value renderer
every HTML section uses (``html_value``).

Every value passes ``base.text.visible`` first (controls, bidi, invisibles and undecodable file
names become visible escapes), then HTML escaping (quotes too, so the same helper serves
attributes); only http(s) URLs become links.
"""

from __future__ import annotations

from html import escape
from typing import Any

from openaudit.base.text import http_url, visible
from openaudit.render import nested
from openaudit.render._common import text


def h(value: Any, default: str = "") -> str:
    """Untrusted text, escaped for HTML text and attribute values."""
    return escape(visible(text(value, default)), quote=True)


def link(url: Any, label: Any) -> str:
    """An ``<a>`` for an http(s) URL; the escaped label alone otherwise (``javascript:`` never links)."""
    u = http_url(url)
    if u is None:
        return h(label)
    return f'<a href="{escape(u, quote=True)}" rel="noopener noreferrer">{h(label)}</a>'


def html_inline(value: Any) -> str:
    """An inline value (``nested.is_inline``): escaped text; empty values as a muted ``none``."""
    if nested.is_empty(value):
        return f'<span class="none">{nested.NONE}</span>'
    return h(nested.inline_text(value))


def html_table(columns: list[str], rows: list[list[Any]], cls: str = "nested") -> str:
    """A table with a header row; cells rendered with ``html_value``; long tables end with "… N more"."""
    shown, more = nested.capped(rows)
    head = "".join(f"<th>{h(nested.label(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html_value(v)}</td>" for v in row) + "</tr>" for row in shown)
    if more:
        body += f'<tr><td colspan="{len(columns)}" class="more">{h(nested.more_text(more))}</td></tr>'
    return f'<table class="{cls}"><tr>{head}</tr>{body}</table>'


def html_fields(mapping: dict[Any, Any], cls: str = "kv") -> str:
    """A dict as a two-column table: label | value (values rendered with ``html_value``)."""
    rows = "".join(f"<tr><th>{h(nested.label(k))}</th><td>{html_value(v)}</td></tr>" for k, v in nested.items(mapping))
    return f'<table class="{cls}">{rows}</table>'


def html_value(value: Any) -> str:
    """Any JSON value as HTML: inline text, a table (lists of records, dicts of records), a field
    table (other dicts) or a list, nested as deep as the value is."""
    if nested.is_inline(value):
        return html_inline(value)
    tab = nested.table(value)
    if tab is not None:
        return html_table(*tab)
    if isinstance(value, dict):
        return html_fields(value)
    shown, more = nested.capped(list(value))
    lis = "".join(f"<li>{html_value(v)}</li>" for v in shown)
    if more:
        lis += f'<li class="more">{h(nested.more_text(more))}</li>'
    return f'<ol class="nested">{lis}</ol>'
