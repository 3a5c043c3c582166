import json
from pathlib import Path

import jsonschema
import pytest

from openaudit.contamination.api import run
from openaudit.contamination.index import ngram_size
from openaudit.contamination.normalise import normalise
from openaudit.errors import OpenAuditError, UsageError

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "rubrics/schema/contamination.schema.json").read_text())


@pytest.fixture(scope="module")
def report(humaneval, planted):
    return run([humaneval], [str(planted)], workers=1, progress=lambda _m: None)


def _items(rep):
    return {it["id"]: it for it in rep["benchmarks"][0]["items"]}


def test_report_validates_against_schema(report):
    jsonschema.validate(report, SCHEMA)
    m = report["method"]
    assert m["minhash"]["library"] == "datasketch" and m["minhash"]["num_perm"] == 128
    assert m["ngram"]["by_benchmark"]["HumanEval"] == 13


def test_verbatim_items_found_with_evidence(report, planted, he_items):
    items = _items(report)
    text_by_doc = {json.loads(l)["id"]: json.loads(l)["text"] for l in planted.read_text().splitlines()}
    for k in range(3):
        it = items[f"HumanEval/{k}"]
        assert it["contaminated"] and it["bucket"] == "dirty" and it["coverage"] == 1.0
        ev = it["evidence"][0]
        span = text_by_doc[ev["doc"]][ev["start"] : ev["end"]]
        assert normalise(span) in normalise(he_items[k].question)
        assert len(normalise(span).split()) == it["longest_match"]
        assert it["jaccard"] >= 0.9
    assert items["HumanEval/0"]["kind"] == "question_answer"
    assert items["HumanEval/1"]["kind"] == "question_only"


def test_light_edit_found_and_clean_controls_clean(report):
    items = _items(report)
    assert items["HumanEval/3"]["contaminated"]
    assert 0 < items["HumanEval/3"]["coverage"] < 1.0
    clean = [i for k, i in items.items() if int(k.split("/")[1]) > 3]
    assert not any(i["contaminated"] for i in clean)
    assert all(i["evidence"] == [] for i in clean if i["longest_match"] == 0)


def test_benchmark_counts_are_consistent(report):
    b = report["benchmarks"][0]
    assert b["items_total"] == 164
    assert b["items_contaminated"] == sum(i["contaminated"] for i in b["items"]) == 4
    k = b["buckets"]
    assert k["clean"] + k["not_clean"] == 164 == k["not_dirty"] + k["dirty"]
    assert b["question_answer"] == 1 and b["question_only"] == 3
    assert b["rate"] == round(4 / 164, 4)


def test_output_is_deterministic(humaneval, planted, report):
    again = run([humaneval], [str(planted)], workers=1, progress=lambda _m: None)
    assert json.dumps(again, sort_keys=True) == json.dumps(report, sort_keys=True)


def test_frequent_ngrams_ignored_for_coverage_but_reported(tmp_path, humaneval, he_items):
    q = he_items[5].question
    lines = [json.dumps({"id": f"d{i}", "text": f"boilerplate {i}\n{q}"}) for i in range(4)]
    (tmp_path / "t.jsonl").write_text("\n".join(lines) + "\n")
    rep = run([humaneval], [str(tmp_path / "t.jsonl")], workers=1, frequent_docs=3, progress=lambda _m: None)
    it = _items(rep)["HumanEval/5"]
    assert it["coverage"] == 0.0 and it["frequent_ngrams_ignored"] > 0
    assert rep["benchmarks"][0]["frequent_ngrams"][0]["docs"] == 4
    rep2 = run([humaneval], [str(tmp_path / "t.jsonl")], workers=1, frequent_docs=5, progress=lambda _m: None)
    assert _items(rep2)["HumanEval/5"]["coverage"] == 1.0


def test_process_pool_equals_inline(humaneval, planted, tmp_path, report):
    second = tmp_path / "second.jsonl"
    second.write_text(planted.read_text())
    a = run([humaneval], [str(planted), str(second)], workers=1, progress=lambda _m: None)
    b = run([humaneval], [str(planted), str(second)], workers=2, progress=lambda _m: None)
    assert a == b
    assert _items(a)["HumanEval/1"]["coverage"] == 1.0
    assert a["method"]["training"]["shards"] == 2


def test_ray_engine_equals_local(humaneval, planted, report):
    pytest.importorskip("ray")
    rep = run([humaneval], [str(planted)], engine="ray", workers=1, progress=lambda _m: None)
    assert rep["benchmarks"] == report["benchmarks"]
    assert rep["method"]["engine"] == "ray"


@pytest.mark.slow
def test_ray_quiet_prints_nothing_on_stderr(humaneval, planted, tmp_path):
    """`--engine ray -q`: not even Ray's own start-up banner (token authentication notice). Run in a
    fresh process: pytest's log capture would hide a logging message from an in-process run."""
    import os
    import subprocess
    import sys

    pytest.importorskip("ray")
    env = dict(os.environ, HOME=str(tmp_path))  # Ray keeps its token under ~/.ray
    env.pop("RAY_AUTH_MODE", None)
    args = ["contamination", "-b", humaneval, "-t", str(planted), "--engine", "ray", "-q", "-j", "1", "-f", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "openaudit", *args], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["method"]["engine"] == "ray"


def test_fuzzy_mode_finds_paraphrase(tmp_path, humaneval, he_items, plays):
    import random

    from contamination_plant import paraphrase

    para = paraphrase(he_items[10].question, random.Random(0))
    (tmp_path / "t.jsonl").write_text(json.dumps({"id": "x", "text": plays[0][1][:20000] + "\n" + para}) + "\n")
    exact = run([humaneval], [str(tmp_path / "t.jsonl")], workers=1, progress=lambda _m: None)
    fuzzy = run([humaneval], [str(tmp_path / "t.jsonl")], workers=1, fuzzy=True, progress=lambda _m: None)
    it = _items(fuzzy)["HumanEval/10"]
    assert it["contaminated"] and it["fuzzy_jaccard"] >= 0.25
    assert any(e["match"] == "fuzzy" for e in it["evidence"])
    assert sum(i["contaminated"] for i in fuzzy["benchmarks"][0]["items"]) <= 2
    assert _items(exact)["HumanEval/10"]["fuzzy_jaccard"] == 0.0


def test_ngram_rule():
    assert ngram_size([3] * 100) == 8
    assert ngram_size([100] * 100) == 13
    assert ngram_size(list(range(1, 201))) == 10
    assert ngram_size([]) == 8


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"engine": "spark"}, UsageError),
        ({"workers": 0}, UsageError),
        ({"ngram": 0}, UsageError),
        ({"frequent_docs": 0}, UsageError),
        ({"text_field": " "}, UsageError),
    ],
)
def test_bad_options(humaneval, planted, kwargs, exc):
    with pytest.raises(exc):
        run([humaneval], [str(planted)], progress=lambda _m: None, **kwargs)


def test_no_inputs():
    with pytest.raises(OpenAuditError):
        run([], ["x"], progress=lambda _m: None)
