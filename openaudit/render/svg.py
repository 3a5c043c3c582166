"""Inline SVG pieces (no fonts, scripts or network): the dimension score chart and badges share them."""

from __future__ import annotations

from typing import Any

from openaudit.render._common import NEUTRAL_COLOR, dimensions, grade_color, score_text
from openaudit.render.htmltext import h


def _score(d: dict[str, Any]) -> float | None:
    s = d.get("score")
    if isinstance(s, bool) or not isinstance(s, (int, float)):
        return None
    return max(0.0, min(10.0, float(s)))


def score_chart(report: dict[str, Any], *, width: int = 640) -> str:
    """Horizontal bar chart, one bar per dimension on a 0–10 axis; n/a drawn as a hatched empty bar."""
    dims = dimensions(report)
    label_w, right_w, bar_h, gap, top = 150, 70, 22, 10, 24
    plot_w = width - label_w - right_w
    height = top + len(dims) * (bar_h + gap) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Dimension scores" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        '<defs><pattern id="na" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" '
        'stroke-width="2"/></pattern></defs>',
    ]
    for tick in range(0, 11, 2):
        x = label_w + plot_w * tick / 10
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 10}" font-size="11" text-anchor="middle" fill="#666">{tick}</text>')
    for i, d in enumerate(dims):
        y = top + i * (bar_h + gap)
        name = h(d.get("name") or d.get("id"), "?")
        s = _score(d)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" font-size="13" text-anchor="end" '
            f'fill="#222">{name}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#f4f4f4" rx="3"/>')
        if s is None:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="url(#na)" rx="3"/>')
        else:
            color = grade_color(d.get("grade")) if d.get("grade") else NEUTRAL_COLOR
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{plot_w * s / 10:.1f}" height="{bar_h}" '
                f'fill="{color}" rx="3"><title>{name}: {score_text(s)}/10</title></rect>'
            )
        grade = h(d.get("grade"), "")
        label = f"{score_text(s)}" + (f" · {grade}" if grade else "")
        parts.append(
            f'<text x="{label_w + plot_w + 8}" y="{y + bar_h * 0.7:.1f}" font-size="13" fill="#222">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _text_width(s: str) -> int:
    """Approximate Verdana 11px advance width, as shields.io badges are laid out."""
    narrow = set("ijlI.,:;!|' ")
    wide = set("mwMW@%")
    return int(sum(4 if c in narrow else 10 if c in wide else 7 for c in s)) + 10


def flat_badge(label: str, message: str, color: str) -> str:
    """A static shields.io-style 'flat' badge as standalone SVG."""
    label, message = h(label), h(message)
    lw, mw = _text_width(label), _text_width(message)
    w = lw + mw
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" '
        f'aria-label="{label}: {message}"><title>{label}: {message}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{mw}" height="20" fill="{h(color)}"/>'
        f'<rect width="{w}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{lw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{label}</text>'
        f'<text x="{lw / 2:.1f}" y="14">{label}</text>'
        f'<text x="{lw + mw / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{message}</text>'
        f'<text x="{lw + mw / 2:.1f}" y="14">{message}</text></g></svg>\n'
    )
