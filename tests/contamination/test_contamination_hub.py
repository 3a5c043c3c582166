"""Hub dataset repos as training data and as benchmarks, through the REAL huggingface_hub client
talking to the fake Hub (tests/fakehub) on 127.0.0.1: shard-by-shard reading, cache awareness,
offline mode and failures."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from openaudit.cli.main import main
from openaudit.contamination import api, hub
from openaudit.errors import AuthError, InvalidInput, NetworkError, OfflineMiss

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fakehub.server import FakeRepo, Fault

REPO = "acme/corpus"


def _jsonl(recs) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in recs).encode()


def _parquet(recs) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(recs), buf, row_group_size=2)
    return buf.getvalue()


@pytest.fixture(scope="module")
def shards(plays, he_items) -> dict[str, bytes]:
    """Four training shards in four formats with items 0 (question+answer), 1, 2 planted; a test
    split holding item 5 that the training side must not read."""
    import zstandard

    it = he_items
    docs = [{"id": f"{name}-{k}", "text": text[k * 20000 : (k + 1) * 20000]} for name, text in plays for k in range(2)]
    docs[0]["text"] += "\n" + it[0].question + it[0].answer + "\n"
    docs[3]["text"] = it[1].question + "\n" + docs[3]["text"]
    docs[6]["text"] = docs[6]["text"][:3000] + "\n" + it[2].question + "\n" + docs[6]["text"][3000:]
    return {
        "README.md": b"---\nlicense: mit\n---\n# corpus\n",
        "data/train-00000-of-00004.jsonl": _jsonl(docs[0:2]),
        "data/train-00001-of-00004.jsonl.gz": gzip.compress(_jsonl(docs[2:4]), mtime=0),
        "data/train-00002-of-00004.jsonl.zst": zstandard.ZstdCompressor().compress(_jsonl(docs[4:6])),
        "data/train-00003-of-00004.parquet": _parquet(docs[6:]),
        "data/test-00000-of-00001.jsonl": _jsonl([{"id": "t", "text": it[5].question}]),
    }


@pytest.fixture
def corpus_hub(fakehub, shards):
    fakehub.add_dataset(FakeRepo(REPO, dict(shards)))
    return fakehub


def _humaneval_records(path: str) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _file_requests(hub_, method: str | None = None) -> list[str]:
    return [p for m, p, _s in hub_.log if "/resolve/" in p and (method is None or m == method)]


def _strip_sources(rep: dict, prefix: str) -> str:
    return json.dumps(rep, sort_keys=True).replace(prefix, "")


def _bench(rep: dict) -> dict:
    (b,) = rep["benchmarks"]
    return b


def test_hub_training_data_equals_local_files(corpus_hub, shards, humaneval, tmp_path):
    local = tmp_path / "local"
    for name, data in shards.items():
        if name.startswith("data/train"):
            (local / name).parent.mkdir(parents=True, exist_ok=True)
            (local / name).write_bytes(data)
    from_hub = api.run([humaneval], [f"hf://datasets/{REPO}"], workers=1, progress=lambda m: None)
    from_disk = api.run([humaneval], [str(local)], workers=1, progress=lambda m: None)
    b = _bench(from_hub)
    assert b["items_contaminated"] == 3
    assert {i["id"] for i in b["items"] if i["contaminated"]} == {"HumanEval/0", "HumanEval/1", "HumanEval/2"}
    sources = {e["source"] for i in b["items"] for e in i["evidence"]}
    assert sources == {
        f"{REPO}/data/train-00000-of-00004.jsonl",
        f"{REPO}/data/train-00001-of-00004.jsonl.gz",
        f"{REPO}/data/train-00003-of-00004.parquet",
    }
    assert _strip_sources(from_hub, f"{REPO}/") == _strip_sources(from_disk, f"{local}/")
    # the train split only: README and the test split are never downloaded
    got = {p.split("/resolve/", 1)[1].split("/", 1)[1] for p in _file_requests(corpus_hub, "GET")}
    assert got == {n for n in shards if n.startswith("data/train")}


def test_hub_shards_are_fetched_one_by_one_in_workers(corpus_hub, humaneval):
    from openaudit.contamination.readers import expand

    shards = expand([REPO])
    assert [s.source for s in shards] == [
        f"{REPO}/data/train-0000{k}-of-00004." + ext
        for k, ext in enumerate(("jsonl", "jsonl.gz", "jsonl.zst", "parquet"))
    ]
    assert all(s.path == "" and s.remote[2] == shards[0].remote[2] and len(s.remote[2]) == 40 for s in shards)
    assert _file_requests(corpus_hub) == []  # listing downloads nothing; each shard is fetched when scanned
    hub_shards = api.run([humaneval], [REPO], workers=2, progress=lambda m: None)  # spawn workers download
    assert _bench(hub_shards)["items_contaminated"] == 3
    assert len(_file_requests(corpus_hub, "GET")) == 4


def test_second_run_downloads_nothing_and_offline_uses_the_cache(corpus_hub, humaneval, monkeypatch):
    first = api.run([humaneval], [REPO], workers=1, progress=lambda m: None)
    n_files = len(_file_requests(corpus_hub))
    assert len(_file_requests(corpus_hub, "GET")) == 4
    second = api.run([humaneval], [REPO], workers=1, progress=lambda m: None)
    assert second == first
    assert len(_file_requests(corpus_hub)) == n_files  # no HEAD, no GET: the pinned commit is cached
    # offline with the server gone: the cached snapshot of main is used
    corpus_hub.stop()
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert api.run([humaneval], [REPO], workers=1, progress=lambda m: None) == first
    with pytest.raises(OfflineMiss, match="acme/never-fetched: offline"):
        api.run([humaneval], ["acme/never-fetched"], workers=1, progress=lambda m: None)


def test_new_commit_is_followed_online(corpus_hub, humaneval, he_items):
    first = api.run([humaneval], [REPO], workers=1, progress=lambda m: None)
    assert _bench(first)["items_contaminated"] == 3
    repo = corpus_hub.datasets[REPO]
    repo.files["data/train-00000-of-00004.jsonl"] = _jsonl([{"id": "new", "text": he_items[7].question}])
    b = _bench(api.run([humaneval], [REPO], workers=1, progress=lambda m: None))
    hit = {i["id"] for i in b["items"] if i["contaminated"]}
    assert {"HumanEval/1", "HumanEval/2", "HumanEval/7"} <= hit and "HumanEval/0" not in hit  # new commit read


def test_hub_benchmark_humaneval_fields(fakehub, humaneval, planted):
    recs = _humaneval_records(humaneval)
    fakehub.add_dataset(
        FakeRepo(
            "openai/he",
            {
                "README.md": b"# HumanEval\n",
                "data/test-00000-of-00001.parquet": _parquet(recs),
            },
        )
    )
    rep = api.run(["openai/he@main"], [str(planted)], workers=1, progress=lambda m: None)
    b = _bench(rep)
    assert b["name"] == "openai/he@main" and b["format"] == "humaneval" and b["items_total"] == len(recs)
    assert b["items_contaminated"] == 4
    local = _bench(api.run([humaneval], [str(planted)], workers=1, progress=lambda m: None))
    assert [(i["id"], i["coverage"], i["kind"]) for i in b["items"]] == [
        (i["id"], i["coverage"], i["kind"]) for i in local["items"]
    ]


def test_benchmark_split_preference(fakehub, humaneval, planted):
    recs = _humaneval_records(humaneval)
    fakehub.add_dataset(
        FakeRepo(
            "acme/bench",
            {
                "train.jsonl": _jsonl(recs[:1]),
                "validation.jsonl": _jsonl(recs[:2]),
                "test.jsonl": _jsonl(recs[:3]),
            },
        )
    )
    b = _bench(api.run(["acme/bench"], [str(planted)], workers=1, progress=lambda m: None))
    assert b["items_total"] == 3


@pytest.mark.parametrize(
    "repo, faults, error, message",
    [
        ("acme/missing", None, InvalidInput, "no such file, folder or Hub dataset"),
        ("acme/private", "private", InvalidInput, "no such file, folder or Hub dataset"),
        ("acme/gated", "gated", AuthError, "gated dataset"),
        ("acme/forbidden", [Fault("info", status=403)], AuthError, "HTTP 403"),
        ("acme/deleted", [Fault("info", status=404)], InvalidInput, "no such file"),
        ("acme/down", [Fault("*", status=503)], NetworkError, "HTTP 503"),
        ("acme/shard-gone", [Fault("resolve", status=500)], NetworkError, "download failed"),
        ("acme/half", [Fault("resolve", truncate=True)], NetworkError, "download failed"),
        ("acme/nodata", "nodata", InvalidInput, "no readable data files"),
        ("acme/corpus@v9", None, InvalidInput, "no such revision"),
    ],
)
def test_failures_are_one_line_errors(fakehub, shards, humaneval, monkeypatch, repo, faults, error, message):
    import types

    import huggingface_hub.utils._http as hf_http

    # the client retries 5xx five times with 1..8 s back-off: keep the retries, skip the waiting
    monkeypatch.setattr(hf_http, "time", types.SimpleNamespace(sleep=lambda s: None))
    files = {"data/train.jsonl": shards["data/train-00000-of-00004.jsonl"]}
    fakehub.add_dataset(FakeRepo(REPO, dict(files)))
    if faults == "private":
        fakehub.add_dataset(FakeRepo(repo, dict(files), private=True, tokens=("tok",)))
    elif faults == "gated":
        fakehub.add_dataset(FakeRepo(repo, dict(files), gated="manual", tokens=("tok",)))
    elif faults == "nodata":
        fakehub.add_dataset(FakeRepo(repo, {"README.md": b"# x\n", "load.py": b"print(1)\n"}))
    elif faults is not None:
        fakehub.add_dataset(FakeRepo(repo, dict(files), faults=faults))
    with pytest.raises(error) as exc:
        api.run([humaneval], [repo], workers=1, progress=lambda m: None)
    assert message in exc.value.message and "\n" not in exc.value.message


def _refused_endpoint(monkeypatch) -> str:
    """Point huggingface_hub at a port nobody listens on (connection refused), cache unchanged."""
    import socket

    from huggingface_hub import constants

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    monkeypatch.setattr(constants, "ENDPOINT", dead)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", dead + "/{repo_id}/resolve/{revision}/{filename}")
    return dead


def test_network_fault_falls_back_to_cache(corpus_hub, humaneval, monkeypatch):
    first = api.run([humaneval], [REPO], workers=1, progress=lambda m: None)
    n = len(corpus_hub.log)
    _refused_endpoint(monkeypatch)
    assert api.run([humaneval], [REPO], workers=1, progress=lambda m: None) == first
    with pytest.raises(NetworkError, match="could not reach the Hub") as exc:
        api.run([humaneval], ["acme/elsewhere"], workers=1, progress=lambda m: None)
    assert "\n" not in exc.value.message
    assert len(corpus_hub.log) == n  # the fake Hub was not asked


def test_cli_exit_2_for_hub_failures(fakehub, humaneval, planted, capsys):
    fakehub.add_dataset(FakeRepo("acme/gated", {"data/train.jsonl": b'{"text": "x"}\n'}, gated="auto"))
    for train in ("acme/missing", "acme/gated"):
        assert main(["contamination", "-b", humaneval, "-t", train, "-q", "-j", "1"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err
    assert main(["contamination", "-b", "acme/missing-bench", "-t", str(planted), "-q", "-j", "1"]) == 2
    assert "acme/missing-bench" in capsys.readouterr().err


def test_select_data_files_pure():
    files = ["README.md", "load.py", "data/train-0.parquet", "data/test-0.parquet", ".hidden.jsonl"]
    assert hub.select_data_files(files, "train") == ["data/train-0.parquet"]
    assert hub.select_data_files(files, "benchmark") == ["data/test-0.parquet"]
    assert hub.select_data_files(["a.jsonl", "b.jsonl"], "train") == ["a.jsonl", "b.jsonl"]
    assert hub.select_data_files(["README.md", "x.py"], "train") == []
    assert hub.looks_like_repo_id("hf://datasets/acme/x@v1") and not hub.looks_like_repo_id("./acme/x")


def test_interrupted_download_is_retried(fakehub, shards, humaneval):
    name = "data/train-00003-of-00004.parquet"
    fakehub.add_dataset(
        FakeRepo(REPO, dict(shards), faults=[Fault("resolve", path=name, truncate=True, times=1, method="GET")])
    )
    clean = FakeRepo("acme/clean", dict(shards))
    fakehub.add_dataset(clean)
    got = api.run([humaneval], [REPO], workers=1, progress=lambda m: None)
    assert _bench(got)["items_contaminated"] == 3
    gets = [s for m, p, s in fakehub.log if m == "GET" and p.endswith(name)]
    assert gets == [200, 200]  # cut once, fetched again by the client; the cut file never reached the cache
    ref = api.run([humaneval], ["acme/clean"], workers=1, progress=lambda m: None)
    assert _strip_sources(got, REPO) == _strip_sources(ref, "acme/clean")


def test_worker_side_download_failure_reaches_the_caller(fakehub, shards, humaneval):
    files = {k: v for k, v in shards.items() if k.startswith("data/train")}
    fakehub.add_dataset(FakeRepo("acme/gated", files, gated="manual", tokens=("tok",)))
    with pytest.raises(AuthError, match="acme/gated/data/train-0000"):
        api.run([humaneval], ["acme/gated"], workers=2, progress=lambda m: None)  # listed, then refused in a worker


def test_cli_offline_and_token_options_reach_the_hub_client(fakehub, tmp_path, monkeypatch, capsys):
    """`--offline` with an empty cache is a one-line OfflineMiss (exit 2), never a network call."""
    from openaudit.cli.main import main

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    bench = tmp_path / "b.jsonl"
    bench.write_text(
        '{"task_id": "t/0", "prompt": "def add(a, b): return a plus b and then some more words here", '
        '"canonical_solution": "return a + b"}\n'
    )
    before = len(fakehub.requests) if hasattr(fakehub, "requests") else None
    rc = main(
        [
            "contamination",
            "--benchmark",
            str(bench),
            "--train",
            "acme/never-downloaded",
            "--offline",
            "--token",
            "hf_test",
            "-f",
            "json",
            "-q",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "offline" in err.lower() and "Traceback" not in err
    if before is not None:
        assert len(fakehub.requests) == before
