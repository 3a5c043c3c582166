"""Plain-text rendering of a verification dict (the CLI's table format)."""
from __future__ import annotations

import json
from typing import Any


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True, allow_nan=False) + "\n"


def to_table(result: dict[str, Any]) -> str:
    m = result.get("metrics") or {}
    lines = [f"verdict   {result['verdict']}", f"tier      {result['tier']}", f"reason    {result['reason']}"]
    if result.get("recipe"):
        lines.append(f"recipe    {result['recipe']}")
    if result.get("first_divergent_step") is not None:
        lines.append(f"first divergent step  {result['first_divergent_step']}")
    le = m.get("loss_rel_error") or {}
    if le.get("steps"):
        lines.append(f"loss rel. error   max {_num(le['max'])}  mean {_num(le['mean'])}  bias {_num(le['bias'])}  "
                     f"({le['steps']} steps)")
    if m.get("weight_distance") is not None:
        lines.append(f"weight distance   {_num(m['weight_distance'])} of the segment's update (bitwise equal: "
                     f"{'yes' if m.get('bitwise_equal') else 'no'})")
    tol = m.get("tolerance")
    if tol:
        lines.append(f"tolerance         loss {_num(tol['loss_rel'])}  weights {_num(tol['weight_distance'])}")
    cal = m.get("calibration")
    if cal:
        lines.append(f"calibration       noise loss {_num(cal.get('noise_loss_rel'))} / weights "
                     f"{_num(cal.get('noise_weight_distance'))}; swapped-batch replay loss {_num(cal.get('wrong_loss_rel_max'))}"
                     f" / weights {_num(cal.get('wrong_weight_distance'))}; separated: {'yes' if cal.get('separated') else 'no'}")
    for seg in m.get("segments") or []:
        w = seg.get("weights") or {}
        lines.append(f"  segment {seg['start']}->{seg['end']}: loss max {_num(seg['loss']['max'])}, "
                     f"weights {_num(w.get('global'))}")
    fa = (m.get("forward_audit") or {}).get("checks") or []
    for row in fa:
        lines.append(f"  forward audit checkpoint {row['checkpoint']} -> step {row['step']}: logged {_num(row['logged'])} "
                     f"computed {_num(row['computed'])} ({'ok' if row['ok'] else 'MISMATCH'})")
    for t in m.get("most_diverged_tensors") or []:
        lines.append(f"  most diverged: {t['tensor']} ({_num(t['distance'])})")
    est = m.get("estimate")
    if est:
        lines.append(f"estimate          {est['replay_steps'] + est['calibration_steps']} steps, {est['flops']:.3g} FLOP, "
                     f"~{_num(est['seconds'])} s")
    for item in result.get("missing") or []:
        lines.append(f"missing   {item}")
    env = result.get("environment") or {}
    lines.append(f"environment  device {env.get('device')}, torch {env.get('torch')}, cuda {env.get('cuda')}, "
                 f"threads {env.get('threads')}, python {env.get('python')}")
    return "\n".join(lines) + "\n"
