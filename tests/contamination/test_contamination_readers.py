import gzip
import json

import pytest

from openaudit.contamination import hub
from openaudit.contamination.benchsets import detect_format, load_benchmark
from openaudit.contamination.readers import Shard, expand, iter_documents
from openaudit.errors import InvalidInput, UsageError

DOCS = [{"id": "a", "text": "first document text"}, {"id": "b", "text": "second document — ünïcode"}]


def _jsonl(recs):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)


def _docs(path, **kw):
    return [(d.id, d.text) for d in iter_documents(Shard(str(path), str(path), **kw))]


def test_jsonl_gz_and_zst(tmp_path):
    import zstandard

    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(_jsonl(DOCS).encode()))
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(_jsonl(DOCS).encode()))
    want = [("a", DOCS[0]["text"]), ("b", DOCS[1]["text"])]
    assert _docs(tmp_path / "a.jsonl.gz") == want
    assert _docs(tmp_path / "b.jsonl.zst") == want


def test_parquet_streamed_with_text_field(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"content": [f"doc {i}" for i in range(3000)], "uuid": [f"u{i}" for i in range(3000)]})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=500)
    docs = _docs(tmp_path / "t.parquet")
    assert len(docs) == 3000 and docs[1234] == ("u1234", "doc 1234")
    with pytest.raises(InvalidInput, match="no field 'body'"):
        _docs(tmp_path / "t.parquet", text_field="body")


def test_txt_chunks_and_folder_glob(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.txt").write_text("line one\n\nline two\n")
    (tmp_path / "sub" / "y.jsonl").write_text(_jsonl(DOCS))
    (tmp_path / "sub" / "ignored.bin").write_bytes(b"\x00\x01")
    shards = expand([str(tmp_path)])
    assert [s.path.rsplit("/", 1)[1] for s in shards] == ["x.txt", "y.jsonl"]
    assert _docs(tmp_path / "sub" / "x.txt") == [("lines 1-3", "line one\n\nline two\n")]
    assert len(expand([str(tmp_path / "sub" / "*.jsonl")])) == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"text": "ok"}\n{"text": broken\n', "t.jsonl:2: not valid JSON"),
        ('["not", "an object"]\n', "expected a JSON object"),
        ('{"title": "no text"}\n', "no text field"),
    ],
)
def test_bad_training_jsonl(tmp_path, content, message):
    (tmp_path / "t.jsonl").write_text(content)
    with pytest.raises(InvalidInput, match=message):
        _docs(tmp_path / "t.jsonl")


def test_binary_and_missing_training(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InvalidInput, match="binary"):
        _docs(tmp_path / "b.txt")
    (tmp_path / "fake.parquet").write_text("not parquet")
    with pytest.raises(InvalidInput, match="not a parquet"):
        _docs(tmp_path / "fake.parquet")
    with pytest.raises(InvalidInput, match="no such file"):
        expand([str(tmp_path / "missing.jsonl")])
    with pytest.raises(InvalidInput, match="matches no file"):
        expand([str(tmp_path / "*.zst")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="no training files"):
        expand([str(tmp_path / "empty")])
    with pytest.raises(UsageError):
        expand([])


def test_humaneval_recognised(humaneval):
    b = load_benchmark(humaneval)
    assert b.format == "humaneval" and len(b.items) == 164
    assert b.items[0].id == "HumanEval/0" and "has_close_elements" in b.items[0].question
    assert "return False" in b.items[0].answer


@pytest.mark.parametrize(
    "rec, fmt, q, a",
    [
        (
            {"question": "What is 2+2?", "choices": ["3", "4"], "answer": 1, "subject": "math"},
            "mmlu",
            "What is 2+2?",
            "4",
        ),
        (
            {"question": "Tom has 3 apples...", "answer": "He has 5. #### 5"},
            "gsm8k",
            "Tom has 3 apples...",
            "He has 5. #### 5",
        ),
        ({"ctx": "A man sits", "endings": ["x", "y"], "label": "1", "ind": 7}, "hellaswag", "A man sits", "y"),
        (
            {
                "id": "Q1",
                "question": {"stem": "Why?", "choices": [{"label": "A", "text": "no"}, {"label": "B", "text": "yes"}]},
                "answerKey": "B",
            },
            "arc",
            "Why?",
            "yes",
        ),
        (
            {
                "id": "Q2",
                "question": "Sky?",
                "choices": {"label": ["A", "B"], "text": ["blue", "red"]},
                "answerKey": "A",
            },
            "arc",
            "Sky?",
            "blue",
        ),
        ({"question": "Is it?", "best_answer": "No", "type": "Adversarial"}, "truthfulqa", "Is it?", "No"),
        (
            {"sentence": "The _ fell.", "option1": "cup", "option2": "ball", "answer": "2"},
            "winogrande",
            "The _ fell.",
            "ball",
        ),
    ],
)
def test_known_formats(tmp_path, rec, fmt, q, a):
    (tmp_path / "b.jsonl").write_text(json.dumps(rec) + "\n")
    b = load_benchmark(str(tmp_path / "b.jsonl"))
    assert b.format == fmt and b.items[0].question == q and b.items[0].answer == a


def test_csv_with_field_mapping(tmp_path):
    (tmp_path / "b.csv").write_text("qid,prompt,target\n1,first question here,ans one\n2,second question,ans two\n")
    b = load_benchmark(str(tmp_path / "b.csv"), text_field="prompt", answer_field="target", id_field="qid")
    assert [(i.id, i.question, i.answer) for i in b.items] == [
        ("1", "first question here", "ans one"),
        ("2", "second question", "ans two"),
    ]
    generic = load_benchmark(str(tmp_path / "b.csv"))  # prompt/target: a generic question and answer
    assert (
        generic.format == "generic"
        and generic.items[1].question == "second question"
        and generic.items[1].answer == "ans two"
    )
    (tmp_path / "c.csv").write_text("qid,stem,gold\n1,first question here,ans one\n")
    with pytest.raises(InvalidInput, match="unknown benchmark fields") as err:
        load_benchmark(str(tmp_path / "c.csv"))
    assert "--text-field" in err.value.hint and "question" in err.value.hint and "humaneval" in err.value.hint
    with pytest.raises(InvalidInput, match="no field 'nope'"):
        load_benchmark(str(tmp_path / "b.csv"), text_field="prompt", id_field="nope")


def test_parquet_benchmark_and_dotted_field(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"q": [{"stem": "nested question"}], "k": ["z"]}), tmp_path / "b.parquet")
    b = load_benchmark(str(tmp_path / "b.parquet"), text_field="q.stem", id_field="k")
    assert b.items[0].question == "nested question" and b.items[0].id == "z"


@pytest.mark.parametrize(
    "content, message",
    [("", "empty"), ('{"q": 1}\n{bad\n', "not valid JSON"), ("\x00\x01\x02", "binary")],
)
def test_bad_benchmarks(tmp_path, content, message):
    (tmp_path / "b.jsonl").write_text(content)
    with pytest.raises(InvalidInput, match=message):
        load_benchmark(str(tmp_path / "b.jsonl"), text_field="q")


def test_missing_benchmark_and_folder(tmp_path):
    with pytest.raises(InvalidInput, match="no such benchmark"):
        load_benchmark(str(tmp_path / "nope.jsonl"))
    with pytest.raises(InvalidInput, match="folder"):
        load_benchmark(str(tmp_path))


def test_detect_format_unknown():
    assert detect_format({"foo": 1, "bar": 2}) is None


def test_hub_repo_id_recognition():
    assert hub.looks_like_repo_id("openai/openai_humaneval")
    assert hub.looks_like_repo_id("hf://datasets/cais/mmlu@main")
    assert not hub.looks_like_repo_id("data/bench.jsonl")
    assert not hub.looks_like_repo_id("./a/b")
    assert not hub.looks_like_repo_id("a/b/c")


def test_hub_file_selection():
    files = [
        "README.md",
        "mmlu.py",
        ".gitattributes",
        "all/test-00000-of-00001.parquet",
        "all/validation-00000-of-00001.parquet",
        "all/dev-00000-of-00001.parquet",
        "all/train-00000-of-00001.parquet",
    ]
    assert hub.select_data_files(files, "benchmark") == ["all/test-00000-of-00001.parquet"]
    assert hub.select_data_files(files, "train") == ["all/train-00000-of-00001.parquet"]
    assert hub.select_data_files(["data/validation.jsonl", "README.md"], "benchmark") == ["data/validation.jsonl"]
    assert hub.select_data_files(["shards/part-1.jsonl.zst", "shards/part-0.jsonl.zst"], "train") == [
        "shards/part-0.jsonl.zst",
        "shards/part-1.jsonl.zst",
    ]
    assert hub.select_data_files(["openai_humaneval/test-00000.parquet"], "benchmark") == [
        "openai_humaneval/test-00000.parquet"
    ]
    assert hub.select_data_files(["loader.py", "README.md"], "train") == []
    assert hub.select_data_files(["train.jsonl"], "benchmark") == []


def test_hub_offline_miss_is_one_line_error(monkeypatch, tmp_path):
    from openaudit.errors import OpenAuditError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    import huggingface_hub.constants as c

    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    with pytest.raises(OpenAuditError) as err:
        hub.dataset_files("nobody/nothing-here", role="train")
    assert "snapshot" not in err.value.hint  # `openaudit snapshot` captures models, not datasets
    assert "online" in err.value.hint and "local path" in err.value.hint
