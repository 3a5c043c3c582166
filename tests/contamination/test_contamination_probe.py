from openaudit.model import Outcome, Snapshot, SourceKind, Target
from openaudit.probes.heavy import data_contamination
from openaudit.probes.registry import ProbeContext


def _ctx(extra):
    snap = Snapshot(target=Target("x", SourceKind.LOCAL), commit_sha=None, files=())
    return ProbeContext(snapshot=snap, facts={}, extra=extra)


def _report(contaminated, total=100):
    items = [
        {
            "id": f"i{k}",
            "contaminated": k < contaminated,
            "bucket": "dirty" if k < contaminated else "clean",
            "coverage": 1.0 if k < contaminated else 0.0,
            "longest_match": 20,
            "jaccard": 1.0,
            "evidence": [{"source": "train.jsonl", "doc": "d1", "start": 5, "end": 50, "snippet": "leaked text"}]
            if k < contaminated
            else [],
        }
        for k in range(total)
    ]
    return {
        "method": {},
        "benchmarks": [
            {
                "name": "B",
                "items_total": total,
                "items_contaminated": contaminated,
                "rate": contaminated / total,
                "buckets": {},
                "items": items,
            }
        ],
    }


def test_not_run():
    f = data_contamination(_ctx({}))
    assert f.outcome is Outcome.NOT_AVAILABLE and "not run" in f.message


def test_clean_passes():
    f = data_contamination(_ctx({"contamination": _report(0)}))
    assert f.outcome is Outcome.PASS and f.value == 0.0


def test_small_leak_partial_large_leak_fail():
    p = data_contamination(_ctx({"contamination": _report(2)}))
    assert p.outcome is Outcome.PARTIAL and 0 < p.score < 1
    assert any(e.path == "train.jsonl#d1:5-50" for e in p.evidence)
    f = data_contamination(_ctx({"contamination": _report(30)}))
    assert f.outcome is Outcome.FAIL and f.value == 0.3
    assert len(f.evidence) <= 11


def test_registered_in_catalogue():
    from openaudit.probes.registry import registered

    assert registered()["data.contamination"] is data_contamination
