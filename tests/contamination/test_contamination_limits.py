"""Bounded memory and fail-closed results for hostile inputs (issue 11): every reader streams under
caps; what a cap skips is listed, and a scan that skipped anything is ``incomplete``, never clean."""

import gzip
import json
import subprocess
import sys

import pytest

# benchmarks/ is on sys.path (conftest). CHILD runs the real CLI in a fresh process that reports its
# own peak RSS (VmHWM: independent of this process's size); bombs are built as the benchmark builds them.
from contamination_memory import CHILD
from contamination_memory import gzip_members as _gzip_members

from openaudit.cli.main import main
from openaudit.contamination import streams
from openaudit.contamination.api import run
from openaudit.contamination.benchsets import load_benchmark
from openaudit.contamination.problems import ReadLog
from openaudit.contamination.readers import Shard, iter_documents
from openaudit.errors import InvalidInput
from openaudit.model import Outcome, Snapshot, SourceKind, Target
from openaudit.probes.heavy import data_contamination
from openaudit.probes.registry import ProbeContext

GIB = 1 << 30
QUESTION = "And the earth was without form and void and darkness was upon the face of the deep"
BENCH_LINE = json.dumps({"id": "q1", "text": QUESTION}) + "\n"


def _cli_in_child(args):
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=300)
    rss_kb = int(proc.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0])
    return proc, rss_kb * 1024


def _bench(tmp_path):
    b = tmp_path / "bench.jsonl"
    b.write_text(BENCH_LINE)
    return b


def _ctx(report):
    snap = Snapshot(target=Target("x", SourceKind.LOCAL), commit_sha=None, files=())
    return ProbeContext(snapshot=snap, facts={}, extra={"contamination": report})


@pytest.mark.slow
def test_gzip_of_nuls_is_refused_in_bounded_memory(tmp_path):
    bomb = tmp_path / "nuls.jsonl.gz"
    _gzip_members(bomb, b"\0" * (64 << 20), 64)  # 4 MB on disk, 4 GiB of NULs inside
    assert bomb.stat().st_size < 5 << 20
    proc, rss = _cli_in_child(
        ["contamination", "-b", str(_bench(tmp_path)), "-t", str(bomb), "-f", "json", "-q", "-j", "1"]
    )
    assert proc.returncode == 2 and "binary content after decompression" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert rss < GIB, rss


@pytest.mark.slow
@pytest.mark.parametrize("case", ["nuls_after_text", "one_huge_line", "newlines_only"])
def test_compressed_bombs_give_an_incomplete_report_in_bounded_memory(tmp_path, case):
    head = "".join(
        json.dumps({"id": f"d{i}", "text": f"ordinary text number {i} " * 20}) + "\n" for i in range(40)
    ).encode()
    bomb = tmp_path / "train.jsonl.gz"
    if case == "nuls_after_text":  # the sniffed head is clean text; NULs start later
        _gzip_members(bomb, b"\0" * (64 << 20), 64, head)
        code = "binary_content"
    elif case == "one_huge_line":  # one JSON string of 4 GiB: never a newline
        _gzip_members(bomb, b"a" * (64 << 20), 64, head + b'{"id": "big", "text": "')
        code = "decompression_budget"
    else:
        _gzip_members(bomb, b"\n" * (64 << 20), 64, head)
        code = "decompression_budget"
    out = tmp_path / "r.json"
    proc, rss = _cli_in_child(
        ["contamination", "-b", str(_bench(tmp_path)), "-t", str(bomb), "-o", str(out), "-j", "1"]
    )
    assert proc.returncode == 0, proc.stderr
    assert rss < GIB, rss
    rep = json.loads(out.read_text())
    assert rep["status"] == "incomplete" and rep["benchmarks"][0]["status"] == "incomplete"
    assert code in rep["training_problems"]["counts"]
    assert rep["method"]["training"]["docs"] == 40  # what came before the bomb was scanned
    assert "training data incomplete" in proc.stderr


@pytest.mark.slow
def test_huge_single_line_text_file_bounded_memory(tmp_path):
    big = tmp_path / "corpus.txt"
    with big.open("w") as fh:
        fh.write(QUESTION + "\n")  # line 1: a match
        for _ in range(48):
            fh.write("word " * 200_000)  # then one line of 48 MB
        fh.write("\n" + "the end\n")
    out = tmp_path / "r.json"
    proc, rss = _cli_in_child(["contamination", "-b", str(_bench(tmp_path)), "-t", str(big), "-o", str(out), "-j", "1"])
    assert proc.returncode == 0, proc.stderr
    assert rss < GIB, rss
    rep = json.loads(out.read_text())
    b = rep["benchmarks"][0]
    assert b["status"] == "incomplete" and b["problems"]["listed"][0]["code"] == "line_too_long"
    assert b["problems"]["listed"][0]["line"] == 2
    assert b["items_contaminated"] == 1 and b["items"][0]["evidence"][0]["line"] == 1


def test_long_line_skipped_and_listed(tmp_path, monkeypatch):
    monkeypatch.setattr(streams, "MAX_LINE_CHARS", 200)
    train = tmp_path / "t.jsonl"
    train.write_text(
        json.dumps({"id": "a", "text": "short one"})
        + "\n"
        + json.dumps({"id": "b", "text": "x " * 500})
        + "\n"
        + json.dumps({"id": "c", "text": QUESTION})
        + "\n"
    )
    log = ReadLog()
    docs = list(iter_documents(Shard(str(train), str(train)), log))
    assert [d.id for d in docs] == ["a", "c"] and [d.line for d in docs] == [1, 3]
    assert log.counts == {"line_too_long": 1} and log.problems[0].line == 2
    rep = run([str(_bench(tmp_path))], [str(train)], workers=1, progress=lambda _m: None)
    assert rep["status"] == "incomplete"
    assert rep["benchmarks"][0]["items_contaminated"] == 1  # matches found stand


def test_incomplete_clean_scan_is_not_a_pass_and_not_a_met_policy(tmp_path, monkeypatch):
    from openaudit.policy.evaluate import evaluate
    from openaudit.policy.load import policy_from_data

    policy = policy_from_data({"kind": "policy", "name": "t", "max_contamination_rate": 0.05}, "test-policy")

    monkeypatch.setattr(streams, "MAX_LINE_CHARS", 150)
    train = tmp_path / "t.jsonl"
    train.write_text(json.dumps({"text": "nothing to see here"}) + "\n" + json.dumps({"text": "y " * 200}) + "\n")
    rep = run([str(_bench(tmp_path))], [str(train)], workers=1, progress=lambda _m: None)
    b = rep["benchmarks"][0]
    assert b["items_contaminated"] == 0 and b["status"] == "incomplete"
    f = data_contamination(_ctx(rep))
    assert f.outcome is Outcome.NOT_AVAILABLE and "not verified clean" in f.message
    verdict = evaluate({"contamination": rep}, policy)
    assert [u.rule for u in verdict.unverified] == ["max_contamination_rate"]
    assert not [v for v in verdict.violations if v.rule == "max_contamination_rate"]
    # the same scan, complete, passes
    monkeypatch.setattr(streams, "MAX_LINE_CHARS", 8 << 20)
    rep = run([str(_bench(tmp_path))], [str(train)], workers=1, progress=lambda _m: None)
    assert rep["status"] == "complete" and data_contamination(_ctx(rep)).outcome is Outcome.PASS
    assert evaluate({"contamination": rep}, policy).ok


def test_incomplete_scan_with_leaks_keeps_them_at_no_credit(tmp_path):
    rep = {
        "status": "incomplete",
        "benchmarks": [
            {
                "name": "B",
                "status": "incomplete",
                "items_total": 100,
                "items_contaminated": 1,
                "rate": 0.01,
                "problems": {"counts": {"line_too_long": 1}, "listed": []},
                "items": [
                    {
                        "id": "i0",
                        "contaminated": True,
                        "bucket": "dirty",
                        "coverage": 1.0,
                        "evidence": [
                            {"source": "t.txt", "doc": "lines 1-9", "line": 7, "start": 0, "end": 9, "snippet": "s"}
                        ],
                    }
                ],
            }
        ],
    }
    f = data_contamination(_ctx(rep))
    assert f.outcome is Outcome.PARTIAL and f.score == 0.0 and "incomplete" in f.message
    assert any(e.line == 7 for e in f.evidence)


def test_parquet_caps(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["small doc", "z" * 5000, QUESTION]}), tmp_path / "a.parquet")
    monkeypatch.setattr(streams, "MAX_LINE_CHARS", 1000)
    log = ReadLog()
    docs = list(iter_documents(Shard("a.parquet", str(tmp_path / "a.parquet")), log))
    assert [d.id for d in docs] == ["row 0", "row 2"] and log.counts == {"doc_too_long": 1}
    pq.write_table(pa.table({"text": ["q" * 3000] * 10}), tmp_path / "b.parquet", row_group_size=5)
    monkeypatch.setattr(streams, "ROW_GROUP_BYTES", 1000)
    log = ReadLog()
    assert list(iter_documents(Shard("b.parquet", str(tmp_path / "b.parquet")), log)) == []
    assert log.counts == {"row_group_too_large": 2}
    # a dictionary page repeating one value: small on disk and in the metadata, large decoded
    pq.write_table(pa.table({"text": ["r" * 900] * 5000}), tmp_path / "c.parquet")
    assert pq.ParquetFile(tmp_path / "c.parquet").metadata.row_group(0).total_byte_size < 100_000
    monkeypatch.setattr(streams, "ROW_GROUP_BYTES", 200_000)
    log = ReadLog()
    docs = list(iter_documents(Shard("c.parquet", str(tmp_path / "c.parquet")), log))
    assert 0 < len(docs) < 5000 and log.counts == {"decompression_budget": 1}


def test_truncated_gzip_is_a_problem_not_a_crash(tmp_path):
    data = gzip.compress("".join(json.dumps({"text": f"document {i} " * 50}) + "\n" for i in range(2000)).encode())
    bad = tmp_path / "cut.jsonl.gz"
    bad.write_bytes(data[: len(data) // 2])
    log = ReadLog()
    docs = list(iter_documents(Shard("cut.jsonl.gz", str(bad)), log))
    assert 0 < len(docs) < 2000 and list(log.counts) == ["corrupt_stream"]


def test_zstd_reads_every_frame(tmp_path):
    import zstandard

    frames = [
        zstandard.ZstdCompressor().compress((json.dumps({"id": f"f{i}", "text": f"frame {i}"}) + "\n").encode())
        for i in range(3)
    ]
    (tmp_path / "m.jsonl.zst").write_bytes(b"".join(frames))
    log = ReadLog()
    assert [d.id for d in iter_documents(Shard("m", str(tmp_path / "m.jsonl.zst")), log)] == ["f0", "f1", "f2"]
    assert log.complete


def _deep(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def test_deeply_nested_benchmark_line_skips_that_item(tmp_path):
    b = tmp_path / "deep.jsonl"
    b.write_text(
        BENCH_LINE
        + '{"id": "deep", "text": '
        + _deep(100_000)
        + "}\n"
        + json.dumps({"id": "q2", "text": "another question here"})
        + "\n"
    )
    bench = load_benchmark(str(b))
    assert [i.id for i in bench.items] == ["q1", "q2"]
    assert bench.problems["counts"] == {"record_refused": 1} and bench.problems["listed"][0]["line"] == 2
    train = tmp_path / "t.jsonl"
    train.write_text(json.dumps({"text": QUESTION}) + "\n")
    rep = run([str(b)], [str(train)], workers=1, progress=lambda _m: None)
    out = rep["benchmarks"][0]
    assert out["status"] == "incomplete" and out["items_skipped"] == 1 and out["items_contaminated"] == 1


def test_deeply_nested_json_benchmark_document_is_one_line_error(tmp_path, capsys):
    b = tmp_path / "deep.json"
    b.write_text('{"data": ' + _deep(100_000) + "}")
    with pytest.raises(InvalidInput, match="nest"):
        load_benchmark(str(b))
    train = tmp_path / "t.jsonl"
    train.write_text(json.dumps({"text": QUESTION}) + "\n")
    assert main(["contamination", "-b", str(b), "-t", str(train), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_deeply_nested_training_line_is_skipped(tmp_path):
    train = tmp_path / "t.jsonl"
    train.write_text(json.dumps({"text": "fine"}) + "\n" + '{"text": "x", "meta": ' + _deep(5000) + "}\n")
    log = ReadLog()
    assert [d.text for d in iter_documents(Shard("t", str(train)), log)] == ["fine"]
    assert log.counts == {"record_refused": 1}


def test_table_says_incomplete(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(streams, "MAX_LINE_CHARS", 150)
    train = tmp_path / "t.jsonl"
    train.write_text(json.dumps({"text": "y " * 200}) + "\n")
    assert main(["contamination", "-b", str(_bench(tmp_path)), "-t", str(train), "-f", "table", "-q", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "incomplete" in out and "INCOMPLETE, not verified clean" in out and "line_too_long" in out


@pytest.mark.parametrize(
    "text, code",
    [
        ('{"text": "a \\ud800 b"}', "not_text"),  # ASCII line, lone surrogate escape
        ('{"text": "a \ud800 b"}', "not_text"),  # a raw lone surrogate
        ('{"text": "' + "é" * 20 + '"}', "too_large"),  # 20 characters, 40+ bytes: over a 40-byte cap
    ],
)
def test_hardened_parser_fast_paths_still_refuse(text, code):
    """The JSON lines of training data go through base.parse.load_json; its ASCII/size fast paths
    (which keep the screen at its speed) must refuse exactly what they refused before."""
    from openaudit.base.parse import ParseProblem, load_json

    with pytest.raises(ParseProblem) as err:
        load_json(text, max_bytes=40 if code == "too_large" else 1 << 20)
    assert err.value.code.value == code
    assert load_json('{"text": "caf\\u00e9 ok"}')["text"] == "café ok"
