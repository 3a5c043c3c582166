"""Rendering of a training-replay verification object (``openaudit verify`` and the ``verification``
block of an audit report): plain-text table, JSON, and the Markdown / HTML sections of a report card.
Pure functions of the dict; numbers that disagree are printed with enough digits to see how."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from openaudit.base.text import terminal_safe


def num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def pair(a: Any, b: Any) -> tuple[str, str]:
    """Two numbers with the fewest significant digits (3 to 17) that tell them apart."""
    if not (isinstance(a, (int, float)) and isinstance(b, (int, float))) or isinstance(a, bool) or isinstance(b, bool):
        return num(a), num(b)
    if a == b or not (math.isfinite(a) and math.isfinite(b)):
        return f"{a:.6g}", f"{b:.6g}"
    for digits in range(3, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(a), repr(b)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True, allow_nan=False) + "\n"


def _mismatches(v: dict[str, Any]) -> list[dict[str, Any]]:
    m = v.get("metrics") or {}
    rows = [r for r in ((m.get("loss_log") or {}).get("per_entry") or []) if not r.get("ok")]
    return rows[:5]


def _summary(v: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) rows shared by every format."""
    m = v.get("metrics") or {}
    out: list[tuple[str, str]] = [("verdict", str(v.get("verdict"))), ("tier", str(v.get("tier")))]
    if v.get("reason"):
        out.append(("reason", str(v["reason"])))
    if v.get("recipe"):
        out.append(("recipe", str(v["recipe"])))
    if v.get("first_divergent_step") is not None:
        out.append(("first divergent step", str(v["first_divergent_step"])))
    le = m.get("loss_rel_error") or {}
    if le.get("steps"):
        out.append(
            (
                "loss rel. error",
                f"max {num(le['max'])}, mean {num(le['mean'])}, bias {num(le['bias'])} ({le['steps']} entries)",
            )
        )
    log = m.get("loss_log")
    if log:
        rounding = "none" if log.get("rounding") is None else f"{log['rounding']} decimals"
        how = "detected" if log.get("reading_detected") else "as published"
        out.append(
            (
                "loss log",
                f"{log.get('compared')} of {log.get('entries')} entries compared; reading "
                f"{log.get('reduce')} ({how}); rounding {rounding}",
            )
        )
    if m.get("weight_distance") is not None:
        ws = [s["weights"] for s in m.get("segments") or [] if isinstance(s.get("weights"), dict)]
        bitwise = bool(ws) and all(w.get("bitwise_equal") for w in ws) if ws else bool(m.get("bitwise_equal"))
        out.append(
            (
                "weight distance",
                f"{num(m['weight_distance'])} of the segment's update (bitwise equal: {'yes' if bitwise else 'no'})",
            )
        )
    tol = m.get("tolerance")
    if tol:
        per_tensor = (
            f", per tensor at least {num(tol['tensor_rel_floor'])}" if tol.get("tensor_rel_floor") is not None else ""
        )
        out.append(
            (
                "tolerance",
                f"loss {num(tol.get('loss_rel'))} relative, weights {num(tol.get('weight_distance'))} "
                f"of the update{per_tensor}",
            )
        )
    floor = m.get("detection_floor")
    if floor:
        out.append(
            (
                "detection floor",
                f"a change of {num(floor.get('tensor_rel'))} (relative) to any one tensor; "
                f"loss {num(floor.get('loss_rel'))} relative",
            )
        )
    cal = m.get("calibration")
    if cal:
        out.append(
            (
                "calibration",
                f"noise loss {num(cal.get('noise_loss_rel'))} / weights "
                f"{num(cal.get('noise_weight_distance'))}; swapped-batch replay loss "
                f"{num(cal.get('wrong_loss_rel_max'))} / weights {num(cal.get('wrong_weight_distance'))}; "
                f"separated: {'yes' if cal.get('separated') else 'no'}",
            )
        )
    est = m.get("estimate")
    if est:
        out.append(
            (
                "estimate",
                f"{est['replay_steps'] + est['calibration_steps']} steps, {est['flops']:.3g} FLOP, "
                f"~{num(est['seconds'])} s",
            )
        )
    for key, value in sorted(m.items()):  # other plain numbers (a stored report of another shape)
        if key not in KNOWN_METRICS and (value is None or isinstance(value, (int, float, str, bool))):
            out.append((key.replace("_", " "), "-" if value is None else str(value)))
    return out


KNOWN_METRICS = frozenset(
    {
        "loss_rel_error",
        "loss_log",
        "weight_distance",
        "bitwise_equal",
        "tolerance",
        "detection_floor",
        "calibration",
        "estimate",
        "segments",
        "forward_audit",
        "most_diverged_tensors",
        "elapsed_seconds",
        "unsafe",
    }
)


def _segments(v: dict[str, Any]) -> list[list[str]]:
    rows = []
    for seg in (v.get("metrics") or {}).get("segments") or []:
        w = seg.get("weights") or {}
        loss = seg.get("loss") or {}
        rows.append(
            [
                f"{seg['start']}->{seg['end']}",
                num(loss.get("max")),
                num(w.get("global")),
                "-" if not w else ("yes" if w.get("bitwise_equal") else "no"),
            ]
        )
    return rows


def _forward(v: dict[str, Any]) -> list[list[str]]:
    rows = []
    for r in ((v.get("metrics") or {}).get("forward_audit") or {}).get("checks") or []:
        logged, computed = pair(r.get("logged"), r.get("computed"))
        rows.append([f"{r['checkpoint']} -> {r['step']}", logged, computed, "ok" if r.get("ok") else "MISMATCH"])
    return rows


def _loss_rows(v: dict[str, Any]) -> list[list[str]]:
    rows = []
    for r in _mismatches(v):
        logged, replayed = pair(r.get("logged"), r.get("replayed"))
        window = f"{r['start']}..{r['step']}" if r.get("start") != r.get("step") else str(r["step"])
        rows.append([window, logged, replayed, num(r.get("rel_error"))])
    return rows


def _tensors(v: dict[str, Any]) -> list[list[str]]:
    return [
        [str(t.get("tensor")), num(t.get("distance")), num(t.get("tolerance"))]
        for t in (v.get("metrics") or {}).get("most_diverged_tensors") or []
    ]


def _issues(v: dict[str, Any]) -> list[str]:
    out = [f"{i['kind']} ({i['code']}): {i['message']}" for i in v.get("issues") or [] if i.get("kind") != "missing"]
    out += [f"missing: {m}" for m in v.get("missing") or [] if "(unusable)" not in m]
    return out


def _env(v: dict[str, Any]) -> str:
    env = v.get("environment") or {}
    keys = ("device", "torch", "transformers", "cuda", "gpu", "threads", "python")
    return ", ".join(f"{k} {env[k]}" for k in keys if env.get(k) is not None) or "-"


TABLES = (
    ("segments", ["segment", "loss max rel. error", "weight distance", "bitwise"], _segments),
    ("forward-only loss audit", ["checkpoint -> step", "logged", "computed", ""], _forward),
    ("loss mismatches", ["step(s)", "logged", "replayed", "rel. error"], _loss_rows),
    ("most diverged tensors", ["tensor", "distance", "tolerance"], _tensors),
)


def to_table(v: dict[str, Any]) -> str:
    """The plain-text form (`openaudit verify`, table format)."""
    lines = [f"{label:<21} {text}" for label, text in _summary(v)]
    for title, head, fn in TABLES:
        rows = fn(v)
        if rows:
            widths = [max(len(x) for x in col) for col in zip(head, *rows)]
            lines.append(f"{title}:")
            lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip())
            lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines += [f"{'issue':<21} {i}" for i in _issues(v)]
    lines.append(f"{'environment':<21} {_env(v)}")
    return "\n".join(terminal_safe(line) for line in lines) + "\n"


def to_markdown(v: dict[str, Any], esc: Callable[[Any], str]) -> list[str]:
    """The report card's Markdown section (``esc`` makes untrusted text inert)."""
    if not v:
        return []
    out = ["## Training replay", ""]
    out += [f"- **{label.capitalize()}:** {esc(text)}" for label, text in _summary(v)]
    out.append("")
    for title, head, fn in TABLES:
        rows = fn(v)
        if rows:
            out += [f"**{title.capitalize()}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
            out.append("")
    issues = _issues(v)
    if issues:
        out += ["**Issues**", ""] + [f"- {esc(i)}" for i in issues] + [""]
    out += [f"Environment: {esc(_env(v))}", ""]
    return out


def to_html(v: dict[str, Any], esc: Callable[[Any], str]) -> list[str]:
    """The report card's HTML section (``esc`` HTML-escapes untrusted text)."""
    if not v:
        return []
    h = ["<h2>Training replay</h2>", '<div class="card"><table class="kv">']
    h += [
        f"<tr><th>{esc(label.capitalize())}</th><td>{'<strong>' + esc(text) + '</strong>' if label == 'verdict' else esc(text)}</td></tr>"
        for label, text in _summary(v)
    ]
    h.append("</table>")
    for title, head, fn in TABLES:
        rows = fn(v)
        if rows:
            h.append(
                f'<h3>{esc(title.capitalize())}</h3><table class="nested"><tr>'
                + "".join(f"<th>{esc(x)}</th>" for x in head)
                + "</tr>"
            )
            h += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows]
            h.append("</table>")
    issues = _issues(v)
    if issues:
        h.append("<h3>Issues</h3><ul>" + "".join(f"<li>{esc(i)}</li>" for i in issues) + "</ul>")
    h.append(f"<p>Environment: {esc(_env(v))}</p></div>")
    return h
