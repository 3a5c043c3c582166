import json
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
