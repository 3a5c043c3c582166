"""One self-contained HTML report card: inline CSS and SVG only — no scripts, fonts or network."""
from __future__ import annotations

from html import escape
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
    grade_color,
    missing_text,
    mof_progress_rows,
    policy_violations,
    safe_url,
    score_text,
    target_id,
    text,
    unverified_text,
)
from openaudit.render.svg import score_chart

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
header{display:flex;gap:24px;align-items:center;border-bottom:1px solid #ddd;padding-bottom:16px}
.grade{width:96px;height:96px;border-radius:16px;color:#fff;display:flex;flex-direction:column;align-items:center;justify-content:center;font-weight:700}
.grade .g{font-size:44px;line-height:1}.grade .s{font-size:14px;opacity:.9}
h1{font-size:24px;margin:0 0 6px;word-break:break-all}h2{font-size:19px;margin:28px 0 10px;border-bottom:1px solid #eee;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}.meta{color:#555;font-size:13px}.meta code{font-size:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:10px;padding:14px 16px}
td{overflow-wrap:anywhere}th{white-space:nowrap}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{text-align:left;padding:5px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{color:#555;font-weight:600}
.o{display:inline-block;min-width:92px;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;text-align:center}
.o-pass{background:#e6f4ea;color:#1e6b34}.o-fail{background:#fde8e7;color:#b3261e}.o-partial{background:#fff4d6;color:#8a5a00}
.o-not_applicable,.o-not_available{background:#eceff1;color:#546e7a}.o-error{background:#3b0d0c;color:#fff}
.open{color:#1e6b34;font-weight:600}.partial{color:#8a5a00;font-weight:600}.closed{color:#b3261e;font-weight:600}.not_available{color:#78909c}
ul.ev{margin:4px 0 0 0;padding-left:18px;font-size:13px;color:#444}ul.ev code{background:#f3f3f3;padding:0 3px;border-radius:3px;white-space:pre-wrap;word-break:break-word}
.progress{background:#eee;border-radius:4px;height:8px;width:140px;display:inline-block;vertical-align:middle;margin:0 8px}
.progress span{display:block;height:8px;border-radius:4px;background:#1565c0}
.violation{background:#fde8e7}.ok{color:#1e6b34;font-weight:700}.bad{color:#b3261e;font-weight:700}
footer{color:#777;font-size:12px;margin-top:32px}
"""


def _e(value: Any, default: str = "") -> str:
    return escape(text(value, default))


def _outcome(o: Any) -> str:
    o = str(o)
    cls = o if o in OUTCOME_LABEL else "error"
    return f'<span class="o o-{cls}">{escape(OUTCOME_ICON.get(o, "?"))} {_e(OUTCOME_LABEL.get(o, o))}</span>'


def _link(url: Any, label: str) -> str:
    u = safe_url(url)
    if u is None:
        return escape(label)
    return f'<a href="{escape(u, quote=True)}" rel="noopener noreferrer">{escape(label)}</a>'


def render_html(report: dict[str, Any], *, policy_verdict: dict[str, Any] | None = None, **_opts: Any) -> str:
    tgt = as_dict(report.get("target"))
    overall = as_dict(report.get("overall"))
    title = f"openaudit: {target_id(report)}"
    h: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
        "<header>",
        f'<div class="grade" style="background:{grade_color(overall.get("grade"))}">'
        f'<div class="g">{_e(overall.get("grade"), "–")}</div>'
        f'<div class="s">{score_text(overall.get("score"))}/10</div></div>',
        "<div>",
        f"<h1>{_e(target_id(report))}</h1>",
        '<div class="meta">' + " · ".join(x for x in (
            f"source {_e(tgt.get('source'), 'unknown')}",
            f"revision <code>{_e(tgt.get('revision'))}</code>" if tgt.get("revision") else "",
            f"commit <code>{_e(tgt.get('commit_sha'))}</code>" if tgt.get("commit_sha") else "",
            f"confidence {_e(overall.get('confidence'))}" if overall.get("confidence") is not None else "",
        ) if x) + "</div>",
        "</div></header>",
    ]
    if policy_verdict is not None:
        h.extend(_policy(policy_verdict))
    h.append("<h2>Scores</h2>")
    h.append(f'<div class="card">{score_chart(report)}</div>')
    h.append('<div class="cards" style="margin-top:16px">')
    h.append(_license_card(as_dict(report.get("license"))))
    h.append(_frameworks_card(report))
    facts = as_dict(report.get("facts"))
    if facts:
        h.append('<div class="card"><h3>Facts</h3><table>')
        h.extend(f"<tr><th>{_e(k.replace('_', ' '))}</th><td>{_e(facts[k], '–')}</td></tr>" for k in sorted(facts))
        h.append("</table></div>")
    h.append("</div>")
    h.extend(explain.html_lines(report))
    h.append("<h2>Findings</h2>")
    for d in dimensions(report):
        h.append(f"<h3>{_e(d.get('name') or d.get('id'))} — {score_text(d.get('score'))}/10 "
                 f"<small>(grade {_e(d.get('grade'), 'n/a')}, confidence {_e(d.get('confidence'), 'n/a')})</small></h3>")
        fs = findings(d)
        if not fs:
            h.append("<p><em>No findings.</em></p>")
            continue
        h.append('<table><tr><th style="width:110px">Outcome</th><th style="width:240px">Probe</th><th>Finding</th></tr>')
        for f in fs:
            h.append(f"<tr><td>{_outcome(f.get('outcome'))}</td><td><code>{_e(f.get('probe'))}</code></td>"
                     f"<td>{_e(f.get('message'))}{_evidence(evidence(f))}</td></tr>")
        h.append("</table>")
    h.extend(_contamination(as_dict(report.get("contamination"))))
    h.extend(_verification(as_dict(report.get("verification"))))
    tool = as_dict(report.get("tool"))
    rub = as_dict(report.get("rubric"))
    foot = f"Generated by {_e(tool.get('name'), 'openaudit')} {_e(tool.get('version'))}"
    if rub:
        foot += f" with rubric {_e(rub.get('id'))} {_e(rub.get('version'))}"
    if report.get("generated_at"):
        foot += f" at {_e(report.get('generated_at'))}"
    h.append(f"<footer>{foot}.</footer></main></body></html>")
    return "\n".join(h) + "\n"


def _evidence(evs: list[dict[str, Any]]) -> str:
    if not evs:
        return ""
    items = []
    for ev in evs:
        loc = evidence_location(ev)
        parts = [f"<strong>{_e(ev.get('kind'), 'evidence')}</strong>"]
        if loc or ev.get("url"):
            parts.append(_link(ev.get("url"), loc or text(ev.get("url"))))
        if ev.get("snippet"):
            parts.append(f"<code>{escape(str(ev['snippet'])[:400])}</code>")
        items.append("<li>" + " ".join(parts) + "</li>")
    return '<ul class="ev">' + "".join(items) + "</ul>"


def _license_card(lic: dict[str, Any]) -> str:
    rows = []
    for key in ("declared", "spdx", "category", "commercial_use", "restrictions", "mismatch"):
        val = lic.get(key)
        if key == "restrictions":
            val = as_list(val)
            shown = _e(val, "none listed")
        else:
            shown = _e(val, "unknown")
        rows.append(f"<tr><th>{escape(key.replace('_', ' '))}</th><td>{shown}</td></tr>")
    for key in sorted(k for k in lic if k not in ("declared", "spdx", "category", "commercial_use", "restrictions",
                                                   "mismatch")):
        rows.append(f"<tr><th>{_e(key.replace('_', ' '))}</th><td>{_e(lic.get(key), '–')}</td></tr>")
    return '<div class="card"><h3>License</h3><table>' + "".join(rows) + "</table></div>"


def _frameworks_card(report: dict[str, Any]) -> str:
    mof, osaid, osai = frameworks(report)
    h = ['<div class="card"><h3>Frameworks</h3>']
    h.append(f"<p><strong>Model Openness Framework:</strong> class {_e(mof.get('class'), 'none reached')}</p>")
    rows = mof_progress_rows(mof)
    if rows:
        h.append("<table>")
        for cls, share, missing in rows:
            bar = ""
            met, _, total = share.partition("/")
            if met.isdigit() and total.isdigit() and int(total):
                bar = f'<span class="progress"><span style="width:{100 * int(met) / int(total):.0f}%"></span></span>'
            miss = f"<br><small>missing: {_e(missing)}</small>" if missing else ""
            h.append(f"<tr><th>Class {_e(cls)}</th><td>{bar}{_e(share)}{miss}</td></tr>")
        h.append("</table>")
    verdict = text(osaid.get("verdict"), "n/a")
    h.append(f"<p><strong>OSI Open Source AI Definition:</strong> {escape(verdict)}</p>")
    missing = as_list(osaid.get("missing"))
    if missing:
        h.append("<ul>" + "".join(f"<li>{_e(missing_text(m))}</li>" for m in missing) + "</ul>")
    if osai:
        h.append("<p><strong>European Open Source AI Index</strong></p><table>")
        for k in sorted(osai):
            v = text(osai[k])
            cls = v if v in ("open", "partial", "closed", "not_available") else ""
            h.append(f'<tr><th>{_e(k.replace("_", " "))}</th><td class="{cls}">{escape(v)}</td></tr>')
        h.append("</table>")
    h.append("</div>")
    return "".join(h)


def _policy(verdict: dict[str, Any]) -> list[str]:
    ok = bool(as_dict(verdict).get("ok"))
    h = ["<h2>Policy</h2>", f'<p class="{"ok" if ok else "bad"}">{"Policy met" if ok else "Policy violated"}</p>']
    viol = policy_violations(verdict)
    if viol:
        h.append("<table><tr><th>Rule</th><th>Expected</th><th>Actual</th><th>Message</th></tr>")
        h.extend(f'<tr class="violation"><td><code>{_e(v.get("rule"))}</code></td><td>{_e(v.get("expected"))}</td>'
                 f'<td>{_e(v.get("actual"))}</td><td>{_e(v.get("message"))}</td></tr>' for v in viol)
        h.append("</table>")
    unv = as_list(as_dict(verdict).get("unverified"))
    if unv:
        h.append(f"<p>Not verifiable: {_e([unverified_text(u) for u in unv])}</p>")
    return h


def _contamination(c: dict[str, Any]) -> list[str]:
    if not c:
        return []
    h = ["<h2>Benchmark contamination</h2>"]
    if as_dict(c.get("method")):
        h.append(f'<p class="meta">Method: {_e(as_dict(c.get("method")))}</p>')
    h.append("<table><tr><th>Benchmark</th><th>Items</th><th>Contaminated</th><th>Rate</th><th>Buckets</th></tr>")
    examples = []
    for b in as_list(c.get("benchmarks")):
        b = as_dict(b)
        rate = b.get("rate")
        rate_s = f"{float(rate):.2%}" if isinstance(rate, (int, float)) and not isinstance(rate, bool) else "n/a"
        h.append(f"<tr><td>{_e(b.get('name'))}</td><td>{_e(b.get('items_total'))}</td>"
                 f"<td>{_e(b.get('items_contaminated'))}</td><td>{rate_s}</td><td>{_e(as_dict(b.get('buckets')))}</td></tr>")
        for item in as_list(b.get("items"))[:20]:
            item = as_dict(item)
            if item.get("contaminated"):
                evs = [{"kind": "match", "path": e.get("source"), "snippet": e.get("snippet"),
                        "field": e.get("doc")} for e in map(as_dict, as_list(item.get("evidence")))]
                examples.append(f"<tr><td>{_e(b.get('name'))}</td><td><code>{_e(item.get('id'))}</code></td>"
                                f"<td>{_e(item.get('bucket'))}</td><td>coverage {_e(item.get('coverage'))}, "
                                f"longest match {_e(item.get('longest_match'))}, jaccard {_e(item.get('jaccard'))}"
                                f"{_evidence(evs)}</td></tr>")
    h.append("</table>")
    if examples:
        h.append("<h3>Contaminated items</h3><table><tr><th>Benchmark</th><th>Item</th><th>Bucket</th>"
                 "<th>Match</th></tr>" + "".join(examples) + "</table>")
    return h


def _verification(v: dict[str, Any]) -> list[str]:
    if not v:
        return []
    h = ["<h2>Training replay</h2>", '<div class="card"><table>',
         f"<tr><th>Verdict</th><td><strong>{_e(v.get('verdict'), 'n/a')}</strong></td></tr>",
         f"<tr><th>Tier</th><td>{_e(v.get('tier'), 'n/a')}</td></tr>"]
    if v.get("first_divergent_step") is not None:
        h.append(f"<tr><th>First divergent step</th><td>{_e(v.get('first_divergent_step'))}</td></tr>")
    for k, val in sorted(as_dict(v.get("metrics")).items()):
        h.append(f"<tr><th>{_e(k)}</th><td>{_e(val)}</td></tr>")
    if as_list(v.get("missing")):
        h.append(f"<tr><th>Missing</th><td>{_e(as_list(v.get('missing')))}</td></tr>")
    if as_dict(v.get("environment")):
        h.append(f"<tr><th>Environment</th><td>{_e(as_dict(v.get('environment')))}</td></tr>")
    h.append("</table></div>")
    return h
