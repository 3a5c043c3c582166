"""Benchmark items as a user writes them (issue 10 #9): question-only files, generic Q/A files,
one-word answers right after their question, and evidence that names the true line."""

import json
from pathlib import Path

import pytest

from openaudit.contamination import readers
from openaudit.contamination.api import run
from openaudit.contamination.benchsets import load_benchmark

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _jsonl(path, recs):
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return str(path)


def _items(rep):
    return {it["id"]: it for it in rep["benchmarks"][0]["items"]}


def _run(bench, train):
    return run([bench], [str(train)], workers=1, progress=lambda _m: None)


def test_question_only_benchmark_is_screened(tmp_path):
    bench = _jsonl(
        tmp_path / "q.jsonl",
        [
            {"id": "a", "question": "Which river flows through the ancient city of Babylon in Mesopotamia?"},
            {"id": "b", "question": "How many moons orbit the planet Neptune in our solar system today?"},
        ],
    )
    b = load_benchmark(bench)
    assert b.format == "generic" and [i.answer for i in b.items] == [None, None]
    train = tmp_path / "t.txt"
    train.write_text("intro\nWhich river flows through the ancient city of Babylon in Mesopotamia? The Euphrates.\n")
    items = _items(_run(bench, train))
    assert items["a"]["contaminated"] and items["a"]["kind"] == "question_only"
    assert not items["b"]["contaminated"] and items["b"]["screened"]


@pytest.mark.parametrize(
    "answer, fmt",
    [
        ("Paris", "generic"),
        ("The capital is Paris, a city on the Seine.", "generic"),
        ("Natalia sold 48/2 = 24 clips in May.\n#### 72", "gsm8k"),
        ("She has 5 left. #### 1,250.5", "gsm8k"),
    ],
)
def test_formats_are_recognised_by_what_is_distinctive(tmp_path, answer, fmt):
    bench = _jsonl(tmp_path / "b.jsonl", [{"question": "What is the capital of France?", "answer": answer}])
    b = load_benchmark(bench)
    assert b.format == fmt and b.items[0].answer == answer


def test_example_cloze_benchmark_is_generic():
    b = load_benchmark(str(EXAMPLES / "benchmarks" / "kjv-cloze.jsonl"))
    assert b.format == "generic" and len(b.items) == 16 and all(i.answer for i in b.items)


def test_generic_fields_beyond_question(tmp_path):
    bench = _jsonl(tmp_path / "b.jsonl", [{"prompt": "Translate the word house into French", "completion": "maison"}])
    b = load_benchmark(bench)
    assert b.format == "generic" and b.items[0].question.startswith("Translate") and b.items[0].answer == "maison"


SHORT = [
    {"id": "germany", "question": "What is the capital of Germany?", "answer": "Berlin"},
    {"id": "spain", "question": "What is the capital city of Spain?", "answer": "Madrid"},
    {"id": "france", "question": "capital of France?", "answer": "Paris"},
    {"id": "italy", "question": "What is the capital city of Italy?", "answer": "Rome"},
    {"id": "peru", "question": "What is the capital city of Peru?", "answer": "Lima"},
    {"id": "chile", "question": "capital of Chile?", "answer": "Santiago"},
]


def test_one_word_answers_right_after_the_question_count(tmp_path):
    bench = _jsonl(tmp_path / "short.jsonl", SHORT)
    train = tmp_path / "t.txt"
    train.write_text(
        "Some unrelated opening line.\n"
        "Q: capital of France? A: Paris\n"  # line 2: short question, label, one-word answer
        "What is the capital of Germany? Berlin\n"  # line 3: answer right after
        "What is the capital city of Spain?\nThe answer is Madrid.\n"  # lines 4-5: label across a line break
        "What is the capital city of Italy? It is surely not Rome.\n"  # answer not right after
        "Rome is elsewhere. Lima too.\n"
        "The capital of Chile is a large city.\n"  # the short question alone is not screened
    )
    items = _items(_run(bench, train))
    for key in ("germany", "spain", "france"):
        assert items[key]["contaminated"] and items[key]["kind"] == "question_answer", key
        assert items[key]["answer_coverage"] == 1.0, key
    assert items["france"]["evidence"][0]["line"] == 2
    assert items["italy"]["contaminated"] and items["italy"]["kind"] == "question_only"
    assert not items["peru"]["contaminated"]
    assert not items["chile"]["contaminated"] and items["chile"]["screened"]


def test_evidence_gives_the_true_line_and_document(tmp_path, monkeypatch):
    q1 = "And God said, Let there be light: and there was light and it was good"
    q2 = "And the evening and the morning were the first day of all the days"
    bench = _jsonl(tmp_path / "b.jsonl", [{"id": "one", "question": q1}, {"id": "two", "question": q2}])
    lines = [f"filler line number {i} with nothing in it" for i in range(1, 61)]
    lines[1] = q1  # line 2
    lines[38] = "Then: " + q2  # line 39
    train = tmp_path / "t.txt"
    train.write_text("\n".join(lines) + "\n")
    items = _items(_run(bench, train))
    assert items["one"]["evidence"][0]["line"] == 2 and items["two"]["evidence"][0]["line"] == 39
    assert items["one"]["evidence"][0]["doc"] == "lines 1-60"
    monkeypatch.setattr(readers, "TXT_CHUNK_MAX", 500)  # several documents per file: lines stay true
    items = _items(_run(bench, train))
    ev = items["two"]["evidence"][0]
    assert ev["line"] == 39 and ev["doc"] != "lines 1-60"
    first, last = (int(x) for x in ev["doc"].removeprefix("lines ").split("-"))
    assert first <= 39 <= last
    jsonl = _jsonl(tmp_path / "t.jsonl", [{"id": "d1", "text": "nothing"}, {"text": "x"}, {"text": "pre " + q2}])
    ev = _items(run([bench], [jsonl], workers=1, progress=lambda _m: None))["two"]["evidence"][0]
    assert ev["line"] == 3 and ev["doc"] == "line 3"


def test_fuzzy_evidence_has_lines_too(tmp_path):
    q = "write a function that returns the sum of all even numbers in a given list of integers"
    bench = _jsonl(tmp_path / "b.jsonl", [{"id": "f", "question": q}])
    train = tmp_path / "t.txt"
    header = " ".join(f"word{i}" for i in range(40))  # windows of 17 words, stride 8: one starts on line 3
    train.write_text(
        header + "\n\nwrite a routine that returns the sum of all even numbers in the given list of whole integers\n"
    )
    rep = run([bench], [str(train)], fuzzy=True, workers=1, progress=lambda _m: None)
    fuzzy = [e for e in _items(rep)["f"]["evidence"] if e["match"] == "fuzzy"]
    assert fuzzy and fuzzy[0]["line"] == 3
