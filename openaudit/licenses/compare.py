"""Pure comparisons over license facts: openness rank, expressions, sameness, type-appropriateness."""

from __future__ import annotations

from openaudit.licenses.facts import LicenseInfo

# Lower = more open. "unknown" is not ranked (it never wins a "most restrictive" contest).
RANK = {
    "public-domain": 0,
    "permissive": 1,
    "open-data": 1,
    "weak-copyleft": 2,
    "copyleft": 2,
    "responsible-ai": 4,
    "community": 4,
    "custom": 4,
    "no-derivatives": 5,
    "non-commercial": 6,
    "research-only": 7,
    "proprietary": 8,
}


def rank(info: LicenseInfo | None) -> int | None:
    return None if info is None else RANK.get(info.category)


def effective(infos: tuple[LicenseInfo, ...] | list[LicenseInfo], operator: str | None) -> LicenseInfo | None:
    """The license that governs use: for OR the most open alternative (the user may choose it),
    for AND / lists the most restrictive part. Unknown parts: unknown wins for AND."""
    if not infos:
        return None
    if len(infos) == 1:
        return infos[0]
    ranked = [(rank(i), -n, i) for n, i in enumerate(infos)]  # ties: the first named (e.g. the card's) wins
    known = [r for r in ranked if r[0] is not None]
    if operator == "OR":
        return min(known, key=lambda r: (r[0], -r[1]))[2] if known else infos[0]
    if len(known) < len(ranked):
        return next(r[2] for r in ranked if r[0] is None)
    return max(known, key=lambda r: (r[0], r[1]))[2]


def same_license(a: LicenseInfo, b: LicenseInfo) -> bool:
    """Same license for consistency purposes: same id, or same family and same category
    (e.g. GPL-2.0-only vs GPL-2.0-or-later, Gemma 2024 vs 2025 terms)."""
    if a.id.lower() == b.id.lower():
        return True
    return a.family == b.family and a.category == b.category and a.family not in ("unknown", "other", "custom")


def more_open(a: LicenseInfo, b: LicenseInfo) -> bool:
    """True when ``a`` is strictly more open than ``b`` (both known), or drops a restriction of ``b``."""
    ra, rb = rank(a), rank(b)
    if ra is None or rb is None:
        return False
    if ra < rb:
        return True
    if ra == rb and a.family != b.family:
        # Same openness band, different terms: a restricted base's terms must flow down.
        if b.use_restrictions and not a.use_restrictions:
            return True
        if b.commercial_use is False and a.commercial_use is not False:
            return True
    return False


def appropriateness(component: str, info: LicenseInfo | None) -> str:
    """MOF-style type-appropriateness of a license for a component:
    ``appropriate`` | ``acceptable`` (open but unusual for the type) | ``inappropriate`` (an open
    license made for another type, e.g. CC-BY for code) | ``not_open`` | ``unknown``."""
    if info is None or info.category == "unknown":
        return "unknown"
    if not info.is_open:
        return "not_open"
    cat = info.category
    if component == "code":
        if info.osi_approved:
            return "appropriate"
        if cat in ("permissive", "copyleft", "weak-copyleft", "public-domain") and info.fsf_libre:
            return "acceptable"
        return "inappropriate"  # content/data licenses (CC-BY, ODbL, CDLA) are not made for software
    if component == "data":
        if cat in ("open-data", "public-domain"):
            return "appropriate"
        return "acceptable"  # e.g. MIT / Apache for a dataset: open, but software terms
    if component == "docs":
        if cat in ("open-data", "public-domain") or info.family in ("gfdl", "cc-by", "cc-by-sa"):
            return "appropriate"
        return "acceptable"
    # weights: OSI-approved or open-data/content licenses are both used for parameters (MOF)
    return "appropriate"
