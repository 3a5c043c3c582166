"""License of the audited model as BOM documents need it: a valid SPDX expression whose non-list
symbols are all ``LicenseRef-*`` — never a free-form "unknown" string."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from openaudit.render._common import as_dict

_UNKNOWN = {"", "unknown", "other", "none", "noassertion", "null", "n/a", "unlicensed"}


@dataclass(frozen=True)
class BomLicense:
    expression: str | None  # None = nothing known (NOASSERTION in SPDX, omitted in CycloneDX)
    refs: tuple[tuple[str, str], ...]  # (LicenseRef-id, human name) for every LicenseRef used
    declared: str | None  # what the repo said, verbatim


@lru_cache(maxsize=1)
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def license_ref(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9.\-]+", "-", name.strip()).strip("-.") or "unnamed"
    return f"LicenseRef-{slug[:64]}"


def bom_license(report: dict[str, Any]) -> BomLicense:
    lic = as_dict(report.get("license"))
    declared = lic.get("declared") if isinstance(lic.get("declared"), str) else None
    spdx = lic.get("spdx") if isinstance(lic.get("spdx"), str) else None
    for candidate in (spdx, declared):
        if candidate is None or candidate.strip().lower() in _UNKNOWN:
            continue
        expr = _valid_expression(candidate.strip())
        if expr is not None:
            refs = tuple(
                sorted({(s, s.removeprefix("LicenseRef-")) for s in _symbols(expr) if s.startswith("LicenseRef-")})
            )
            return BomLicense(expr, refs, declared)
    named = next((c for c in (declared, spdx) if c and c.strip().lower() not in _UNKNOWN), None)
    if named is None:
        return BomLicense(None, (), declared)
    ref = license_ref(named)
    return BomLicense(ref, ((ref, named.strip()),), declared)


def _symbols(expr: str) -> list[str]:
    return [str(s.key) for s in _licensing().license_symbols(expr)]


def _valid_expression(candidate: str) -> str | None:
    """The SPDX-normalised expression when every symbol is an SPDX id or a LicenseRef-, else None."""
    lic = _licensing()
    try:
        info = lic.validate(candidate)
    except Exception:  # the parser raises many exception types on garbage input
        return None
    if info.errors and not info.invalid_symbols:
        return None
    if any(not str(s).startswith("LicenseRef-") for s in info.invalid_symbols):
        return None
    if not re.fullmatch(r"[A-Za-z0-9.\-+:() ]+", candidate):
        return None
    return info.normalized_expression or candidate
