"""license.* probes over :class:`openaudit.collect.license.LicenseFacts`."""

from __future__ import annotations

from openaudit.collect import card as card_mod
from openaudit.collect import license as license_mod
from openaudit.collect.findings import files_unavailable, finding
from openaudit.licenses import compare
from openaudit.licenses.facts import CUSTOM, OPEN_CATEGORIES, RESTRICTED_OPEN_WEIGHTS
from openaudit.model import Evidence, Finding, Outcome
from openaudit.probes.registry import ProbeContext, probe

_LOOKED_FOR = "card license/license_name/license_link, LICENSE*/COPYING*/NOTICE* files, license statements in the card"


def _facts(ctx: ProbeContext):
    lic = ctx.facts.get("license")
    if lic is not None:
        return lic
    card = ctx.facts.get("card") or card_mod.collect(ctx.snapshot)
    return license_mod.collect(ctx.snapshot, card)


def _absence(what: str = _LOOKED_FOR) -> tuple[Evidence, ...]:
    return (Evidence(kind="absence", snippet=f"looked for: {what}"),)


def _ev(lf) -> tuple[Evidence, ...]:
    return tuple(lf.primary_evidence) or tuple(lf.card_evidence) or _absence()


def _name(lf) -> str:
    p = lf.primary
    if p is not None and p.category == CUSTOM and p.name and p.name != p.id:
        return f'"{p.name}" ({lf.primary_expression or p.id}, custom)'
    return f"{lf.primary_expression or p.id} ({p.category})" if p else "unknown"


@probe(
    "license.declared",
    dimension="license",
    question="Does the model declare a license (card metadata or LICENSE file)?",
)
def declared(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.declared"
    d = lf.declared
    files = [f for f in lf.files if f.kind == "license"]
    if d.declared and d.placeholder != "unknown":
        msg = f"the card declares {d.expression}"
        if d.problems:
            msg += f" ({d.problems[0]})"
        return finding(pid, Outcome.PASS, msg, lf.card_evidence, value=d.expression)
    if files:
        return finding(
            pid,
            Outcome.PASS,
            f"no card license, but {files[0].path} carries a license text",
            tuple(f.evidence for f in files[:3]),
            value=files[0].info.id if files[0].info else None,
        )
    if lf.prose:
        return finding(
            pid,
            Outcome.PARTIAL,
            f"only the card prose names a license ({lf.prose[0].license_id})",
            (lf.prose[0].evidence,),
            value=lf.prose[0].license_id,
        )
    why = (
        "the card says license: unknown"
        if d.placeholder == "unknown"
        else (d.problems[0] if d.problems else "no license is declared anywhere")
    )
    return finding(pid, Outcome.FAIL, why, tuple(lf.card_evidence) + _absence())


@probe(
    "license.open",
    dimension="license",
    question="Is the weights' license an open license (OSI-approved / open data or model license without use restrictions)?",
)
def open_license(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.open"
    p = lf.primary
    if p is None:
        # A complete repository with no license anywhere grants no rights: not open. Only where the
        # repository's files were not all observed (a card-only folder, a partial listing) is it unknown.
        na = files_unavailable(pid, ctx.snapshot, "LICENSE files")
        if na is not None:
            return finding(pid, Outcome.NOT_AVAILABLE, f"no license is declared in the card, and {na.message}", _ev(lf))
        unnamed = [f for f in lf.files if f.kind == "license"]
        if unnamed:  # a license file whose text was not read or not identified: a license, terms unknown
            return finding(
                pid,
                Outcome.NOT_AVAILABLE,
                f"{unnamed[0].path} is a license file whose license was not identified: openness cannot be judged",
                tuple(f.evidence for f in unnamed[:3]),
            )
        return finding(
            pid,
            Outcome.FAIL,
            "no license is declared anywhere (card, LICENSE files, card prose): no rights are granted, "
            "so the weights are not open",
            _ev(lf),
        )
    if p.category == "unknown":
        return finding(
            pid,
            Outcome.NOT_AVAILABLE,
            f"license {p.id} is not one openaudit has facts for: openness cannot be judged",
            _ev(lf),
        )
    if p.family == "unnamed":  # no license named; the card restricts use ("for research purpose only")
        return finding(
            pid,
            Outcome.FAIL,
            f"the card restricts use ({p.aup}) without naming a license: not an open license",
            _ev(lf),
            value=p.id,
        )
    if lf.modified_file:
        return finding(
            pid,
            Outcome.PARTIAL,
            f"{_name(lf)}, but the LICENSE file changes its terms",
            _ev(lf),
            value=p.id,
            score=0.25,
        )
    if p.category in OPEN_CATEGORIES and not p.use_restrictions:
        osi = "OSI-approved" if p.osi_approved else "open"
        return finding(
            pid, Outcome.PASS, f"{_name(lf)} is an {osi} license without use restrictions", _ev(lf), value=p.id
        )
    if p.category == CUSTOM:
        return finding(
            pid,
            Outcome.FAIL,
            f"{_name(lf)}: a custom license, not an OSI-approved or open-data license "
            "(its terms are not known to openaudit)",
            _ev(lf),
            value=p.id,
        )
    if p.category in RESTRICTED_OPEN_WEIGHTS or (p.category in OPEN_CATEGORIES and p.use_restrictions):
        return finding(
            pid,
            Outcome.PARTIAL,
            f"{_name(lf)}: open weights under use restrictions, not an open-source license",
            _ev(lf),
            value=p.id,
        )
    return finding(pid, Outcome.FAIL, f"{_name(lf)} is not an open license", _ev(lf), value=p.id)


@probe(
    "license.commercial_use",
    dimension="license",
    question="Does the license allow commercial use without a separate agreement?",
)
def commercial_use(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.commercial_use"
    p = lf.primary
    if p is None or p.commercial_use is None:
        why = (
            f"the terms of the custom license {_name(lf)} are not known"
            if p is not None and p.category == CUSTOM
            else "license unknown"
        )
        return finding(pid, Outcome.NOT_AVAILABLE, f"commercial use cannot be determined ({why})", _ev(lf))
    if p.commercial_use == "conditional":
        return finding(
            pid,
            Outcome.PARTIAL,
            f"{_name(lf)} allows commercial use only conditionally: {p.user_threshold}",
            _ev(lf),
            value="conditional",
        )
    if p.commercial_use:
        return finding(pid, Outcome.PASS, f"{_name(lf)} allows commercial use", _ev(lf), value=True)
    return finding(pid, Outcome.FAIL, f"{_name(lf)} does not allow commercial use", _ev(lf), value=False)


@probe(
    "license.no_use_restrictions",
    dimension="license",
    question="Is the license free of use-based restrictions, user thresholds and output-use bans?",
)
def no_use_restrictions(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.no_use_restrictions"
    p = lf.primary
    if p is None or p.category in ("unknown", CUSTOM):
        why = (
            "license unknown"
            if p is None or p.category == "unknown"
            else f"the terms of the custom license {_name(lf)} are not known"
        )
        return finding(pid, Outcome.NOT_AVAILABLE, f"use restrictions cannot be determined ({why})", _ev(lf))
    found = [r for r in lf.restrictions() if not r.startswith("revocable")]
    if not found:
        return finding(pid, Outcome.PASS, f"{_name(lf)} carries no use, user-count or output restrictions", _ev(lf))
    return finding(pid, Outcome.FAIL, f"{_name(lf)}: " + "; ".join(found), _ev(lf), value=found)


@probe(
    "license.file_present",
    dimension="license",
    question="Does the repository carry the license text (LICENSE/NOTICE file)?",
)
def file_present(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.file_present"
    files = [f for f in lf.files if f.kind == "license"]
    if files:
        return finding(
            pid,
            Outcome.PASS,
            "license text shipped in " + ", ".join(f.path for f in files[:4]),
            tuple(f.evidence for f in files[:4]),
        )
    notices = [f for f in lf.files if f.kind != "license"]
    if notices:
        return finding(
            pid,
            Outcome.PARTIAL,
            f"only {notices[0].path} (no full license text)",
            tuple(f.evidence for f in notices[:2]),
        )
    return finding(
        pid,
        Outcome.FAIL,
        "no LICENSE / COPYING file in the repository",
        _absence("LICENSE*, LICENCE*, COPYING*, NOTICE*, MODEL_LICENSE* at the repository root"),
    )


@probe(
    "license.consistent",
    dimension="license",
    question="Do the card metadata, the LICENSE file and the card prose name the same license?",
)
def consistent(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.consistent"
    if lf.mismatches:
        return finding(
            pid,
            Outcome.FAIL,
            lf.mismatches[0] + (f" (+{len(lf.mismatches) - 1} more)" if len(lf.mismatches) > 1 else ""),
            tuple(lf.mismatch_evidence),
            value=list(lf.mismatches),
        )
    origins = {s.origin for s in lf.sources}
    if len(origins) < 2:
        return finding(
            pid,
            Outcome.NOT_APPLICABLE,
            "only one place states the license; nothing to compare",
            tuple(s.evidence for s in lf.sources[:2]) or _absence(),
        )
    return finding(
        pid, Outcome.PASS, f"card, files and prose agree on {_name(lf)}", tuple(s.evidence for s in lf.sources[:4])
    )


@probe(
    "license.base_model_compatible",
    dimension="license",
    question="Is the model no more open than its base model allows?",
)
def base_model_compatible(ctx: ProbeContext) -> Finding:
    lf = _facts(ctx)
    pid = "license.base_model_compatible"
    b = lf.base_model
    if b.status == "none":
        return finding(pid, Outcome.NOT_APPLICABLE, b.reason, _absence("card base_model"))
    if b.status != "known" or b.info is None:
        return finding(pid, Outcome.NOT_AVAILABLE, b.reason, b.evidence)
    p = lf.primary
    if p is None or p.category == "unknown":
        return finding(
            pid,
            Outcome.NOT_AVAILABLE,
            f"base model is under {b.license_id}; this model's license is unknown",
            b.evidence + _ev(lf),
        )
    if compare.more_open(p, b.info):
        return finding(
            pid,
            Outcome.FAIL,
            f"declares {_name(lf)}, more open than its base model's {b.info.id} "
            f"({b.info.category}); the base license's terms still apply",
            b.evidence + _ev(lf),
            value=b.info.id,
        )
    return finding(
        pid,
        Outcome.PASS,
        f"{_name(lf)} is no more open than the base model's {b.info.id}",
        b.evidence + _ev(lf),
        value=b.info.id,
    )


def _component(ctx: ProbeContext, pid: str, comp: str, noun: str) -> Finding:
    lf = _facts(ctx)
    c = lf.components.get(comp) or {}
    ev = lf.component_evidence.get(comp) or _absence(
        f"a {noun} license (LICENSE-{comp.upper()} file, card prose, dataset info)"
    )
    lid, appr = c.get("license"), c.get("appropriateness", "unknown")
    if lid is None and comp == "code" and lf.code_unchecked:
        repos = ", ".join(lf.code_unchecked[:3])
        return finding(
            pid,
            Outcome.NOT_AVAILABLE,
            f"the code is in a linked repository ({repos}): linked, license not checked"
            + (" (links are not followed offline)" if ctx.snapshot.offline else ""),
            (
                Evidence(
                    kind="url",
                    url=f"https://{lf.code_unchecked[0]}",
                    snippet="linked code repository; license not checked",
                ),
            ),
        )
    if lid is None:
        return finding(pid, Outcome.NOT_AVAILABLE, f"no license found for the {noun}", ev)
    src = f" (from the {c.get('source')})" if c.get("source") else ""
    if appr == "appropriate":
        return finding(pid, Outcome.PASS, f"{noun} under {lid}{src}", ev, value=lid)
    if appr == "acceptable":
        return finding(
            pid, Outcome.PASS, f"{noun} under {lid}{src}: open, though not a typical {noun} license", ev, value=lid
        )
    if appr == "inappropriate":
        return finding(
            pid, Outcome.PARTIAL, f"{noun} under {lid}{src}: an open license not made for {noun}", ev, value=lid
        )
    if appr == "not_open":
        cat = c.get("category")
        part = cat in RESTRICTED_OPEN_WEIGHTS
        return finding(
            pid,
            Outcome.PARTIAL if part else Outcome.FAIL,
            f"{noun} under {lid} ({cat}): not an open license{src}",
            ev,
            value=lid,
            score=0.25 if part else None,
        )
    return finding(
        pid, Outcome.NOT_AVAILABLE, f"{noun} license {lid} is not one openaudit has facts for", ev, value=lid
    )


@probe("license.code_license", dimension="code", question="Is the code released under an open-source license?")
def code_license(ctx: ProbeContext) -> Finding:
    return _component(ctx, "license.code_license", "code", "code")


@probe("license.data_license", dimension="data", question="Is the training data released under an open data license?")
def data_license(ctx: ProbeContext) -> Finding:
    return _component(ctx, "license.data_license", "data", "training data")
