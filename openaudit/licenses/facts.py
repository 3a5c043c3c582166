"""License facts: ``rubrics/licenses.yaml`` (validated) plus SPDX list metadata from the shipped index.

``lookup(key)`` resolves a Hub card id (``apache-2.0``), an SPDX id (``Apache-2.0``), a
``LicenseRef-...`` id or a ``license_name`` alias (``qwen``) to a :class:`LicenseInfo`. SPDX ids
that the YAML does not list get facts derived from the SPDX list (name, OSI, FSF) and their family.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.resources import parse_shipped_yaml, rubrics_dir

OPEN_CATEGORIES = frozenset({"permissive", "copyleft", "weak-copyleft", "public-domain", "open-data"})
RESTRICTED_OPEN_WEIGHTS = frozenset({"responsible-ai", "community"})
CLOSED_CATEGORIES = frozenset({"non-commercial", "research-only", "proprietary", "no-derivatives"})
CUSTOM = "custom"  # a license written for one model / organisation whose terms openaudit has no facts for


@dataclass(frozen=True)
class LicenseInfo:
    id: str
    name: str
    family: str
    category: str
    osi_approved: bool | None = None
    fsf_libre: bool | None = None
    commercial_use: bool | str | None = None  # True | False | "conditional" | None (unknown)
    use_restrictions: bool = False
    aup: str | None = None
    user_threshold: str | None = None
    output_restrictions: str | None = None
    attribution: str | None = None
    share_alike: bool = False
    revocable: bool = False
    applies_to: tuple[str, ...] = ()
    hub: str | None = None
    aliases: tuple[str, ...] = ()
    known: bool = True  # False for ids openaudit has no facts for
    texts: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_open(self) -> bool:
        return self.category in OPEN_CATEGORIES and not self.use_restrictions

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "family": self.family,
            "category": self.category,
            "osi_approved": self.osi_approved,
            "fsf_libre": self.fsf_libre,
            "commercial_use": self.commercial_use,
            "use_restrictions": self.use_restrictions,
            "aup": self.aup,
            "user_threshold": self.user_threshold,
            "output_restrictions": self.output_restrictions,
            "attribution": self.attribution,
            "share_alike": self.share_alike,
            "revocable": self.revocable,
            "applies_to": list(self.applies_to),
        }


_FAMILY_RULES: tuple[tuple[str, str], ...] = (
    (r"^AGPL-", "agpl"),
    (r"^LGPL", "lgpl"),
    (r"^GPL-", "gpl"),
    (r"^GFDL-", "gfdl"),
    (r"^CC-BY-NC", "cc-by-nc"),
    (r"^CC-BY-ND", "cc-by-nd"),
    (r"^CC-BY-SA", "cc-by-sa"),
    (r"^CC-BY-", "cc-by"),
    (r"^CC0", "cc0"),
    (r"^CC-PDDC|^PDDL", "odc"),
    (r"^0BSD$|^BSD-", "bsd"),
    (r"^MIT", "mit"),
    (r"^Apache-", "apache"),
    (r"^MPL-", "mpl"),
    (r"^EPL-", "epl"),
    (r"^EUPL-", "eupl"),
    (r"^OFL-", "ofl"),
    (r"^CDLA-", "cdla"),
    (r"^ODC-|^ODbL", "odc"),
    (r"^Artistic-", "artistic"),
    (r"^AFL-", "afl"),
    (r"^OSL-", "osl"),
)
_COPYLEFT_FAMILIES = {
    "gpl": "copyleft",
    "agpl": "copyleft",
    "gfdl": "copyleft",
    "osl": "copyleft",
    "eupl": "copyleft",
    "lgpl": "weak-copyleft",
    "mpl": "weak-copyleft",
    "epl": "weak-copyleft",
    "ofl": "weak-copyleft",
}


def family_of(license_id: str) -> str:
    """The family of an SPDX id (``GPL-2.0-or-later`` -> ``gpl``); LicenseRef ids use the YAML."""
    info = _by_key().get(license_id.lower())
    if info is not None:
        return info.family
    for rx, fam in _FAMILY_RULES:
        if re.search(rx, license_id, re.IGNORECASE):
            return fam
    base = re.sub(r"^licenseref-", "", license_id.lower())
    return re.sub(r"[-_.]?v?\d[\w.\-]*$", "", base) or base


@lru_cache(maxsize=1)
def _load_yaml() -> dict[str, Any]:
    """The shipped license facts. They are package data, schema-validated by the test suite
    (tests/licenses); at run time only their shape is checked, so an audit does not pay for
    importing jsonschema (~90 ms)."""
    path = rubrics_dir() / "licenses.yaml"
    try:
        data = parse_shipped_yaml(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise InvalidDocument(f"{path}: cannot read license facts: {exc.strerror}") from None
    if not isinstance(data, dict) or not isinstance(data.get("licenses"), list):
        raise InvalidDocument(f"{path}: (root): expected a mapping with a 'licenses' list")
    return data


def _info(entry: dict[str, Any]) -> LicenseInfo:
    return LicenseInfo(
        id=entry["id"],
        name=entry["name"],
        family=entry["family"],
        category=entry["category"],
        osi_approved=entry.get("osi_approved"),
        fsf_libre=entry.get("fsf_libre"),
        commercial_use=entry.get("commercial_use"),
        use_restrictions=bool(entry.get("use_restrictions", False)),
        aup=entry.get("aup"),
        user_threshold=entry.get("user_threshold"),
        output_restrictions=entry.get("output_restrictions"),
        attribution=entry.get("attribution"),
        share_alike=bool(entry.get("share_alike", False)),
        revocable=bool(entry.get("revocable", False)),
        applies_to=tuple(entry.get("applies_to", ())),
        hub=entry.get("hub"),
        aliases=tuple(entry.get("aliases", ())),
        texts=tuple(entry.get("texts", ())),
    )


@lru_cache(maxsize=1)
def all_licenses() -> tuple[LicenseInfo, ...]:
    return tuple(_info(e) for e in _load_yaml()["licenses"])


@lru_cache(maxsize=1)
def _base_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(r["pattern"], re.IGNORECASE), r["license"]) for r in _load_yaml().get("base_models", ()))


def known_base_license(repo_id: str) -> tuple[str, str] | None:
    """(license key, matching pattern) of a well-known base model, from rubrics/licenses.yaml."""
    for rx, lic in _base_rules():
        if rx.search(repo_id.strip()):
            return lic, rx.pattern
    return None


@lru_cache(maxsize=1)
def _by_key() -> dict[str, LicenseInfo]:
    out: dict[str, LicenseInfo] = {}
    for info in all_licenses():
        for key in (info.id, info.hub, *info.aliases, info.name):
            if key:
                out.setdefault(_key(key), info)
    return out


def _key(s: str) -> str:
    return " ".join(s.strip().lower().split())


def _spdx_info(license_id: str) -> LicenseInfo | None:
    from openaudit.licenses.index import spdx_meta

    meta = spdx_meta().get(license_id.lower())
    if meta is None:
        return None
    sid, name, osi, fsf = meta
    fam = family_of(sid)
    if fam in ("cc-by-nc",):
        cat, commercial = "non-commercial", False
    elif fam == "cc-by-nd":
        cat, commercial = "no-derivatives", True
    elif fam in _COPYLEFT_FAMILIES and (osi or fsf):
        cat, commercial = _COPYLEFT_FAMILIES[fam], True
    elif fam in ("cc-by", "cc-by-sa", "odc", "cdla"):
        cat, commercial = "open-data", True
    elif osi or fsf:
        cat, commercial = "permissive", True
    else:
        cat, commercial = "unknown", None
    return LicenseInfo(
        id=sid,
        name=name,
        family=fam,
        category=cat,
        osi_approved=osi,
        fsf_libre=fsf,
        commercial_use=commercial,
        share_alike=fam in ("cc-by-sa", "gpl", "agpl", "lgpl"),
        applies_to=("code",),
    )


# Restrictions a card states without naming a license ("License: Non-commercial license", "Released for
# research purpose only"): not open, whatever the unnamed terms are.
UNNAMED_NON_COMMERCIAL = "LicenseRef-unnamed-non-commercial"
UNNAMED_RESEARCH_ONLY = "LicenseRef-unnamed-research-only"
_UNNAMED = {
    UNNAMED_NON_COMMERCIAL.lower(): ("unnamed non-commercial license", "non-commercial", "non-commercial use only"),
    UNNAMED_RESEARCH_ONLY.lower(): ("unnamed research-only terms", "research-only", "research use only"),
}


def _unnamed(k: str) -> LicenseInfo | None:
    hit = _UNNAMED.get(k)
    if hit is None:
        return None
    name, category, aup = hit
    return LicenseInfo(
        id=UNNAMED_NON_COMMERCIAL if category == "non-commercial" else UNNAMED_RESEARCH_ONLY,
        name=name,
        family="unnamed",
        category=category,
        osi_approved=False,
        fsf_libre=False,
        commercial_use=False,
        use_restrictions=True,
        aup=aup,
        applies_to=("model",),
    )


def lookup(key: str | None) -> LicenseInfo | None:
    """Facts for a Hub id, SPDX id, LicenseRef id or known ``license_name`` alias; None if unknown."""
    if not key or not isinstance(key, str):
        return None
    k = _key(key)
    if k in _UNNAMED:
        return _unnamed(k)
    hit = _by_key().get(k)
    if hit is not None:
        return hit
    hit = _spdx_info(key.strip())
    if hit is not None:
        return hit
    if k.startswith("licenseref-"):
        return _by_key().get(k[len("licenseref-") :])
    return None


def unknown_info(license_id: str, name: str | None = None) -> LicenseInfo:
    return LicenseInfo(id=license_id, name=name or license_id, family="unknown", category="unknown", known=False)


def custom_id(name: str) -> str:
    """A ``LicenseRef-`` id for a license known only by its name ("YAYI 2 Community License")."""
    slug = re.sub(r"[^A-Za-z0-9.\-]+", "-", name).strip("-.")[:60]
    if not slug or not name.isascii():  # names in other scripts: a stable id from the name's bytes
        slug = "-".join(x for x in (slug, f"custom-{zlib.crc32(name.encode('utf-8')):08x}") if x)
    return f"LicenseRef-{slug}"


def custom_info(license_id: str, name: str | None = None, *, commercial_use: bool | None = None) -> LicenseInfo:
    """A custom license: one written for a model or organisation (the card's ``license: other`` with a
    name openaudit has no facts for, or a "<Name> Community/Model License" named in the card). It is not
    an OSI-approved or open-data license; its terms (commercial use, restrictions) are not known here."""
    return LicenseInfo(
        id=license_id,
        name=name or license_id,
        family="custom",
        category=CUSTOM,
        osi_approved=False,
        fsf_libre=None,
        commercial_use=commercial_use,
        applies_to=("model",),
    )
