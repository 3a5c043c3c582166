"""rubrics/schema/report.schema.json matches Report.to_dict with scores and frameworks from this package."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from openaudit.model import Evidence, Finding, Outcome, Report
from openaudit.probes import CATALOG
from openaudit.resources import schema
from openaudit.rubric import evaluate_frameworks, load_rubric, rubric_info
from openaudit.rubric.score import score

OUTCOMES = list(Outcome)


def _findings() -> dict[str, Finding]:
    out = {}
    for i, p in enumerate(CATALOG):
        o = OUTCOMES[i % len(OUTCOMES)]
        out[p] = Finding(
            probe=p,
            outcome=o,
            message=f"{p}: {o.value}",
            evidence=(
                Evidence(kind="file", path="README.md", line=3, snippet="license: apache-2.0"),
                Evidence(kind="card_field", field="license"),
            ),
            value=({"params": 22713216} if i % 5 == 0 else None),
            score=(0.3 if o is Outcome.PARTIAL else None),
        )
    return out


def _report(**extra) -> dict:
    rub = load_rubric("openaudit")
    fs = _findings()
    s = score(rub, fs)
    r = Report(
        schema_version="1.0",
        tool={"name": "openaudit", "version": "0.1.0"},
        target={"id": "org/name", "source": "hub", "revision": None, "commit_sha": "a" * 40},
        rubric=rubric_info(rub),
        license={
            "declared": "apache-2.0",
            "spdx": "Apache-2.0",
            "category": "permissive",
            "commercial_use": True,
            "restrictions": [],
            "mismatch": False,
            "osi_approved": True,
        },
        dimensions=s.dimensions,
        overall=s.overall,
        frameworks=evaluate_frameworks(fs),
        facts={"weights": {"params": 22713216}},
        **extra,
    )
    return json.loads(json.dumps(r.to_dict()))


def _validate(d):
    jsonschema.Draft202012Validator(schema("report")).validate(d)


def test_schema_is_valid_and_versioned():
    s = schema("report")
    jsonschema.Draft202012Validator.check_schema(s)
    assert "/1.1/" in s["$id"]


def test_full_report_validates():
    _validate(
        _report(
            network={"requests": 7, "bytes": 12345},
            contamination={"benchmarks": [{"name": "humaneval", "rate": 0.01}]},
            verification={"verdict": "REPRODUCED_EXACT"},
            generated_at="2026-01-01T00:00:00Z",
        )
    )


def test_minimal_report_validates_with_all_unavailable():
    rub = load_rubric("openaudit")
    s = score(rub, {})
    r = Report(
        schema_version="1.0",
        tool={"name": "openaudit", "version": "0"},
        target={"id": "x", "source": "local"},
        rubric=rubric_info(rub),
        license={
            "declared": None,
            "spdx": None,
            "category": None,
            "commercial_use": None,
            "restrictions": [],
            "mismatch": None,
        },
        dimensions=s.dimensions,
        overall=s.overall,
        frameworks=evaluate_frameworks({}),
    )
    _validate(json.loads(json.dumps(r.to_dict())))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("dimensions"),
        lambda d: d["dimensions"][0]["findings"][0].update(outcome="maybe"),
        lambda d: d["dimensions"][0].update(score=11),
        lambda d: d.update(extra_key=1),
        lambda d: d["license"].pop("spdx"),
        lambda d: d["frameworks"]["osai"].update(data="half-open"),
        lambda d: d["frameworks"]["mof"].update({"class": "IV"}),
        lambda d: d["frameworks"]["osaid"].update(verdict="open"),
        lambda d: d["rubric"].update(sha256="xyz"),
        lambda d: d["dimensions"][0]["findings"][0]["evidence"].append({"kind": "rumour"}),
    ],
)
def test_schema_rejects_bad_reports(mutate):
    d = copy.deepcopy(_report())
    mutate(d)
    with pytest.raises(jsonschema.ValidationError):
        _validate(d)
