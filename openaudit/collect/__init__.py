"""openaudit.collect: Snapshot -> typed facts with evidence, one module per area.

``collect_all(snapshot)`` returns {"card", "license", "weights", "code", "data", "repro", "docs"};
``summary(facts)`` is the JSON-able block that goes into the report's ``facts``.
"""

from __future__ import annotations

from typing import Any

from openaudit.collect import card, code, data, docs, repro, weights
from openaudit.collect import license as lic
from openaudit.model import Snapshot

__all__ = ["collect_all", "summary"]


def collect_all(snapshot: Snapshot) -> dict[str, Any]:
    card_facts = card.collect(snapshot)
    out: dict[str, Any] = {"card": card_facts, "license": lic.collect(snapshot, card_facts)}
    out["weights"] = weights.collect(snapshot, card_facts)
    code_facts = code.collect(snapshot, card_facts)
    out["code"] = code_facts
    out["data"] = data.collect(snapshot, card_facts)
    out["repro"] = repro.collect(snapshot, card_facts, code_facts)
    out["docs"] = docs.collect(card_facts)
    return out


def summary(facts: dict[str, Any]) -> dict[str, Any]:
    """JSON-able digest of the facts (sorted keys, plain types) for the report's ``facts`` block."""
    out: dict[str, Any] = {}
    w = facts.get("weights")
    if w is not None:
        share = w.safe_share
        out["weights"] = {
            "files": len(w.files),
            "formats": {k: v for k, v in w.formats.items()},
            "total_bytes": w.total_bytes,
            "safe_format_share": None if share is None else round(share, 4),
            "parameters": w.param_count,
            "parameters_source": w.param_source,
            "dtypes": dict(w.dtypes),
            "shards": sum(len(g.paths) for g in w.groups if g.role == "main"),
            "variants": [g.key for g in w.groups if g.role == "variant"],
            "index_missing": sorted({m for ix in w.indexes for m in ix.missing}),
            "gated": w.gated,
            "checkpoints": {
                "refs": list(w.checkpoint_refs[:50]),
                "folders": list(w.checkpoint_dirs[:50]),
                "found": bool(w.checkpoints),
            },
            "dangerous_pickles": [p for p, _ in w.dangerous],
            "unscannable": [p for p, _ in w.unscannable],
        }
    c = facts.get("code")
    if c is not None:
        out["code"] = {
            "library_name": c.library_name,
            "architectures": list(c.architectures),
            "model_type": c.model_type,
            "pipeline_tag": c.pipeline_tag,
            "base_model": list(c.base_model),
            "remote_code": c.remote_code,
            "training_scripts": [s.path for s in c.scripts if s.role == "training"],
            "training_configs": [e.path for e in c.configs],
            "code_links": sorted({l.url for l in c.links}),
        }
    d = facts.get("data")
    if d is not None:
        out["data"] = {
            "datasets_declared": [r.id for r in d.declared],
            "datasets_linked": [r.id for r in d.linked],
            "datasets_in_prose": [n for n, _ in d.prose_names],
            "evaluation_datasets": [n for n, _ in d.eval_datasets],
            "availability_checked": d.availability_checked,
        }
    r = facts.get("repro")
    if r is not None:
        out["reproducibility"] = {
            "hyperparameters": list(r.hyperparameters),
            "training_artifacts": sorted({e.path for e in r.logs + r.data_order + r.hp_files if e.path}),
            "paper_links": sorted({e.url for e in r.papers if e.url}),
            "log_steps": r.log_steps,
        }
    dc = facts.get("docs")
    if dc is not None:
        out["documentation"] = {
            "card": dc.card_path,
            "words": dc.words,
            "topics": sorted(k for k, t in dc.topics.items() if t.present),
            "template_sections": dc.template_sections,
            "eval_results": dc.eval_results,
        }
    return out
