"""Agreement of openaudit's card-only verdicts with independent human openness ratings.

Audits every card of a calibration set (default ``../shared/calibration``: ``labels.yaml`` plus
``models/<org>__<name>/README.md`` and ``ratings.yaml``) as a card-only folder, OFFLINE, maps the
report to the set's three booleans and prints agreement per label (confusion counts, precision and
recall for "open", abstention rate), sliced by match (exact / variant), source (mot / osai / both)
and label strength (strong / weak); then the finer comparisons the raters' files allow: the MOF
component list against the MOT files, the OSAI-index grades against the OSAI files.

The mapping from a report to the labels (fixed before tuning; docs/calibration.md):

* ``license_open``  <- finding ``license.open`` (the WEIGHTS' license): pass -> true; fail or
  partial (RAIL / community / use-restricted / modified text) -> false; anything else
  (no license found, a license openaudit has no facts for) -> abstained.
* ``data_open``     <- ``frameworks.osai.data``: open -> true; partial or closed -> false;
  not_available -> abstained.
* ``code_open``     <- ``frameworks.osai.open_code``: open -> true; partial or closed -> false;
  not_available -> abstained.

Abstentions ("could not tell") count as disagreements in the headline agreement (they are never
free); the abstention rate and the agreement on answered labels are printed beside it.

    python benchmarks/calibration.py [--set DIR] [--show-misses] [--markdown] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LABELS = ("license_open", "data_open", "code_open")
ABSTAIN = None
DEFAULT_SET = Path(__file__).resolve().parents[1] / ".." / "shared" / "calibration"

# OSAI rating field(s) -> openaudit OSAI-index dimension. Data and weights read the base-model field
# (and, for an end-model card, the end-model field too: the worse grade of the two).
OSAI_FIELDS = {
    "open_code": ("trainingcode",),
    "data": ("datasources_basemodel", "datasources_endmodel"),
    "weights": ("weights_basemodel", "weights_endmodel"),
    "license": ("licenses",),
    "code_documentation": ("code",),
    "architecture": ("hardware_architecture",),
    "preprint": ("preprint",),
    "paper": ("paper",),
    "model_card": ("modelcard",),
    "datasheet": ("datasheet",),
}
_GRADE_RANK = {"closed": 0, "partial": 1, "open": 2}
# MOT component type -> the release-level license key MOT's evaluator falls back to (then "distribution").
_MOT_RELEASE_KEY = {"code": "code", "data": "data", "model": "data", "documentation": "document"}


def tool_labels(report: dict[str, Any]) -> dict[str, bool | None]:
    """The report mapped to the three labels (the mapping in the module docstring)."""
    findings = {f["probe"]: f for d in report["dimensions"] for f in d["findings"]}
    lic = findings.get("license.open", {}).get("outcome")
    osai = report.get("frameworks", {}).get("osai", {})

    def grade(g: str | None) -> bool | None:
        return True if g == "open" else False if g in ("partial", "closed") else ABSTAIN

    return {
        "license_open": True if lic == "pass" else False if lic in ("fail", "partial") else ABSTAIN,
        "data_open": grade(osai.get("data")),
        "code_open": grade(osai.get("open_code")),
    }


def load_set(root: Path) -> dict[str, Any]:
    from openaudit.base.parse import load_yaml

    path = root / "labels.yaml"
    return load_yaml(path.read_text(encoding="utf-8"), source=str(path), max_bytes=16 * 1024 * 1024)


def audit_card(card: Path, work: Path) -> dict[str, Any]:
    """Audit ``card`` as a card-only folder (README.md alone), offline, without a timestamp."""
    from openaudit.api import audit

    folder = work / card.parent.name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(card, folder / "README.md")
    return audit(str(folder), offline=True, timestamp=False)


# ---- per-label agreement -----------------------------------------------------------------------
def records(labels: dict[str, Any], verdicts: dict[str, dict[str, bool | None]]) -> list[dict[str, Any]]:
    out = []
    for model, entry in labels["models"].items():
        for lab in LABELS:
            prov = (entry.get("provenance") or {}).get(lab) or {}
            out.append(
                {
                    "model": model,
                    "label": lab,
                    "want": entry.get(lab),
                    "got": verdicts[model][lab],
                    "match": entry.get("match"),
                    "source": prov.get("source"),
                    "weak": bool(prov.get("weak")),
                    "disagree": bool(prov.get("disagree")),
                }
            )
    return out


def stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Confusion counts and rates for scored rows (``want`` is not None)."""
    rows = [r for r in rows if r["want"] is not None]
    c = Counter((r["want"], r["got"]) for r in rows)
    n = len(rows)
    agree = c[(True, True)] + c[(False, False)]
    abstained = c[(True, None)] + c[(False, None)]
    answered = n - abstained
    said_open = c[(True, True)] + c[(False, True)]
    truly_open = c[(True, True)] + c[(True, False)] + c[(True, None)]
    return {
        "n": n,
        "agree": agree,
        "agreement": agree / n if n else None,
        "answered_agreement": agree / answered if answered else None,
        "abstained": abstained,
        "abstention_rate": abstained / n if n else None,
        "precision_open": c[(True, True)] / said_open if said_open else None,
        "recall_open": c[(True, True)] / truly_open if truly_open else None,
        "confusion": {
            f"{w}->{'abstain' if g is None else g}": c[(w, g)] for w in (True, False) for g in (True, False, None)
        },
    }


SLICES = (
    ("all", lambda r: True),
    ("strong", lambda r: not r["weak"]),
    ("weak", lambda r: r["weak"]),
    ("exact", lambda r: r["match"] == "exact"),
    ("variant", lambda r: r["match"] == "variant"),
    ("mot", lambda r: r["source"] == "mot"),
    ("osai", lambda r: r["source"] == "osai"),
    ("both", lambda r: r["source"] == "both"),
)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def agreement_table(recs: list[dict[str, Any]], markdown: bool) -> list[str]:
    head = [
        "label",
        "slice",
        "n",
        "agree",
        "agreement",
        "answered agr.",
        "abstained",
        "P(open)",
        "R(open)",
        "T→T",
        "T→F",
        "T→?",
        "F→F",
        "F→T",
        "F→?",
    ]
    rows = []
    for lab in LABELS + ("all three",):
        sub = [r for r in recs if lab == "all three" or r["label"] == lab]
        for name, pred in SLICES:
            s = stats([r for r in sub if pred(r)])
            if not s["n"]:
                continue
            cf = s["confusion"]
            rows.append(
                [
                    lab,
                    name,
                    str(s["n"]),
                    str(s["agree"]),
                    _pct(s["agreement"]),
                    _pct(s["answered_agreement"]),
                    str(s["abstained"]),
                    _pct(s["precision_open"]),
                    _pct(s["recall_open"]),
                    str(cf["True->True"]),
                    str(cf["True->False"]),
                    str(cf["True->abstain"]),
                    str(cf["False->False"]),
                    str(cf["False->True"]),
                    str(cf["False->abstain"]),
                ]
            )
    return _table(head, rows, markdown)


def _table(head: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*head)] + [fmt.format(*r) for r in rows]


# ---- finer comparisons: MOF components vs MOT, OSAI grades vs OSAI ------------------------------
def _ratings(root: Path, entry: dict[str, Any]) -> dict[str, Any]:
    from openaudit.base.parse import load_yaml

    path = root / entry["dir"] / "ratings.yaml"
    return load_yaml(path.read_text(encoding="utf-8"), source=str(path), max_bytes=16 * 1024 * 1024) or {}


def _licence_class(name: Any, table: dict[str, list[str]]) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    for cls in ("open", "not_open", "no_licence_named"):
        if name in (table.get(cls) or []):
            return None if cls == "no_licence_named" else cls
    return "not_open"  # a licence string the table does not call open (custom, mixed terms)


def mot_components(doc: dict[str, Any], table: dict[str, list[str]], types: dict[str, str]) -> dict[str, bool]:
    """MOT component -> listed with an open licence (True) / listed without one (False)."""
    rel = (doc or {}).get("release") or {}
    rl = rel.get("license") if isinstance(rel.get("license"), dict) else {}
    out: dict[str, bool] = {}
    for comp in rel.get("components") or []:
        if not isinstance(comp, dict) or not isinstance(comp.get("name"), str):
            continue
        cid = _mot_id(comp["name"])
        name = comp.get("license")
        if not name:
            key = _MOT_RELEASE_KEY.get(types.get(cid, ""), "distribution")
            fallback = rl.get(key) if isinstance(rl.get(key), dict) else rl.get("distribution")
            name = fallback.get("name") if isinstance(fallback, dict) else None
        cls = _licence_class(name, table) if name else "not_open"  # listed, no licence: MOT counts it unlicensed
        if cls is not None:
            out[cid] = cls == "open"
    return out


def _mot_id(name: str) -> str:
    n = name.strip().lower()
    return {
        "model parameters (final)": "final_model_parameters",
        "model parameters (intermediate)": "intermediate_model_parameters",
    }.get(n, n.replace(" ", "_"))


def osai_grades(doc: dict[str, Any], role: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for dim, fields in OSAI_FIELDS.items():
        grades = []
        for f in fields if role != "base" else fields[:1]:
            v = (doc or {}).get(f)
            g = v.get("class") if isinstance(v, dict) else None
            if isinstance(g, str) and g.strip().lower() in _GRADE_RANK:
                grades.append(g.strip().lower())
        if grades:
            out[dim] = min(grades, key=_GRADE_RANK.__getitem__)
    return out


def framework_tables(
    root: Path, labels: dict[str, Any], reports: dict[str, dict[str, Any]], markdown: bool
) -> list[str]:
    from openaudit.base.parse import load_yaml

    mof_spec = load_yaml((Path(__file__).resolve().parents[1] / "rubrics" / "mof-1.0.yaml").read_text(encoding="utf-8"))
    types = {c["id"]: c.get("type", "") for c in mof_spec["frameworks"]["mof"]["components"]}
    table = labels.get("licence_table") or {}
    mof: dict[str, Counter[str]] = {}
    osai: dict[str, Counter[str]] = {}
    for model, entry in labels["models"].items():
        rep = reports[model]
        tool_comp = {c["id"]: c["status"] for c in rep["frameworks"]["mof"]["components"]}
        ratings = _ratings(root, entry)
        for f in ratings.get("mot") or []:
            for cid, rater_open in mot_components(load_yaml(f["content"]), table, types).items():
                if cid in tool_comp:
                    mof.setdefault(cid, Counter())[f"{'open' if rater_open else 'not'}->{tool_comp[cid]}"] += 1
        for f in ratings.get("osai") or []:
            for dim, g in osai_grades(load_yaml(f["content"]), f.get("role", "end")).items():
                osai.setdefault(dim, Counter())[f"{g}->{rep['frameworks']['osai'].get(dim)}"] += 1
    lines = ["", "MOF components vs MOT (rater: listed with an open licence = open; tool: component status)"]
    rows = []
    for cid, c in sorted(mof.items()):
        n = sum(c.values())
        agree = c["open->met"] + c["not->not_met"]
        rows.append(
            [
                cid,
                str(n),
                str(agree),
                _pct(agree / n),
                str(c["open->met"]),
                str(c["open->not_met"]),
                str(c["open->unverified"]),
                str(c["not->not_met"]),
                str(c["not->met"]),
                str(c["not->unverified"]),
            ]
        )
    lines += _table(
        [
            "component",
            "n",
            "agree",
            "agreement",
            "open→met",
            "open→not_met",
            "open→unverified",
            "not→not_met",
            "not→met",
            "not→unverified",
        ],
        rows,
        markdown,
    )
    lines += ["", "OSAI dimensions vs OSAI (exact grade; 'n/a' = tool not_available)"]
    rows = []
    for dim, c in sorted(osai.items()):
        n = sum(c.values())
        agree = sum(v for k, v in c.items() if k.split("->")[0] == k.split("->")[1])
        detail = ", ".join(f"{k.replace('not_available', 'n/a')}: {v}" for k, v in sorted(c.items()))
        rows.append([dim, str(n), str(agree), _pct(agree / n), detail])
    lines += _table(["dimension", "n", "exact", "agreement", "rater->tool counts"], rows, markdown)
    return lines


def reason(report: dict[str, Any], label: str) -> str:
    """The deciding finding(s) behind a tool verdict, for the list of disagreements."""
    findings = {f["probe"]: f for d in report["dimensions"] for f in d["findings"]}
    pids = {
        "license_open": ("license.open",),
        "data_open": ("data.available", "data.declared", "data.documented", "license.data_license"),
        "code_open": ("code.training_code", "code.training_config", "code.preprocessing_code", "license.code_license"),
    }[label]
    return "; ".join(
        f"{p}={findings[p]['outcome']}" + (f" ({findings[p]['message'][:90]})" if p == pids[0] else "")
        for p in pids
        if p in findings
    )


def run(
    root: Path, models: Iterable[str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    labels = load_set(root)
    if models is not None:
        keep = set(models)
        labels = dict(labels, models={k: v for k, v in labels["models"].items() if k in keep})
    reports: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="oa-calibration-") as tmp:
        for model, entry in labels["models"].items():
            reports[model] = audit_card(root / entry["dir"] / "README.md", Path(tmp))
    verdicts = {m: tool_labels(r) for m, r in reports.items()}
    return labels, reports, records(labels, verdicts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="calibration set folder (labels.yaml + models/)")
    ap.add_argument("--show-misses", action="store_true", help="list every disagreement with the deciding findings")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--json", type=Path, help="write per-model verdicts and the statistics to this file")
    args = ap.parse_args(argv)
    if not (args.set / "labels.yaml").is_file():
        print(f"error: {args.set / 'labels.yaml'} not found (pass --set DIR)", file=sys.stderr)
        return 2
    labels, reports, recs = run(args.set)
    print(f"calibration set: {args.set.resolve()} ({len(labels['models'])} models, card-only, offline)")
    print("abstentions count as disagreements in 'agreement'; 'answered agr.' leaves them out\n")
    print("\n".join(agreement_table(recs, args.markdown)))
    print("\n".join(framework_tables(args.set, labels, reports, args.markdown)))
    scored = [r for r in recs if r["want"] is not None]
    misses = [r for r in scored if r["want"] != r["got"]]
    print(
        f"\ndisagreements: {len(misses)} of {len(scored)} scored labels "
        f"({sum(1 for r in misses if not r['weak'])} on strong labels)"
    )
    if args.show_misses:
        for r in sorted(misses, key=lambda r: (r["label"], r["weak"], r["model"])):
            got = "abstained" if r["got"] is None else r["got"]
            print(
                f"  {r['label']:<12} {r['model']:<45} rater={r['want']!s:<5} tool={got!s:<9} "
                f"[{r['match']}/{r['source']}{'/weak' if r['weak'] else ''}] {reason(reports[r['model']], r['label'])}"
            )
        print("\nlabels the raters disagree on (null, not scored):")
        for r in recs:
            if r["disagree"]:
                print(f"  {r['label']:<12} {r['model']:<45} tool={r['got']}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"records": recs, "stats": {lab: stats([r for r in recs if r["label"] == lab]) for lab in LABELS}},
                indent=1,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
