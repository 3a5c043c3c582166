import json
import os
from pathlib import Path

import jsonschema

from openaudit.cli.main import main

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "rubrics/schema/contamination.schema.json").read_text())


def test_cli_json_to_file(humaneval, planted, tmp_path, capsys):
    out = tmp_path / "r.json"
    rc = main(["contamination", "--benchmark", humaneval, "--train", str(planted), "-o", str(out), "-j", "1"])
    assert rc == 0
    rep = json.loads(out.read_text())
    jsonschema.validate(rep, SCHEMA)
    assert rep["benchmarks"][0]["items_contaminated"] == 4
    cap = capsys.readouterr()
    assert cap.out == "" and "contamination:" in cap.err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".openaudit-")]


def test_cli_table_and_json_stdout(humaneval, planted, capsys):
    assert main(["contamination", "-b", humaneval, "-t", str(planted), "-f", "table", "-q", "-j", "1"]) == 0
    cap = capsys.readouterr()
    assert "HumanEval/1" in cap.out and "dirty" in cap.out and cap.err == ""
    assert main(["contamination", "-b", humaneval, "-t", str(planted), "-f", "json", "-q", "-j", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["benchmarks"][0]["name"] == "HumanEval"


def test_cli_bad_inputs_exit_2(humaneval, planted, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n{oops\n')
    cases = [
        ["contamination", "-b", str(tmp_path / "missing.jsonl"), "-t", str(planted)],
        ["contamination", "-b", humaneval, "-t", str(bad)],
        ["contamination", "-b", humaneval, "-t", str(planted), "-f", "yaml"],
        ["contamination", "-b", humaneval, "-t", str(planted), "--engine", "spark"],
        ["contamination", "-b", humaneval, "-t", str(planted), "-o", str(tmp_path / "no" / "dir.json")],
        ["contamination", "-b", humaneval],
    ]
    for argv in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "error:" in err and "Traceback" not in err


def test_cli_keeps_existing_output_on_error(humaneval, tmp_path, capsys):
    out = tmp_path / "keep.json"
    out.write_text("precious")
    assert main(["contamination", "-b", humaneval, "-t", str(tmp_path / "none.jsonl"), "-o", str(out)]) == 2
    assert out.read_text() == "precious"


def test_cli_hints_are_specific(tmp_path, capsys, monkeypatch):
    train = tmp_path / "t.txt"
    train.write_text("some text\n")
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({"stem": "a question", "gold": "x"}) + "\n")
    assert main(["contamination", "-b", str(odd), "-t", str(train), "-q"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark fields (gold, stem)" in err
    hint = err.split("hint:", 1)[1]
    assert "--text-field" in hint and "--id-field" in hint and "question" in hint and "humaneval" in hint
    import huggingface_hub.constants as hub_constants

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    # --offline sets both in this process: registered here so that they are restored afterwards
    monkeypatch.setenv("HF_HUB_OFFLINE", os.environ.get("HF_HUB_OFFLINE", "0"))
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", hub_constants.HF_HUB_OFFLINE)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    assert main(["contamination", "-b", "nobody/no-such-dataset", "-t", str(train), "--offline", "-q"]) == 2
    err = capsys.readouterr().err
    assert "not in the local Hugging Face cache" in err and "snapshot" not in err and "local path" in err
