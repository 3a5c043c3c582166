"""Markdown report card (GitHub-flavoured): what a person reads in a PR, a job summary or a model page."""
from __future__ import annotations

import re
from typing import Any

from openaudit.render import explain
from openaudit.render._common import (
    OUTCOME_ICON,
    OUTCOME_LABEL,
    as_dict,
    as_list,
    dimensions,
    evidence,
    evidence_location,
    findings,
    frameworks,
    missing_text,
    mof_progress_rows,
    policy_violations,
    safe_url,
    score_text,
    target_id,
    text,
    unverified_text,
)

_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def md(value: Any, default: str = "") -> str:
    """Untrusted text as inert inline Markdown: one line, control chars dropped, markup escaped."""
    s = " ".join(_CTRL.sub("", text(value, default)).split())
    s = s.replace("&", "&amp;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def _code(value: Any) -> str:
    s = " ".join(_CTRL.sub("", text(value)).split()).replace("`", "'")
    return f"`{s}`" if s else ""


def _bar(score: Any) -> str:
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        return "░" * 10
    n = max(0, min(10, round(float(score))))
    return "█" * n + "░" * (10 - n)


def render_markdown(report: dict[str, Any], *, policy_verdict: dict[str, Any] | None = None,
                    **_opts: Any) -> str:
    out: list[str] = []
    tgt = as_dict(report.get("target"))
    overall = as_dict(report.get("overall"))
    lic = as_dict(report.get("license"))
    out.append(f"# Openness report: {md(target_id(report))}")
    out.append("")
    meta = [f"**Overall:** {score_text(overall.get('score'))}/10 — grade **{md(overall.get('grade'), 'n/a')}**"]
    if overall.get("confidence") is not None:
        meta.append(f"confidence {md(overall.get('confidence'))}")
    out.append(" · ".join(meta))
    out.append("")
    src = [f"source: {md(tgt.get('source'), 'unknown')}"]
    if tgt.get("revision"):
        src.append(f"revision: {_code(tgt.get('revision'))}")
    if tgt.get("commit_sha"):
        src.append(f"commit: {_code(tgt.get('commit_sha'))}")
    rub = as_dict(report.get("rubric"))
    if rub:
        src.append(f"rubric: {md(rub.get('id'))} {md(rub.get('version'))}")
    out.append(" · ".join(src))
    out.append("")

    if policy_verdict is not None:
        out.extend(_policy(policy_verdict))

    out.append("## Scores")
    out.append("")
    out.append("| Dimension | Score | | Grade | Confidence |")
    out.append("|---|---:|---|:---:|---:|")
    for d in dimensions(report):
        out.append(f"| {md(d.get('name') or d.get('id'))} | {score_text(d.get('score'))} | {_bar(d.get('score'))} "
                   f"| {md(d.get('grade'), '–')} | {md(d.get('confidence'), '–')} |")
    out.append("")

    out.append("## License")
    out.append("")
    out.append("| Fact | Value |")
    out.append("|---|---|")
    for key in ("declared", "spdx", "category", "commercial_use", "mismatch"):
        out.append(f"| {key.replace('_', ' ')} | {md(lic.get(key), 'unknown')} |")
    out.append(f"| restrictions | {md(as_list(lic.get('restrictions')), 'none listed')} |")
    for key in sorted(k for k in lic if k not in ("declared", "spdx", "category", "commercial_use", "mismatch",
                                                   "restrictions")):
        out.append(f"| {md(key.replace('_', ' '))} | {md(lic.get(key), '–')} |")
    out.append("")

    mof, osaid, osai = frameworks(report)
    if mof or osaid or osai:
        out.append("## Frameworks")
        out.append("")
        if mof:
            out.append(f"- **Model Openness Framework:** class {md(mof.get('class'), 'none reached')}")
            for cls, share, missing in mof_progress_rows(mof):
                tail = f" — missing: {md(missing)}" if missing else ""
                out.append(f"  - Class {md(cls)}: {md(share)}{tail}")
        if osaid:
            out.append(f"- **OSI Open Source AI Definition:** {md(osaid.get('verdict'), 'n/a')}")
            for m in as_list(osaid.get("missing")):
                out.append(f"  - missing: {md(missing_text(m))}")
        if osai:
            out.append("- **European Open Source AI Index:** "
                       + ", ".join(f"{md(k)}: {md(v)}" for k, v in sorted(osai.items())))
        out.append("")
    out.extend(explain.markdown_lines(report, md))

    facts = as_dict(report.get("facts"))
    if facts:
        out.append("## Facts")
        out.append("")
        for k in sorted(facts):
            out.append(f"- **{md(k.replace('_', ' '))}:** {md(facts[k], '–')}")
        out.append("")

    out.append("## Findings")
    for d in dimensions(report):
        out.append("")
        out.append(f"### {md(d.get('name') or d.get('id'))}")
        out.append("")
        fs = findings(d)
        if not fs:
            out.append("_No findings._")
        for f in fs:
            o = str(f.get("outcome"))
            out.append(f"- {OUTCOME_ICON.get(o, '?')} **{md(OUTCOME_LABEL.get(o, o))}** {_code(f.get('probe'))}: "
                       f"{md(f.get('message'))}")
            for ev in evidence(f):
                out.append(f"  - {_evidence_md(ev)}")
    out.append("")

    out.extend(_contamination(as_dict(report.get("contamination"))))
    out.extend(_verification(as_dict(report.get("verification"))))

    tool = as_dict(report.get("tool"))
    foot = f"_Generated by {md(tool.get('name'), 'openaudit')} {md(tool.get('version'))}"
    if report.get("generated_at"):
        foot += f" at {md(report.get('generated_at'))}"
    out.append(foot + "._")
    return "\n".join(out) + "\n"


def _evidence_md(ev: dict[str, Any]) -> str:
    parts = [md(ev.get("kind"), "evidence")]
    loc = evidence_location(ev)
    url = safe_url(ev.get("url"))
    if loc and url:
        parts.append(f"[{md(loc)}](<{url.replace('>', '%3E')}>)")
    elif loc:
        parts.append(_code(loc))
    elif url:
        parts.append(f"<{url.replace('>', '%3E')}>")
    if ev.get("snippet"):
        parts.append(_code(str(ev["snippet"])[:200]))
    return " ".join(p for p in parts if p)


def _policy(verdict: dict[str, Any]) -> list[str]:
    out = ["## Policy", ""]
    ok = bool(as_dict(verdict).get("ok"))
    out.append("**Policy met.**" if ok else "**Policy violated.**")
    out.append("")
    viol = policy_violations(verdict)
    if viol:
        out.append("| Rule | Expected | Actual | Message |")
        out.append("|---|---|---|---|")
        for v in viol:
            out.append(f"| {md(v.get('rule'))} | {md(v.get('expected'))} | {md(v.get('actual'))} | {md(v.get('message'))} |")
        out.append("")
    unv = as_list(as_dict(verdict).get("unverified"))
    if unv:
        out.append("Not verifiable: " + ", ".join(md(unverified_text(u)) for u in unv))
        out.append("")
    return out


def _contamination(c: dict[str, Any]) -> list[str]:
    if not c:
        return []
    out = ["## Benchmark contamination", ""]
    method = as_dict(c.get("method"))
    if method:
        out.append(f"Method: {md(method)}")
        out.append("")
    out.append("| Benchmark | Items | Contaminated | Rate | Buckets |")
    out.append("|---|---:|---:|---:|---|")
    for b in as_list(c.get("benchmarks")):
        b = as_dict(b)
        rate = b.get("rate")
        rate_s = f"{float(rate):.2%}" if isinstance(rate, (int, float)) and not isinstance(rate, bool) else "n/a"
        out.append(f"| {md(b.get('name'))} | {md(b.get('items_total'))} | {md(b.get('items_contaminated'))} "
                   f"| {rate_s} | {md(as_dict(b.get('buckets')))} |")
    out.append("")
    return out


def _verification(v: dict[str, Any]) -> list[str]:
    if not v:
        return []
    out = ["## Training replay", ""]
    out.append(f"- **Verdict:** {md(v.get('verdict'), 'n/a')} (tier {md(v.get('tier'), 'n/a')})")
    if v.get("first_divergent_step") is not None:
        out.append(f"- **First divergent step:** {md(v.get('first_divergent_step'))}")
    for k, val in sorted(as_dict(v.get("metrics")).items()):
        out.append(f"- {md(k)}: {md(val)}")
    if as_list(v.get("missing")):
        out.append(f"- **Missing:** {md(as_list(v.get('missing')))}")
    if as_dict(v.get("environment")):
        out.append(f"- Environment: {md(as_dict(v.get('environment')))}")
    out.append("")
    return out
