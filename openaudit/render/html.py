"""One self-contained HTML report card: inline CSS and SVG only — no scripts, fonts or network.

Nested report data (license components and evidence, facts, contamination method, replay metrics)
goes through the one nested-value renderer, ``htmltext.html_value``."""

from __future__ import annotations

from typing import Any

from openaudit.render import explain, nested
from openaudit.render._common import (
    LEGEND,
    OUTCOME_ICON,
    OUTCOME_LABEL,
    as_dict,
    as_list,
    dimensions,
    evidence,
    evidence_location,
    findings,
    findings_counts,
    frameworks,
    grade_color,
    mof_classes,
    policy_violations,
    score_text,
    target_id,
    text,
    unverified_text,
)
from openaudit.render.contamination import status_lines
from openaudit.render.htmltext import h, html_fields, html_inline, html_table, html_value, link
from openaudit.render.sections import (
    LICENSE_SUMMARY,
    contamination_rows,
    facts_groups,
    gap,
    license_details,
    rate_text,
)
from openaudit.render.svg import score_chart
from openaudit.render.verification import to_html

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
header{display:flex;gap:24px;align-items:center;border-bottom:1px solid #ddd;padding-bottom:16px}
.grade{flex:none;width:96px;height:96px;border-radius:16px;color:#fff;display:flex;flex-direction:column;align-items:center;justify-content:center;font-weight:700}
.grade .g{font-size:44px;line-height:1}.grade .s{font-size:14px;opacity:.9}
h1{font-size:24px;margin:0 0 6px;overflow-wrap:anywhere}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid #eee;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}.meta{color:#555;font-size:13px}.meta code{font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,440px),1fr));gap:16px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:10px;padding:14px 16px;min-width:0;overflow-x:auto}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{text-align:left;padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}
td{overflow-wrap:break-word}th{color:#555;font-weight:600}
table.kv>tbody>tr>th,table.kv>tr>th{width:1%;min-width:9.5em}
table.nested,table.kv table{font-size:13px;width:auto}
table.nested th{background:#f6f6f6;white-space:nowrap}
td table{margin:2px 0}ol.nested{margin:0;padding-left:22px}
.none{color:#9e9e9e;font-style:italic}.more{color:#777;font-style:italic}
.counts{font-weight:400;color:#555;font-size:14px}.legend{color:#555;font-size:13px;margin:6px 0 0}
.o{display:inline-block;min-width:92px;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;text-align:center}
.o-pass{background:#e6f4ea;color:#1e6b34}.o-fail{background:#fde8e7;color:#b3261e}.o-partial{background:#fff4d6;color:#8a5a00}
.o-not_applicable,.o-not_available{background:#eceff1;color:#546e7a}.o-error{background:#3b0d0c;color:#fff}
.open{color:#1e6b34;font-weight:600}.partial{color:#8a5a00;font-weight:600}.closed{color:#b3261e;font-weight:600}.not_available{color:#78909c}
ul.ev{margin:4px 0 0 0;padding-left:18px;font-size:13px;color:#444}code{background:#f3f3f3;padding:0 3px;border-radius:3px;white-space:pre-wrap;overflow-wrap:anywhere}
ul.gaps{margin:4px 0 8px;padding-left:18px;font-size:13px;color:#444}ul.gaps li{margin:2px 0}
.progress{background:#eee;border-radius:4px;height:8px;width:100px;display:inline-block;vertical-align:middle;margin:0 8px}
.progress span{display:block;height:8px;border-radius:4px;background:#1565c0}
.violation{background:#fde8e7}.ok{color:#1e6b34;font-weight:700}.bad{color:#b3261e;font-weight:700}
footer{color:#777;font-size:12px;margin-top:32px}
"""


def _outcome(o: Any) -> str:
    o = str(o)
    cls = o if o in OUTCOME_LABEL else "error"
    return f'<span class="o o-{cls}">{h(OUTCOME_ICON.get(o, "?"))} {h(OUTCOME_LABEL.get(o, o))}</span>'


def render_html(report: dict[str, Any], *, policy_verdict: dict[str, Any] | None = None, **_opts: Any) -> str:
    tgt = as_dict(report.get("target"))
    overall = as_dict(report.get("overall"))
    title = f"openaudit: {target_id(report)}"
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">',
        f"<title>{h(title)}</title><style>{_CSS}</style></head><body><main>",
        "<header>",
        f'<div class="grade" style="background:{grade_color(overall.get("grade"))}">'
        f'<div class="g">{h(overall.get("grade"), "–")}</div>'
        f'<div class="s">{score_text(overall.get("score"))}/10</div></div>',
        "<div>",
        f"<h1>{h(target_id(report))}</h1>",
        '<div class="meta">'
        + " · ".join(
            x
            for x in (
                f"source {h(tgt.get('source'), 'unknown')}",
                f"revision <code>{h(tgt.get('revision'))}</code>" if tgt.get("revision") else "",
                f"commit <code>{h(tgt.get('commit_sha'))}</code>" if tgt.get("commit_sha") else "",
                f"confidence {h(overall.get('confidence'))}" if overall.get("confidence") is not None else "",
            )
            if x
        )
        + "</div>",
        "</div></header>",
    ]
    if policy_verdict is not None:
        out.extend(_policy(policy_verdict))
    out.append("<h2>Scores</h2>")
    out.append(f'<div class="card">{score_chart(report)}</div>')
    lic = as_dict(report.get("license"))
    out.append('<div class="cards" style="margin-top:16px">')
    out.append(_license_card(lic))
    out.append(_frameworks_card(report))
    out.append("</div>")
    out.extend(_license_details(lic))
    out.extend(_framework_gaps(report))
    out.extend(explain.html_lines(report, h))
    out.extend(_facts(as_dict(report.get("facts"))))
    out.append("<h2>Findings</h2>")
    out.append(f'<p class="legend">{h(LEGEND)}</p>')
    for d in dimensions(report):
        out.append(
            f"<h3>{h(d.get('name') or d.get('id'))} — {score_text(d.get('score'))}/10 "
            f"<small>(grade {h(d.get('grade'), 'n/a')}, confidence {h(d.get('confidence'), 'n/a')})</small> "
            f'<span class="counts">{h(findings_counts(d))}</span></h3>'
        )
        fs = findings(d)
        if not fs:
            out.append("<p><em>No findings.</em></p>")
            continue
        out.append(
            '<table><tr><th style="width:110px">Outcome</th><th style="width:240px">Probe</th><th>Finding</th></tr>'
        )
        for f in fs:
            out.append(
                f"<tr><td>{_outcome(f.get('outcome'))}</td><td><code>{h(f.get('probe'))}</code></td>"
                f"<td>{h(f.get('message'))}{_evidence(evidence(f))}</td></tr>"
            )
        out.append("</table>")
    out.extend(_contamination(as_dict(report.get("contamination"))))
    out.extend(_verification(as_dict(report.get("verification"))))
    tool = as_dict(report.get("tool"))
    rub = as_dict(report.get("rubric"))
    foot = f"Generated by {h(tool.get('name'), 'openaudit')} {h(tool.get('version'))}"
    if rub:
        foot += f" with rubric {h(rub.get('id'))} {h(rub.get('version'))}"
    if report.get("generated_at"):
        foot += f" at {h(report.get('generated_at'))}"
    out.append(f"<footer>{foot}.</footer></main></body></html>")
    return "\n".join(out) + "\n"


def _evidence(evs: list[dict[str, Any]]) -> str:
    if not evs:
        return ""
    items = []
    for ev in evs:
        loc = evidence_location(ev)
        parts = [f"<strong>{h(ev.get('kind'), 'evidence')}</strong>"]
        if loc or ev.get("url"):
            parts.append(link(ev.get("url"), loc or text(ev.get("url"))))
        if ev.get("snippet"):
            parts.append(f"<code>{h(str(ev['snippet'])[:400])}</code>")
        items.append("<li>" + " ".join(parts) + "</li>")
    return '<ul class="ev">' + "".join(items) + "</ul>"


def _license_card(lic: dict[str, Any]) -> str:
    summary, _ = license_details(lic)
    rows = []
    for key, value in summary:
        if nested.is_empty(value) and key in LICENSE_SUMMARY:
            shown = f'<span class="none">{"none listed" if key == "restrictions" else "unknown"}</span>'
        else:
            shown = html_inline(value)
        rows.append(f"<tr><th>{h(nested.label(key))}</th><td>{shown}</td></tr>")
    return '<div class="card"><h3>License</h3><table class="kv">' + "".join(rows) + "</table></div>"


def _license_details(lic: dict[str, Any]) -> list[str]:
    _, details = license_details(lic)
    if not details:
        return []
    out = ["<h2>License details</h2>"]
    for key, value in details:
        out.append(f'<h3>{h(nested.label(key).capitalize())}</h3><div class="scroll">{html_value(value)}</div>')
    return out


def _frameworks_card(report: dict[str, Any]) -> str:
    mof, osaid, osai = frameworks(report)
    out = ['<div class="card"><h3>Frameworks</h3>']
    out.append(f"<p><strong>Model Openness Framework:</strong> class {h(mof.get('class'), 'none reached')}</p>")
    rows = mof_classes(mof)
    if rows:
        out.append('<table class="kv">')
        for row in rows:
            bar = ""
            met, _, total = row.share.partition("/")
            if met.isdigit() and total.isdigit() and int(total):
                bar = f'<span class="progress"><span style="width:{100 * int(met) / int(total):.0f}%"></span></span>'
            out.append(f"<tr><th>{h(row.name)}</th><td>{bar}{h(row.share)}</td></tr>")
        out.append("</table>")
    out.append(f"<p><strong>OSI Open Source AI Definition:</strong> {h(osaid.get('verdict'), 'n/a')}</p>")
    if osai:
        out.append('<p><strong>European Open Source AI Index</strong></p><table class="kv">')
        for k, v in nested.items(osai):
            grade = text(v)
            cls = grade if grade in ("open", "partial", "closed", "not_available") else ""
            out.append(f'<tr><th>{h(nested.label(k))}</th><td class="{cls}">{h(grade)}</td></tr>')
        out.append("</table>")
    out.append("</div>")
    return "".join(out)


def _gap(item: Any) -> str:
    g = gap(item)
    status = f" <small>[{h(g.status)}]</small>" if g.status else ""
    return f"<li><strong>{h(g.name)}</strong>{status}" + (f" — {h(g.reason)}" if g.reason else "") + "</li>"


def _framework_gaps(report: dict[str, Any]) -> list[str]:
    """Each MOF class's own gaps (the lower classes' are counted, not repeated) and OSAID's gaps."""
    mof, osaid, _ = frameworks(report)
    out: list[str] = []
    for row in mof_classes(mof):
        if not row.own_missing and not row.lower_missing:
            continue
        lower = f" (plus the {row.lower_missing} gaps of the classes below)" if row.lower_missing else ""
        out.append(f"<h3>{h(row.name)}: {h(row.share)} met{h(lower)}</h3>")
        if row.own_missing:
            out.append('<ul class="gaps">' + "".join(_gap(m) for m in row.own_missing) + "</ul>")
    missing = as_list(osaid.get("missing"))
    if missing:
        out.append(f"<h3>OSAID: {h(osaid.get('verdict'), 'n/a')}</h3>")
        out.append('<ul class="gaps">' + "".join(_gap(m) for m in missing) + "</ul>")
    return ["<h2>Framework gaps</h2>", *out] if out else []


def _facts(facts: dict[str, Any]) -> list[str]:
    if not facts:
        return []
    out = ["<h2>Facts</h2>", '<div class="cards">']
    loose, groups = facts_groups(facts)
    if loose:
        out.append(f'<div class="card">{html_fields(loose)}</div>')
    for key, value in groups:
        out.append(f'<div class="card"><h3>{h(nested.label(key).capitalize())}</h3>{html_fields(value)}</div>')
    out.append("</div>")
    return out


def _policy(verdict: dict[str, Any]) -> list[str]:
    ok = bool(as_dict(verdict).get("ok"))
    out = ["<h2>Policy</h2>", f'<p class="{"ok" if ok else "bad"}">{"Policy met" if ok else "Policy violated"}</p>']
    viol = policy_violations(verdict)
    if viol:
        out.append("<table><tr><th>Rule</th><th>Expected</th><th>Actual</th><th>Message</th></tr>")
        out.extend(
            f'<tr class="violation"><td><code>{h(v.get("rule"))}</code></td><td>{html_value(v.get("expected"))}</td>'
            f"<td>{html_value(v.get('actual'))}</td><td>{h(v.get('message'))}</td></tr>"
            for v in viol
        )
        out.append("</table>")
    unv = as_list(as_dict(verdict).get("unverified"))
    if unv:
        out.append(f"<p>Not verifiable: {h(', '.join(unverified_text(u) for u in unv))}</p>")
    return out


def _contamination(c: dict[str, Any]) -> list[str]:
    if not c:
        return []
    out = ["<h2>Benchmark contamination</h2>", *(f"<p>{h(line)}</p>" for line in status_lines(c))]
    if c.get("status") == "not_run":
        return out
    benches, examples = contamination_rows(c)
    rows = [[b["name"], b["items"], b["contaminated"], rate_text(b["rate"]), b["buckets"]] for b in benches]
    out.append(html_table(["benchmark", "items", "contaminated", "rate", "buckets"], rows, cls=""))
    if examples:
        out.append(f'<h3>Contaminated items</h3><div class="scroll">{html_value(examples)}</div>')
    method = as_dict(c.get("method"))
    if method:
        out.append(f'<h3>Method</h3><div class="scroll">{html_fields(method)}</div>')
    return out


def _verification(v: dict[str, Any]) -> list[str]:
    return to_html(v, h)
