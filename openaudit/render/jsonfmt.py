"""Canonical JSON: sorted keys, 2-space indent, UTF-8 kept, trailing newline — byte-identical for
identical input."""
from __future__ import annotations

import json
import math
from typing import Any

from openaudit.errors import InvalidInput


def render_json(report: dict[str, Any], **_opts: Any) -> str:
    try:
        return json.dumps(report, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except (TypeError, ValueError) as exc:  # non-JSON values (sets, NaN) in a hand-made dict
        raise InvalidInput(f"report cannot be written as JSON: {exc}") from exc


def dumps_canonical(obj: Any) -> str:
    """The same canonical form for any JSON document the render package writes."""
    if isinstance(obj, float) and not math.isfinite(obj):
        raise InvalidInput("non-finite number in JSON output")
    return render_json(obj)
