"""BOM entry point: a report dict -> SPDX / CycloneDX text. Building the report (auditing a target
or reading a stored one) is ``openaudit.api.bom``'s job; renderers never compute."""

from __future__ import annotations

from typing import Any

from openaudit.errors import UsageError
from openaudit.render.bom_cyclonedx import render_cyclonedx
from openaudit.render.bom_spdx import render_spdx

BOM_FORMATS = ("spdx", "cyclonedx")


def check_bom_format(fmt: str) -> None:
    if fmt not in BOM_FORMATS:
        raise UsageError(f"unknown BOM format {fmt!r}; choose one of: {', '.join(BOM_FORMATS)}")


def render_bom(report: dict[str, Any], fmt: str) -> str:
    check_bom_format(fmt)
    return render_spdx(report) if fmt == "spdx" else render_cyclonedx(report)
