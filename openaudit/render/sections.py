"""What the report-card sections show, shared by the Markdown and HTML cards: which license facts
lead, which go to the details, and the rows of the contamination summary. Selection only — the
values are the report's, never recomputed."""

from __future__ import annotations

from typing import Any, NamedTuple

from openaudit.render import nested
from openaudit.render._common import as_dict, as_list, text

# The license facts every report carries (report.schema.json), shown first and in this order.
LICENSE_SUMMARY = ("declared", "spdx", "category", "commercial_use", "restrictions", "mismatch")
_BUCKETS = ("clean", "not_clean", "not_dirty", "dirty")
MAX_EXAMPLES = 20  # contaminated items listed per benchmark


def license_details(lic: dict[str, Any]) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """``(summary, details)``: the contract facts then every other one-line fact, as ``(key, value)``;
    and the nested facts (components, evidence, base model ...) in key order."""
    summary: list[tuple[str, Any]] = [(k, lic.get(k)) for k in LICENSE_SUMMARY]
    details: list[tuple[str, Any]] = []
    for key, value in nested.items(lic):
        if key in LICENSE_SUMMARY:
            continue
        (summary if nested.is_inline(value) else details).append((str(key), value))
    return summary, details


def facts_groups(facts: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """``(loose facts, [(group, facts)])``: the report's ``facts`` block split into its groups
    (code, data, weights ...; each a sub-section) and any fact outside a group."""
    loose = {k: v for k, v in facts.items() if not isinstance(v, dict)}
    return loose, [(str(k), v) for k, v in nested.items({k: v for k, v in facts.items() if isinstance(v, dict)})]


class Gap(NamedTuple):
    name: str
    status: str | None  # shown when it is not plain "not_met" (e.g. unverified)
    reason: str | None


def gap(item: Any) -> Gap:
    """One missing framework item (``{component|item, name, status, reason}`` or a plain string)."""
    if not isinstance(item, dict):
        return Gap(nested.scalar_text(item), None, None)
    name = item.get("name") or item.get("component") or item.get("item") or "?"
    status = item.get("status") if item.get("status") not in (None, "not_met") else None
    return Gap(text(name), text(status) if status else None, text(item.get("reason")) or None)


def rate_text(rate: Any) -> str:
    return f"{float(rate):.2%}" if isinstance(rate, (int, float)) and not isinstance(rate, bool) else "n/a"


def _buckets(buckets: Any) -> str:
    b = as_dict(buckets)
    keys = [k for k in _BUCKETS if k in b] + sorted(k for k in b if k not in _BUCKETS)
    return "; ".join(f"{nested.label(k)}: {nested.scalar_text(b[k])}" for k in keys) or nested.NONE


def _match(ev: dict[str, Any]) -> str:
    where = ", ".join(
        x
        for x in (
            text(ev.get("doc")),
            f"chars {ev['start']}–{ev['end']}" if ev.get("start") is not None and ev.get("end") is not None else "",
        )
        if x
    )
    snippet = text(ev.get("snippet"))
    return (
        f"{text(ev.get('source'), '?')}" + (f" ({where})" if where else "") + (f": {snippet[:200]}" if snippet else "")
    )


def contamination_rows(c: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(benchmarks, examples)``: one summary row per benchmark, and the first contaminated items
    of each (flat records: benchmark, item, bucket, coverage, longest match, jaccard, evidence)."""
    benches, examples = [], []
    for b in map(as_dict, as_list(c.get("benchmarks"))):
        name = text(b.get("name"), "?")
        benches.append(
            {
                "name": name,
                "items": b.get("items_total"),
                "contaminated": b.get("items_contaminated"),
                "rate": b.get("rate"),
                "buckets": _buckets(b.get("buckets")),
            }
        )
        hits = [i for i in map(as_dict, as_list(b.get("items"))) if i.get("contaminated")]
        for item in hits[:MAX_EXAMPLES]:
            examples.append(
                {
                    "benchmark": name,
                    "item": item.get("id"),
                    "bucket": item.get("bucket"),
                    "coverage": item.get("coverage"),
                    "longest_match": item.get("longest_match"),
                    "jaccard": item.get("jaccard"),
                    "evidence": [_match(e) for e in map(as_dict, as_list(item.get("evidence")))],
                }
            )
        if len(hits) > MAX_EXAMPLES:
            examples.append({"benchmark": name, "item": nested.more_text(len(hits) - MAX_EXAMPLES)})
    return benches, examples
