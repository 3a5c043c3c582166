"""`openaudit license identify FILE [--format table|json] [-o FILE]`."""

from __future__ import annotations

import json

from licenses_helpers import MIT

from openaudit.cli.main import main


def test_identify_table_and_json(tmp_path, capsys):
    p = tmp_path / "LICENSE"
    p.write_text(
        MIT.replace(
            "THE SOFTWARE IS PROVIDED", "No commercial use of the Software is permitted.\n\nTHE SOFTWARE IS PROVIDED"
        )
    )
    assert main(["license", "identify", str(p)]) == 0
    out = capsys.readouterr().out
    assert "modified: MIT" in out and "+ no commercial use of the software is permitted." in out
    assert main(["license", "identify", str(p), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["id"] == "MIT" and res["modified"] is True and res["differences"]


def test_identify_writes_output_file(tmp_path, capsys):
    p = tmp_path / "LICENSE"
    p.write_text(MIT)
    out = tmp_path / "res.json"
    assert main(["license", "identify", str(p), "-f", "json", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["id"] == "MIT"


def test_bad_inputs_exit_2_with_one_line(tmp_path, capsys):
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x00\x01\x02" * 50)
    for argv in (
        ["license", "identify", str(binary)],
        ["license", "identify", str(tmp_path / "nope")],
        ["license", "identify", str(binary), "--format", "xml"],
        ["license", "identify", str(tmp_path)],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err and len(err.splitlines()) == 2


def test_empty_and_bidi_files_are_results_not_errors(tmp_path, capsys):
    empty = tmp_path / "EMPTY"
    empty.write_text("")
    assert main(["license", "identify", str(empty), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "unknown"
    bidi = tmp_path / "BIDI"
    bidi.write_text(MIT.replace("Software", "Soft\u202eware", 1))
    assert main(["license", "identify", str(bidi)]) == 0
    out = capsys.readouterr().out
    assert "bidi control" in out and "\u202e" not in out


def test_json_always_has_the_documented_keys_and_short_text_is_too_short(tmp_path, capsys):
    """Issue 10 #15: `-f json` emits alternatives, bidi_controls and similarity on an exact match; a
    short restrictive text is `too_short`, not empty."""
    exact = tmp_path / "LICENSE"
    exact.write_text(MIT)
    assert main(["license", "identify", str(exact), "-f", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["match"] == "exact" and res["alternatives"] == [] and res["bidi_controls"] == 0
    assert res["similarity"] == {"reference_coverage": 1.0, "text_coverage": 1.0}
    short = tmp_path / "SHORT"
    short.write_text("All rights reserved. You may not copy this.\n")
    assert main(["license", "identify", str(short), "-f", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["match"] == "too_short" and "too short to identify" in res["reason"]
    assert main(["license", "identify", str(short)]) == 0
    out = capsys.readouterr().out
    assert "too_short" in out and "similarity" not in out
