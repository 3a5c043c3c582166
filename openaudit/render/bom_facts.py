"""What both BOM documents say about the model, read from the report's ``facts`` block (as
``collect.summary`` writes it): training datasets, model parameters, Hub locations."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from openaudit.render._common import as_dict, as_list, text

_HUB_ID = re.compile(r"[A-Za-z0-9][\w.\-]*(/[A-Za-z0-9][\w.\-]*)?")


class Dataset(NamedTuple):
    name: str
    how: str  # where the report found it
    url: str | None  # the Hub dataset page when ``name`` is a Hub dataset id


def hub_model_url(report: dict[str, Any]) -> str | None:
    tgt = as_dict(report.get("target"))
    if tgt.get("source") == "hub" and isinstance(tgt.get("id"), str) and _HUB_ID.fullmatch(tgt["id"]):
        return f"https://huggingface.co/{tgt['id']}"
    return None


def training_datasets(report: dict[str, Any]) -> list[Dataset]:
    """The training datasets the report names: declared in the card's ``datasets:`` metadata
    (``facts.data.datasets_declared``) and Hub dataset pages the card links as training data
    (``facts.data.datasets_linked``), each once, in that order. Names found only in prose are not
    listed: they are not identifiers a BOM can point to."""
    data = as_dict(as_dict(report.get("facts")).get("data"))
    out: list[Dataset] = []
    seen: set[str] = set()
    for key, how in (
        ("datasets_declared", "declared in the model card metadata (datasets:)"),
        ("datasets_linked", "linked from the model card as training data"),
    ):
        for d in as_list(data.get(key)):
            if not isinstance(d, str) or not d.strip() or d in seen:
                continue
            seen.add(d)
            url = f"https://huggingface.co/datasets/{d}" if _HUB_ID.fullmatch(d) else None
            out.append(Dataset(d, how, url))
    return out


def model_facts(report: dict[str, Any]) -> dict[str, str]:
    """Model facts both BOMs carry, as text: task, architecture, family, library, parameters,
    dtypes, base model, papers (only those the report has)."""
    facts = as_dict(report.get("facts"))
    code, weights, repro = (as_dict(facts.get(k)) for k in ("code", "weights", "reproducibility"))
    dtypes = as_dict(weights.get("dtypes"))
    values = {
        "task": code.get("pipeline_tag"),
        "architecture": ", ".join(map(str, as_list(code.get("architectures")))),
        "family": code.get("model_type"),
        "library": code.get("library_name"),
        "parameters": weights.get("parameters"),
        "dtypes": ", ".join(sorted(map(str, dtypes))),
        "base_model": ", ".join(map(str, as_list(code.get("base_model")))),
        "papers": ", ".join(map(str, as_list(repro.get("paper_links")))),
    }
    return {k: text(v) for k, v in values.items() if v not in (None, "", [], {})}
