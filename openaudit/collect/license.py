"""License facts of a model repository, each with the evidence it came from.

Sources: the card's ``license`` / ``license_name`` / ``license_link`` fields, LICENSE* / COPYING* /
NOTICE* files (identified by text, per component when named like LICENSE-CODE / LICENSE-MODEL),
license statements in the card prose, and the base model's license (Hub API info when present,
else the well-known base-model table in rubrics/licenses.yaml, else not available).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openaudit.collect import license_scope as scope
from openaudit.collect.card import CardFacts
from openaudit.errors import OpenAuditError
from openaudit.licenses import compare
from openaudit.licenses.expression import DeclaredLicense, parse_card_license
from openaudit.licenses.facts import (
    CUSTOM,
    UNNAMED_NON_COMMERCIAL,
    UNNAMED_RESEARCH_ONLY,
    LicenseInfo,
    custom_info,
    known_base_license,
    lookup,
    unknown_info,
)
from openaudit.licenses.prose import Mention, component_of, find_mentions
from openaudit.model import Evidence, Snapshot

_LICENSE_FILE = re.compile(
    r"^(?:licen[cs]e|copying|notice|model[_-]?licen[cs]e|use[_-]?policy)(?:[-_. ].*)?$", re.IGNORECASE
)
_COMPONENT_NAME = (
    ("code", re.compile(r"code|software|src|source", re.IGNORECASE)),
    ("data", re.compile(r"data", re.IGNORECASE)),
    ("docs", re.compile(r"doc", re.IGNORECASE)),
    ("weights", re.compile(r"model|weight|param|checkpoint", re.IGNORECASE)),
)
_LICENSE_SECTION = re.compile(r"licen[cs]e|terms of use|legal|permissions|协议|许可", re.IGNORECASE)
_THEIRS = re.compile(r"acknowledg|attribution|third[- ]party|credits|used open[- ]source|dependencies", re.IGNORECASE)
_NESTED_ITEM = re.compile(r"^(?:\s{2,}|\t)[-*+]\s")
# Use restricted by the card without a license ("Released for ***research purpose*** only").
_USE_ONLY = re.compile(
    r"\b(?:released|available|licensed|provided|distributed|shared|permitted|allowed|usable)\b[^.\n]{0,40}?"
    r"\bfor (?:non-?commercial|academic|research)(?: (?:and|or|/) (?:non-?commercial|academic|research))?"
    r"(?: (?:use|usage|purposes?))? only\b|\b(?:non-?commercial|research|academic) (?:use|purposes?) only\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LicenseFile:
    path: str
    component: str  # weights | code | data | docs | all
    kind: str  # license | notice | policy
    result: dict[str, Any] | None  # identify result; None when the text was not available
    info: LicenseInfo | None
    evidence: Evidence


@dataclass(frozen=True)
class Source:
    """One place stating a license: card | file | prose."""

    origin: str
    license_id: str
    info: LicenseInfo
    component: str
    evidence: Evidence


@dataclass(frozen=True)
class BaseModel:
    ids: tuple[str, ...]
    license_id: str | None
    info: LicenseInfo | None
    status: str  # known | not_available | none
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class LicenseFacts:
    declared: DeclaredLicense
    card_evidence: tuple[Evidence, ...]
    files: tuple[LicenseFile, ...]
    prose: tuple[Source, ...]
    sources: tuple[Source, ...]  # every statement about the weights / whole repo, card first
    primary: LicenseInfo | None  # the license governing the weights
    primary_expression: str | None
    primary_evidence: tuple[Evidence, ...]
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    component_evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    mismatches: tuple[str, ...] = ()
    mismatch_evidence: tuple[Evidence, ...] = ()
    base_model: BaseModel = BaseModel((), None, None, "none", "the card names no base_model")
    problems: tuple[str, ...] = ()
    modified_file: bool = False  # a LICENSE file is a known license with changed clauses
    code_unchecked: tuple[str, ...] = ()  # the model's linked code repositories whose license was not observed

    @property
    def mismatch(self) -> bool:
        return bool(self.mismatches)

    def restrictions(self) -> list[str]:
        p = self.primary
        out: list[str] = []
        if p is None:
            return out
        if p.use_restrictions:
            out.append(f"use restrictions: {p.aup}" if p.aup else "use-based restrictions")
        if p.user_threshold:
            out.append(f"user threshold: {p.user_threshold}")
        if p.output_restrictions:
            out.append(f"outputs: {p.output_restrictions}")
        if p.commercial_use is False:
            out.append("no commercial use")
        if p.revocable:
            out.append("revocable (terminates on breach)")
        if self.modified_file:
            out.append("the LICENSE file modifies a known license (see differences)")
        return out

    def to_report(self) -> dict[str, Any]:
        p = self.primary
        if p is None or p.commercial_use is None:
            cu: bool | str | None = None
        elif p.commercial_use == "conditional":
            cu = "conditional"  # allowed only under conditions (user thresholds, registration, ...)
        else:
            cu = p.commercial_use is not False
        ev = list(self.card_evidence) + [f.evidence for f in self.files] + [s.evidence for s in self.prose]
        raw = self.declared.raw
        declared = (
            raw if isinstance(raw, str) else (" AND ".join(map(str, raw)) if isinstance(raw, list) and raw else None)
        )
        return {
            "declared": declared,
            "spdx": self.primary_expression,
            "category": p.category if p else "unknown",
            "commercial_use": cu,
            "commercial_use_conditions": p.user_threshold if p and p.commercial_use == "conditional" else None,
            "restrictions": self.restrictions(),
            "mismatch": self.mismatch,
            "mismatches": list(self.mismatches),
            "name": p.name if p else None,
            "family": p.family if p else None,
            "osi_approved": p.osi_approved if p else None,
            "fsf_libre": p.fsf_libre if p else None,
            "use_restrictions": p.use_restrictions if p else None,
            "acceptable_use_policy": p.aup if p else None,
            "user_threshold": p.user_threshold if p else None,
            "output_restrictions": p.output_restrictions if p else None,
            "attribution": p.attribution if p else None,
            "share_alike": p.share_alike if p else None,
            "revocable": p.revocable if p else None,
            "modified": self.modified_file,
            "base_model": {
                "ids": list(self.base_model.ids),
                "license": self.base_model.license_id,
                "status": self.base_model.status,
                "reason": self.base_model.reason,
            },
            "components": self.components,
            "problems": list(self.problems),
            "evidence": [e.to_dict() for e in ev[:20]],
        }


def _component_of_name(name: str) -> str:
    stem = re.sub(r"^(licen[cs]e|copying|notice)", "", name, flags=re.IGNORECASE)
    for comp, rx in _COMPONENT_NAME:
        if rx.search(stem):
            return comp
    return "all"


def _license_files(snapshot: Snapshot) -> list[LicenseFile]:
    out: list[LicenseFile] = []
    paths = sorted({f.path for f in snapshot.files} | set(snapshot.texts))
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        if path.count("/") > 1 or not _LICENSE_FILE.match(name) or name.lower().endswith((".py", ".json", ".bin")):
            continue
        low = name.lower()
        kind = "notice" if low.startswith("notice") else "policy" if "policy" in low else "license"
        comp = _component_of_name(name) if "/" not in path else _component_of_name(path)
        text = snapshot.texts.get(path)
        if text is None:
            ev = Evidence(
                kind="file", path=path, url=snapshot.url_for(path), snippet="license file present; text not read"
            )
            out.append(LicenseFile(path, comp, kind, None, None, ev))
            continue
        result: dict[str, Any] | None
        info: LicenseInfo | None = None
        if kind == "license":
            # Imported here, not per module: the identification index (and its normaliser's
            # regexes, ~30 ms) is only needed when a license text is actually present.
            from openaudit.licenses.identify import identify_text

            try:
                result = identify_text(text)
            except OpenAuditError as exc:  # bad text (NUL bytes, too large): keep going, say why
                result = {
                    "id": "unknown",
                    "family": None,
                    "confidence": 0.0,
                    "modified": False,
                    "differences": [],
                    "match": "none",
                    "reason": " ".join(str(getattr(exc, "message", exc)).split())[:160],
                }
            if result["id"] != "unknown":
                info = lookup(result["id"]) or unknown_info(result["id"])
            elif len(text) <= 3000:  # a short notice naming its license ("Licensed under the Apache License 2.0")
                named = {m.license_id for m in find_mentions(list(enumerate(text.splitlines(), 1)))}
                if len(named) == 1:
                    info = lookup(named.pop())
                    if info is not None:
                        result = dict(
                            result, reason=f"a notice naming {info.id}; the license text itself is not included"
                        )
            snippet = (
                (
                    f"identified as {'modified ' if result['modified'] else ''}{result['id']} "
                    f"(confidence {result['confidence']:.2f})"
                )
                if info is None or result["id"] != "unknown"
                else (f"notice naming {info.id} (no license text)")
            )
        else:
            result = None
            snippet = f"{kind} file"
        out.append(
            LicenseFile(
                path,
                comp,
                kind,
                result,
                info,
                Evidence(kind="file", path=path, url=snapshot.url_for(path), snippet=snippet),
            )
        )
    return out


def _prose(card: CardFacts, files: list[LicenseFile], snapshot: Snapshot) -> list[tuple[Mention, Evidence]]:
    out: list[tuple[Mention, Evidence]] = []
    if card.exists and card.body:
        sections = card.find_sections(_LICENSE_SECTION)
        lines = card.grep(r".", sections=sections) if sections else []
        in_sections = {n for n, _ in lines}
        # Lines about other projects are not this model's license: acknowledgement / third-party
        # sections, and nested list items ("  - License: MIT" under a used project's entry).
        theirs = {n for s in card.find_sections(_THEIRS) for n in range(s.line, s.end_line + 1)}
        others = [
            (n, t)
            for n, t in card.grep(r"licen[cs]e|terms of use")
            if n not in in_sections and n not in theirs and not _NESTED_ITEM.match(t)
        ]
        for m in find_mentions(lines) + find_mentions(others, strict=True):
            out.append((m, card.line_evidence(m.line, m.text)))
    for f in files:  # NOTICE files name the license in prose ("Gemma is provided under ...")
        text = snapshot.texts.get(f.path)
        if f.kind == "notice" and text:
            pairs = list(enumerate(text.splitlines()[:200], 1))
            for m in find_mentions(pairs):
                out.append((m, Evidence(kind="line", path=f.path, line=m.line, snippet=m.text)))
    return out


def _use_only(card: CardFacts) -> list[Source]:
    """The first card line restricting the model's use to research / non-commercial purposes."""
    if not card.exists or not card.body:
        return []
    theirs = {n for s in card.find_sections(_THEIRS) for n in range(s.line, s.end_line + 1)}
    for n, text in card.grep(r"\bonly\b"):
        plain = re.sub(r"[*_`]+", "", text)
        hit = _USE_ONLY.search(plain)
        if n in theirs or hit is None or component_of(plain) in ("data", "code", "docs"):
            continue
        lid = UNNAMED_NON_COMMERCIAL if re.search(r"non-?commercial", hit.group(0), re.I) else UNNAMED_RESEARCH_ONLY
        info = lookup(lid)
        if info is not None:
            return [Source("restriction", lid, info, "weights", card.line_evidence(n, text))]
    return []


def _governing(
    declared: DeclaredLicense, meta: Any, card_eff: LicenseInfo | None, sources: list[Source]
) -> LicenseInfo | None:
    """The weights' license: the most restrictive of the card's license, license files and prose
    statements (about the weights or the whole repository). Among equally restrictive ones the first
    named governs: statements about the weights in particular, then the card, then the rest. A bare
    ``license: other`` (no license_name) only says "not in the Hub's list": a license the files or
    prose name explains it; with none, it stands as a custom license."""
    others = sorted((s for s in sources if s.origin != "card" and s.info.known), key=lambda s: s.component != "weights")
    named = isinstance(meta.get("license_name"), str) and meta["license_name"].strip()
    explained = declared.placeholder == "other" and not named and any(s.info.category != CUSTOM for s in others)
    card = [card_eff] if card_eff is not None and card_eff.known and not explained else []
    candidates = (
        [s.info for s in others if s.component == "weights"]
        + card
        + [s.info for s in others if s.component != "weights"]
    )
    return compare.effective(candidates, "AND") if candidates else card_eff


def _mention_info(m: Mention) -> LicenseInfo:
    if m.custom_name:  # "ACME Non-Commercial Community License": terms unknown, but not for commercial use
        nc = re.search(r"non[- ]?commercial", m.custom_name, re.IGNORECASE)
        return custom_info(m.license_id, m.custom_name, commercial_use=False if nc else None)
    return lookup(m.license_id) or unknown_info(m.license_id)


def _base_model(snapshot: Snapshot, card: CardFacts) -> BaseModel:
    raw = card.metadata.get("base_model") if card.exists else None
    ids = tuple(
        x.strip()
        for x in ([raw] if isinstance(raw, str) else raw if isinstance(raw, list) else [])
        if isinstance(x, str) and x.strip()
    )
    if not ids:
        return BaseModel((), None, None, "none", "the card names no base_model")
    ev = [card.field_evidence("base_model")]
    infos: list[tuple[str, LicenseInfo]] = []
    api = snapshot.api.get("base_models_info") if snapshot.api else None
    missing: list[str] = []
    for bid in ids:
        entry = api.get(bid) if isinstance(api, dict) else None
        lic = entry.get("license") if isinstance(entry, dict) else None
        if isinstance(lic, list):
            lic = lic[0] if lic else None
        if isinstance(lic, str) and lic.strip():
            name = entry.get("license_name") if isinstance(entry, dict) else None
            d = parse_card_license(lic, name, entry.get("license_link") if isinstance(entry, dict) else None)
            info = compare.effective(d.infos, d.operator)
            if info is not None:
                infos.append((bid, info))
                ev.append(
                    Evidence(
                        kind="api_field",
                        field="base_models_info.license",
                        url=f"https://huggingface.co/{bid}",
                        snippet=f"{bid}: license {lic}",
                    )
                )
                continue
        known = known_base_license(bid)
        if known and lookup(known[0]):
            infos.append((bid, lookup(known[0])))  # type: ignore[arg-type]
            ev.append(
                Evidence(
                    kind="computed",
                    snippet=f"{bid}: well-known base model under {known[0]} "
                    f"(rubrics/licenses.yaml base_models /{known[1]}/)",
                )
            )
            continue
        missing.append(bid)
    if not infos:
        why = "offline: " if snapshot.offline else ""
        return BaseModel(
            ids,
            None,
            None,
            "not_available",
            f"{why}the license of base model {', '.join(missing)} is not known here",
            tuple(ev),
        )
    info = compare.effective([i for _, i in infos], "AND")
    return BaseModel(
        ids,
        info.id if info else None,
        info,
        "known",
        "from " + ", ".join(b for b, _ in infos) + (f"; unknown for {', '.join(missing)}" if missing else ""),
        tuple(ev),
    )


def collect(snapshot: Snapshot, card: CardFacts) -> LicenseFacts:
    meta = card.metadata if card.exists else {}
    declared = parse_card_license(meta.get("license"), meta.get("license_name"), meta.get("license_link"))
    card_ev = tuple(card.field_evidence(k) for k in ("license", "license_name", "license_link") if k in meta)
    problems = list(declared.problems)
    files = _license_files(snapshot)
    sources: list[Source] = []
    if declared.declared and declared.placeholder != "unknown":
        for info in declared.infos:
            if info.known:
                sources.append(
                    Source("card", info.id, info, "all", card_ev[0] if card_ev else card.field_evidence("license"))
                )
    for f in files:
        if f.info is not None and f.component in ("all", "weights"):
            sources.append(Source("file", f.info.id, f.info, f.component, f.evidence))
    prose = [
        Source("prose", m.license_id, _mention_info(m), m.component, ev) for m, ev in _prose(card, files, snapshot)
    ]
    sources += [s for s in prose if s.component in ("all", "weights")]
    if not sources and not (declared.declared and declared.placeholder != "unknown"):
        sources += _use_only(card)  # no license anywhere: a stated use restriction still says "not open"
    # The weights' license: the card's (expression-aware), else a license file, else the prose;
    # when sources disagree, the most restrictive known one governs.
    card_eff = compare.effective(declared.infos, declared.operator) if declared.declared else None
    if card_eff is not None and not card_eff.known and declared.placeholder == "unknown":
        card_eff = None
    primary = _governing(declared, meta, card_eff, sources)
    expr = declared.expression if card_eff is not None and primary is card_eff else (primary.id if primary else None)
    primary_ev = tuple(s.evidence for s in sources if primary is not None and s.info.id == primary.id) or card_ev
    mismatches, mismatch_ev = _mismatches(sources, declared)
    modified_file = any(f.result and f.result.get("modified") and f.component in ("all", "weights") for f in files)
    components, comp_ev, unchecked = scope.components(primary, expr, primary_ev, files, prose, snapshot, card)
    base = _base_model(snapshot, card)
    if declared.placeholder == "other" and not any(f.kind == "license" for f in files):
        problems.append("license: other, and no LICENSE file carries its text")
    return LicenseFacts(
        declared=declared,
        card_evidence=card_ev,
        files=tuple(files),
        prose=tuple(prose),
        sources=tuple(sources),
        primary=primary,
        primary_expression=expr,
        primary_evidence=primary_ev,
        components=components,
        component_evidence=comp_ev,
        mismatches=tuple(mismatches),
        mismatch_evidence=tuple(mismatch_ev),
        base_model=base,
        problems=tuple(problems),
        modified_file=bool(modified_file),
        code_unchecked=unchecked,
    )


def _mismatches(sources: list[Source], declared: DeclaredLicense) -> tuple[list[str], list[Evidence]]:
    out: list[str] = []
    ev: list[Evidence] = []
    card = [s for s in sources if s.origin == "card"]
    others = [s for s in sources if s.origin != "card" and s.info.known]
    if card:
        for s in others:
            if declared.operator == "OR" or not any(compare.same_license(c.info, s.info) for c in card):
                if declared.operator == "OR" and any(compare.same_license(c.info, s.info) for c in card):
                    continue
                said = f'"{s.info.name}"' if s.info.category == "custom" else s.license_id
                out.append(
                    f"card says {declared.expression}, {s.origin} "
                    f"{s.evidence.path or ''}{':' + str(s.evidence.line) if s.evidence.line else ''} says {said}"
                )
                ev += [card[0].evidence, s.evidence]
    else:
        ids = {s.info.family for s in others}
        if len(ids) > 1:
            out.append(
                "the license files and card prose name different licenses: "
                + ", ".join(sorted({s.license_id for s in others}))
            )
            ev += [s.evidence for s in others]
    return out[:6], ev[:8]
