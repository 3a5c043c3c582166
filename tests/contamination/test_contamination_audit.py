"""`audit DIR --benchmark B` (issues 10 #8 and 13): the repository's training files only — held-out,
eval and test files are never scanned as training data — with the selection reported, and a typed,
spoken reason whenever the screen cannot run."""

import gzip
import json
import os

import pytest

from openaudit.cli.main import main
from openaudit.contamination.repo_data import Exclusion, UseSplit, classify

ITEMS = [
    {
        "id": f"t{i}",
        "question": f"In the year {1900 + i} the small village of Ardmore held its {i}th annual harvest festival by the river",
        "answer": f"with {i} stalls",
    }
    for i in range(4)
]


@pytest.mark.parametrize(
    "path, want",
    [
        ("data/train.jsonl", UseSplit.TRAIN),
        ("train-00000-of-00002.parquet", UseSplit.TRAIN),
        ("data/pretraining/shard_0.jsonl.zst", UseSplit.TRAIN),
        ("data/trainData.jsonl", UseSplit.TRAIN),
        ("data/corpus.jsonl", UseSplit.UNMARKED),
        ("datasets/wiki/part-1.txt", UseSplit.UNMARKED),
        ("corpus.jsonl", UseSplit.UNMARKED),
        ("data/heldout.txt", Exclusion.HELD_OUT),
        ("data/held-out.jsonl", Exclusion.HELD_OUT),
        ("data/test.jsonl", Exclusion.HELD_OUT),
        ("test-00000-of-00001.parquet", Exclusion.HELD_OUT),
        ("eval/mmlu.jsonl", Exclusion.HELD_OUT),
        ("data/validation/part-0.parquet", Exclusion.HELD_OUT),
        ("data/dev.txt", Exclusion.HELD_OUT),
        ("benchmarks/kjv-cloze.jsonl", Exclusion.HELD_OUT),
        ("data/train_test_split.jsonl", Exclusion.AMBIGUOUS),
        ("eval/few_shot/train.jsonl", Exclusion.AMBIGUOUS),
        ("loss_log.jsonl", Exclusion.OUTSIDE),
        ("data/latest.jsonl", UseSplit.UNMARKED),  # "latest" is not "test"
        ("data/interval.jsonl", UseSplit.UNMARKED),  # nor "interval" "val"
    ],
)
def test_split_by_path_and_name(path, want):
    assert classify(path)[0] is want


def _repo(tmp_path, files):
    repo = tmp_path / "repo"
    for rel, text in files.items():
        p = repo / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    (repo / "README.md").write_text("# a model\n")
    return repo


def _bench(tmp_path):
    b = tmp_path / "bench.jsonl"
    b.write_text("".join(json.dumps(r) + "\n" for r in ITEMS))
    return b


def _jsonl(recs):
    return "".join(json.dumps(r) + "\n" for r in recs)


def _audit(capsys, repo, *extra):
    rc = main(["audit", str(repo), "--benchmark", *extra, "-f", "json", "--no-timestamp"])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    rep = json.loads(cap.out)
    finding = next(f for d in rep["dimensions"] for f in d["findings"] if f["probe"] == "data.contamination")
    return rep["contamination"], finding, cap.err


def test_held_out_files_are_not_scanned_as_training_data(tmp_path, capsys):
    held = _jsonl({"text": it["question"] + " " + it["answer"]} for it in ITEMS)  # the benchmark's own split
    repo = _repo(
        tmp_path,
        {
            "data/train.jsonl": _jsonl(
                [{"text": "Plain training prose about rivers, villages and the weather in spring."}] * 3
            ),
            "data/test.jsonl": held,
            "data/eval/heldout.txt": "\n".join(it["question"] for it in ITEMS),
        },
    )
    c, finding, _err = _audit(capsys, repo, str(_bench(tmp_path)))
    assert c["status"] == "complete" and c["benchmarks"][0]["items_contaminated"] == 0
    assert [u["path"] for u in c["training_files"]["used"]] == ["data/train.jsonl"]
    assert {(e["path"], e["reason"]) for e in c["training_files"]["excluded"]} == {
        ("data/test.jsonl", "held_out"),
        ("data/eval/heldout.txt", "held_out"),
    }
    assert finding["outcome"] == "pass"


def test_training_file_with_leaks_is_found_with_repo_paths(tmp_path, capsys):
    repo = _repo(
        tmp_path, {"data/train.txt": "intro\n" + ITEMS[2]["question"] + "\n", "data/heldout.txt": ITEMS[0]["question"]}
    )
    c, finding, _err = _audit(capsys, repo, str(_bench(tmp_path)))
    b = c["benchmarks"][0]
    assert b["items_contaminated"] == 1 and [i["id"] for i in b["items"] if i["contaminated"]] == ["t2"]
    ev = next(i for i in b["items"] if i["id"] == "t2")["evidence"][0]
    assert ev["source"] == "data/train.txt" and ev["line"] == 2  # a repository path, not this machine's
    assert finding["outcome"] == "fail"


@pytest.mark.parametrize(
    "files, reason, says",
    [
        ({"model.safetensors": b"\x00" * 8}, "no_training_data", "holds no training data files"),
        ({"data/test.jsonl": _jsonl([{"text": "x"}]), "eval/dev.txt": "y"}, "only_held_out_data", "data/test.jsonl"),
    ],
)
def test_benchmark_without_training_data_says_what_is_missing(tmp_path, capsys, files, reason, says):
    repo = _repo(tmp_path, files)
    c, finding, err = _audit(capsys, repo, str(_bench(tmp_path)))
    assert c["status"] == "not_run" and c["reason"] == reason and says in c["message"]
    assert "--train" in c["message"]
    assert f"warning: contamination not run ({reason})" in err and says in err
    assert finding["outcome"] == "not_available" and says in finding["message"]
    assert "pass --benchmark and --train" not in finding["message"]


def test_benchmark_inside_the_repo_is_not_training_data(tmp_path, capsys):
    repo = _repo(tmp_path, {"data/train.txt": "ordinary prose only\n"})
    inside = repo / "data" / "items.jsonl"
    inside.write_text(_bench(tmp_path).read_text())
    c, _finding, _err = _audit(capsys, repo, str(inside))
    assert ("data/items.jsonl", "is_the_benchmark") in {
        (e["path"], e["reason"]) for e in c["training_files"]["excluded"]
    }
    assert c["benchmarks"][0]["items_contaminated"] == 0


def test_symlink_out_of_the_repo_is_never_read(tmp_path, capsys):
    outside = tmp_path / "secret.txt"
    outside.write_text(ITEMS[1]["question"] + "\n")
    repo = _repo(tmp_path, {"data/train.txt": "ordinary prose only\n"})
    os.symlink(outside, repo / "data" / "more.txt")
    c, _finding, _err = _audit(capsys, repo, str(_bench(tmp_path)))
    assert [u["path"] for u in c["training_files"]["used"]] == ["data/train.txt"]
    assert c["benchmarks"][0]["items_contaminated"] == 0


def test_hostile_training_file_still_gives_a_report(tmp_path, capsys):
    bomb = gzip.compress(b"\0" * (8 << 20))
    repo = _repo(tmp_path, {"data/train.jsonl.gz": bomb})
    c, finding, err = _audit(capsys, repo, str(_bench(tmp_path)))
    assert c["status"] == "not_run" and c["reason"] == "error" and "binary" in c["message"]
    assert finding["outcome"] == "not_available" and "warning: contamination not run (error)" in err


def test_explicit_train_is_reported_as_the_argument(tmp_path, capsys):
    repo = _repo(tmp_path, {"data/test.jsonl": _jsonl([{"text": ITEMS[0]["question"]}])})
    train = tmp_path / "t.txt"
    train.write_text(ITEMS[3]["question"] + "\n")
    c, _finding, _err = _audit(capsys, repo, str(_bench(tmp_path)), "--train", str(train))
    assert c["training_files"]["origin"] == "argument" and c["training_files"]["used"][0]["path"] == str(train)
    assert [i["id"] for i in c["benchmarks"][0]["items"] if i["contaminated"]] == ["t3"]


def test_bad_benchmark_is_the_users_error_exit_2(tmp_path, capsys):
    repo = _repo(tmp_path, {"data/train.txt": "prose\n"})
    assert main(["audit", str(repo), "--benchmark", str(tmp_path / "missing.jsonl"), "-f", "json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_report_cards_say_why_and_which_files(tmp_path, capsys):
    from openaudit.render import render

    repo = _repo(tmp_path, {"data/test.jsonl": _jsonl([{"text": "x"}])})
    assert main(["audit", str(repo), "--benchmark", str(_bench(tmp_path)), "-f", "json", "--no-timestamp"]) == 0
    rep = json.loads(capsys.readouterr().out)
    md = render(rep, "markdown")
    assert "Not run (only\\_held\\_out\\_data)" in md and "Not used: data/test.jsonl (held\\_out" in md
    html = render(rep, "html")
    assert "Not run (only_held_out_data)" in html and "data/test.jsonl" in html
