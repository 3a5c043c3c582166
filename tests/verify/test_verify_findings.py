"""The repro.replay probe and replay_finding: verdict -> outcome."""

from __future__ import annotations

import pytest

from openaudit.model import Outcome, Snapshot, SourceKind, Target
from openaudit.probes.heavy import replay_finding
from openaudit.probes.registry import ProbeContext


def _res(verdict, **kw):
    base = {
        "verdict": verdict,
        "tier": "full",
        "reason": "r",
        "metrics": {},
        "missing": [],
        "first_divergent_step": None,
        "recipe": "x/recipe.yaml",
        "environment": {},
    }
    base.update(kw)
    return base


@pytest.mark.parametrize(
    "verdict, outcome",
    [
        ("REPRODUCED_EXACT", Outcome.PASS),
        ("REPRODUCED_WITHIN_TOLERANCE", Outcome.PASS),
        ("DIVERGED", Outcome.FAIL),
        ("INCONCLUSIVE", Outcome.NOT_AVAILABLE),
        ("SKIPPED_BUDGET", Outcome.NOT_AVAILABLE),
        ("UNSUPPORTED", Outcome.NOT_AVAILABLE),
        ("REFUSED_UNSAFE_ARTIFACT", Outcome.NOT_AVAILABLE),
    ],
)
def test_outcomes(verdict, outcome):
    f = replay_finding(_res(verdict))
    assert f.probe == "repro.replay" and f.outcome is outcome
    assert verdict in f.message


def test_diverged_names_step_and_tensors():
    f = replay_finding(
        _res(
            "DIVERGED",
            first_divergent_step=15,
            metrics={"most_diverged_tensors": [{"tensor": "embed_out.weight", "distance": 3.0}]},
        )
    )
    assert "step 15" in f.message and "embed_out.weight" in f.message


def test_not_reproducible_partial_when_forward_audit_agreed_else_fail():
    miss = ["optimizer state at step 10 (ck/step-10/optimizer.safetensors)"]
    ok = replay_finding(_res("NOT_REPRODUCIBLE", missing=miss, metrics={"forward_audit": {"checks": [{"ok": True}]}}))
    assert ok.outcome is Outcome.PARTIAL and "optimizer state at step 10" in ok.message
    assert any(e.kind == "absence" and "optimizer" in e.snippet for e in ok.evidence)
    bad = replay_finding(_res("NOT_REPRODUCIBLE", missing=miss))
    assert bad.outcome is Outcome.FAIL


def test_probe_reads_ctx_extra():
    from openaudit.probes.heavy import repro_replay

    snap = Snapshot(target=Target(id="x", source=SourceKind.LOCAL), commit_sha=None, files=())
    assert repro_replay(ProbeContext(snapshot=snap, facts={})).outcome is Outcome.NOT_AVAILABLE
    ctx = ProbeContext(snapshot=snap, facts={}, extra={"verification": _res("REPRODUCED_EXACT")})
    assert repro_replay(ctx).outcome is Outcome.PASS
