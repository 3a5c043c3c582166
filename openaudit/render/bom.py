"""BOM entry point: a target (or a stored JSON report) -> SPDX / CycloneDX text."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openaudit.errors import UsageError

BOM_FORMATS = ("spdx", "cyclonedx")


def render_bom(report: dict[str, Any], fmt: str) -> str:
    if fmt == "spdx":
        from openaudit.render.bom_spdx import render_spdx

        return render_spdx(report)
    if fmt == "cyclonedx":
        from openaudit.render.bom_cyclonedx import render_cyclonedx

        return render_cyclonedx(report)
    raise UsageError(f"unknown BOM format {fmt!r}; choose one of: {', '.join(BOM_FORMATS)}")


def bom_for_target(target: str, fmt: str, *, revision: str | None = None, offline: bool = False,
                   token: str | None = None) -> str:
    """Audit ``target`` with ``openaudit.api.audit`` (or read it, when it is a stored ``.json`` report)
    and build the BOM."""
    if fmt not in BOM_FORMATS:
        raise UsageError(f"unknown BOM format {fmt!r}; choose one of: {', '.join(BOM_FORMATS)}")
    if target.endswith(".json") and Path(target).is_file():
        from openaudit.render.load import load_report

        report = load_report(target)
    else:
        from openaudit.api import audit

        report = audit(target, revision=revision, offline=offline, token=token)
        if hasattr(report, "to_dict"):
            report = report.to_dict()
    return render_bom(report, fmt)
