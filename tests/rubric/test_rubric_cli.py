"""`openaudit rubric list|show|validate` through the real entry point main(argv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openaudit.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_list_json(capsys):
    assert main(["rubric", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == {"openaudit", "mof-1.0", "osaid-1.0", "osai-index"}
    assert all(r["version"] and r["description"] for r in rows)


def test_list_table(capsys):
    assert main(["rubric", "list"]) == 0
    out = capsys.readouterr().out
    assert "mof-1.0" in out and "framework-osaid" in out


def test_show_json_has_questions_and_weights(capsys):
    assert main(["rubric", "show", "openaudit", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    lic = d["dimensions"][0]
    assert lic["id"] == "license" and lic["weight"] > 0
    c = lic["criteria"][0]
    assert c["probe"] == "license.open" and c["weight"] == 4 and c["question"].startswith("Is the weights' license")


@pytest.mark.parametrize(
    "name,needle",
    [
        ("openaudit", "license.open"),
        ("mof-1.0", "final_model_parameters"),
        ("osaid-1.0", "data_information"),
        ("osai-index", "open_code"),
    ],
)
def test_show_table(capsys, name, needle):
    assert main(["rubric", "show", name]) == 0
    assert needle in capsys.readouterr().out


def test_show_unknown_and_bad_format(capsys):
    assert main(["rubric", "show", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no shipped rubric named 'nope'") and "Traceback" not in err
    assert "hint: `openaudit rubric list` shows the shipped rubric names" in err
    assert main(["rubric", "show", "openaudit", "--format", "xml"]) == 2
    assert "unknown format" in capsys.readouterr().err


def test_validate_rubrics_and_policies(capsys):
    files = sorted(str(p) for p in (REPO / "rubrics").glob("*.yaml") if p.name != "licenses.yaml")
    files += sorted(str(p) for p in (REPO / "examples" / "policies").glob("*.yaml"))
    assert main(["rubric", "validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == len(files) and "policy registry-default" in out


def test_validate_reports_each_bad_file(tmp_path, capsys):
    good = REPO / "rubrics" / "openaudit.yaml"
    bad_rubric = tmp_path / "bad.yaml"
    bad_rubric.write_text(good.read_text().replace("probe: license.open,", "probe: license.opn,"))
    bad_policy = tmp_path / "pol.yaml"
    bad_policy.write_text("kind: policy\nname: x\nmin_overall_score: 11\nsurprise: 1\n")
    rc = main(["rubric", "validate", str(good), str(bad_rubric), str(bad_policy), str(tmp_path / "missing.yaml")])
    assert rc == 2
    cap = capsys.readouterr()
    lines = cap.err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(
        f"invalid: {bad_rubric}: $.dimensions[0].criteria[0].probe: unknown probe id 'license.opn'"
    )
    assert lines[1].startswith(f"invalid: {bad_policy}: $")
    assert "no such file" in lines[2]
    assert cap.out.startswith("ok: ")


def test_validate_needs_a_file(capsys):
    assert main(["rubric", "validate"]) == 2
