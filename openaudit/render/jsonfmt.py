"""Canonical JSON: sorted keys, 2-space indent, UTF-8 kept, trailing newline — byte-identical for
identical input. C1 controls, bidi and invisible characters and lone surrogates (undecodable file
names) are written as ``\\uXXXX`` escapes (``base.text.json_safe``): still valid JSON that parses
back to the same strings, but nothing that reorders or hides text reaches a reader raw."""

from __future__ import annotations

import json
from typing import Any

from openaudit.base.text import json_safe
from openaudit.errors import InvalidInput


def json_text(doc: Any) -> str:
    """Any JSON document the CLI prints or writes (reports, verdicts, badges, SARIF, summaries)."""
    try:
        raw = json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:  # non-JSON values (sets, NaN) in a hand-made dict
        raise InvalidInput(f"cannot be written as JSON: {exc}") from exc
    return json_safe(raw) + "\n"


def render_json(report: dict[str, Any], **_opts: Any) -> str:
    return json_text(report)
