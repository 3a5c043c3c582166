"""Per-component license scope: the license of the weights, the code, the training data and the
documentation, each with its evidence (a component-named LICENSE file, the card prose, the Hub's
dataset info, the linked code repository's license as GitHub reports it, else the repository's own
license where it applies).

``license.spdx`` of a report is the WEIGHTS' license; the code's license comes from a LICENSE-CODE
file, a statement about the code, or the model's linked code repository (only when that link was
followed: offline it is "linked, license not checked").
"""

from __future__ import annotations

from typing import Any

from openaudit.collect import links as link_facts
from openaudit.collect.card import CardFacts
from openaudit.collect.code import is_model_code_link
from openaudit.collect.common import card_links, repo_key
from openaudit.licenses import compare
from openaudit.licenses.expression import parse_card_license
from openaudit.licenses.facts import LicenseInfo, lookup, unknown_info
from openaudit.model import Evidence, Snapshot

COMPONENTS = ("weights", "code", "data", "docs")


def _dataset_licenses(snapshot: Snapshot) -> tuple[LicenseInfo, tuple[Evidence, ...]] | None:
    """The named training datasets' licenses (most restrictive governs): the Hub API's
    ``datasets_info`` when the source gives it, else the followed Hub dataset links."""
    api = snapshot.api.get("datasets_info") if snapshot.api else None
    if isinstance(api, dict):
        entries = [
            (
                did,
                e.get("license") if isinstance(e, dict) else None,
                "datasets_info.license",
                f"https://huggingface.co/datasets/{did}",
            )
            for did, e in sorted(api.items())
        ]
    else:
        entries = [
            (did, d.license, "license", d.evidence_url or f"https://huggingface.co/datasets/{did}")
            for did, d in sorted(link_facts.datasets(snapshot).items())
            if d.ok
        ]
    infos: list[LicenseInfo] = []
    ev: list[Evidence] = []
    for did, lic, field, url in entries:
        lic = lic[0] if isinstance(lic, list) and lic else lic
        d = parse_card_license(lic) if isinstance(lic, str) and lic.strip() else None
        info = compare.effective(d.infos, d.operator) if d and d.declared else None
        if info is not None and info.known:
            infos.append(info)
            ev.append(Evidence(kind="api_field", field=field, url=url, snippet=f"{did}: license {lic}"))
    eff = compare.effective(infos, "AND") if infos else None
    return (eff, tuple(ev)) if eff is not None else None


def _origin(info: LicenseInfo, ev: tuple[Evidence, ...]) -> str:
    kinds = {e.kind for e in ev}
    return (
        "card metadata"
        if "card_field" in kinds
        else "license file"
        if "file" in kinds
        else "prose"
        if kinds
        else "repository license"
    )


def _code_repos(
    snapshot: Snapshot, card: CardFacts
) -> tuple[tuple[LicenseInfo, tuple[Evidence, ...]] | None, tuple[str, ...]]:
    """The code license from this model's linked code repositories as followed (GitHub's SPDX id;
    most restrictive governs), and the repositories whose license was not observed."""
    if not card.exists:
        return None, ()
    own = [l for l in card_links(card) if is_model_code_link(l)]
    trained = [l for l in own if "training" in l.purposes] or own
    looked = link_facts.repos(snapshot)
    infos: list[LicenseInfo] = []
    ev: list[Evidence] = []
    unchecked: list[str] = []
    for key in dict.fromkeys(repo_key(l.url) for l in trained):
        r = looked.get(key)
        if r is None or not r.ok:
            unchecked.append(key)
            continue
        if r.license_spdx:
            infos.append(lookup(r.license_spdx) or unknown_info(r.license_spdx))
            ev.append(r.evidence())
    eff = compare.effective(infos, "AND") if infos else None
    return ((eff, tuple(ev)) if eff is not None else None), tuple(unchecked)


def components(
    primary, expr, primary_ev, files, prose, snapshot: Snapshot, card: CardFacts
) -> tuple[dict[str, dict[str, Any]], dict[str, tuple[Evidence, ...]], tuple[str, ...]]:
    """{component: {license, category, osi_approved, appropriateness, source}}, its evidence, and the
    linked code repositories whose license was not observed."""
    has_code = any(f.path.endswith((".py", ".sh", ".ipynb")) for f in snapshot.files)
    linked_code, unchecked = _code_repos(snapshot, card)
    data_lic = _dataset_licenses(snapshot)
    comps: dict[str, dict[str, Any]] = {}
    evs: dict[str, tuple[Evidence, ...]] = {}
    for comp in COMPONENTS:
        info: LicenseInfo | None = None
        ev: tuple[Evidence, ...] = ()
        how = None
        specific = [f for f in files if f.component == comp and f.info is not None]
        said = [s for s in prose if s.component == comp and s.info.known]
        if specific:
            info, ev, how = specific[0].info, (specific[0].evidence,), "file"
        elif comp == "weights" and primary is not None:  # the weights' license is the primary (card, files, prose)
            info, ev, how = primary, primary_ev, _origin(primary, primary_ev)
        elif comp == "data" and data_lic:
            info, ev = data_lic
            how = "dataset info (Hub)"
        elif said:
            info, ev, how = said[0].info, (said[0].evidence,), "prose"
        elif comp == "code" and linked_code:
            info, ev = linked_code
            how = "linked code repository (GitHub API)"
        elif (
            comp == "weights"
            or (comp == "docs" and primary is not None)
            or (comp == "code" and has_code and primary is not None)
        ):
            info, ev, how = primary, primary_ev, "repository license"
        comps[comp] = {
            "license": (expr if info is primary and comp == "weights" else info.id) if info else None,
            "category": info.category if info else None,
            "osi_approved": info.osi_approved if info else None,
            "appropriateness": compare.appropriateness(comp, info) if info else "unknown",
            "source": how,
        }
        evs[comp] = ev
    return comps, evs, (unchecked if comps["code"]["license"] is None else ())
