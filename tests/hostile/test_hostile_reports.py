"""Issue 11 rule 7: every hostile input still gets a report, in every format — the bad item becomes a
problem finding. End to end through the CLI (in process): audit in each format to stdout and to
``-o FILE``, and ``snapshot`` + ``audit --capture`` of the same folder."""

from __future__ import annotations

import json
import os
import struct
import sys
from pathlib import Path

import pytest

from openaudit.cli.main import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fail_closed_cases import p2

FORMATS = ("table", "json", "markdown", "html", "sarif", "junit")
CARD = "---\nlicense: mit\n---\n# A model\n"


def _st(raw: bytes, data: bytes = b"\x00" * 32) -> bytes:
    return struct.pack("<Q", len(raw)) + raw + data


def _tensor(shape: bytes, offsets: bytes = b"[0, 0]") -> bytes:
    return (
        b'{"w": {"dtype": "F32", "shape": ' + shape + b', "data_offsets": ' + offsets + b"}, "
        b'"b": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}'
    )


def _repo(root: Path, files: dict[bytes | str, bytes]) -> Path:
    root.mkdir(parents=True)
    (root / "README.md").write_text(CARD)
    for name, data in files.items():
        path = os.path.join(os.fsencode(root), name if isinstance(name, bytes) else name.encode())
        with open(path, "wb") as fh:
            fh.write(data)
    return root


CASES = {
    "shape_overflow_64_dims": {
        "model.safetensors": _st(_tensor(b"[" + b", ".join([str(1 << 62).encode()] * 63) + b", 0]"))
    },
    "shape_element_count_overflows": {
        "model.safetensors": _st(_tensor(b"[" + str(2**70).encode() + b", 4]", b"[0, 16]"))
    },
    "shape_5000_digit_dimension": {"model.safetensors": _st(_tensor(b"[" + b"9" * 5000 + b"]"))},
    "shape_float_overflow": {"model.safetensors": _st(_tensor(b"[1e400, 2]"))},
    "license_5000_hex_digits": {
        "README.md": (
            "---\nlicense: 0x"
            + "f" * 5000
            + "\n---\n# Model\n\n## Description\n\n"
            + "This model classifies sentences into topics for a news archive. " * 8
            + "\n\n## Training\n\n"
            + "Trained on public news articles for three epochs. " * 8
            + "\n\n## Limitations\n\n"
            + "It is biased towards English sources. " * 8
            + "\n"
        ).encode()
    },
    "license_5000_decimal_digits": {"README.md": ("---\nlicense: " + "7" * 5000 + "\n---\n# x\n").encode()},
    "name_undecodable_bytes": {b"\xff\xfe weights.bin": p2(), b"caf\xe9.txt": b"latin-1 name\n"},
    "name_control_characters": {
        "\x1b[31mred\x07.bin": p2(),
        "line\nbreak.md": b"x",
        "tab\there.txt": b"x",
        "\u202eevil\u202c.bin": b"\x80\x02}.",
    },
    "name_c1_and_bidi": {"\u0085next\u009b.txt": b"x", "\u2066isolate\u2069.json": b"{}"},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_hostile_input_gets_a_report_in_every_format(tmp_path, name, capsys):
    root = _repo(tmp_path / "repo", CASES[name])
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        rc = main(["audit", str(root), "-f", fmt, "-o", str(out), "--no-timestamp"])
        err = capsys.readouterr().err
        assert rc == 0, (fmt, err)
        assert out.stat().st_size > 0
        out.read_bytes().decode("utf-8")  # valid UTF-8, whatever the names were
        assert main(["audit", str(root), "-f", fmt, "--no-timestamp"]) == 0
        assert capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert not [f["probe"] for d in report["dimensions"] for f in d["findings"] if f["outcome"] == "error"]
    cap = tmp_path / "cap"
    assert main(["snapshot", str(root), "-o", str(cap)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["audit", "--capture", str(cap), "-f", "json", "--no-timestamp"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["dimensions"] == report["dimensions"]


def test_bad_values_become_problem_findings(tmp_path):
    from openaudit import api

    hexlic = _repo(tmp_path / "hex", CASES["license_5000_hex_digits"])
    rep = api.audit(str(hexlic), timestamp=False)
    problems = [f for d in rep["dimensions"] for f in d["findings"] if "integer of more than" in json.dumps(f)]
    assert problems and all(f["outcome"] != "pass" for f in problems)
    names = _repo(tmp_path / "names", CASES["name_undecodable_bytes"])
    rep = api.audit(str(names), timestamp=False)
    w = next(f for d in rep["dimensions"] for f in d["findings"] if f["probe"] == "weights.no_dangerous_pickles")
    # the real name (surrogate escapes round-trip); every renderer escapes it for readers
    assert w["outcome"] == "fail" and any(e.get("path") == "\udcff\udcfe weights.bin" for e in w["evidence"]), w
    from openaudit.render import render

    render(rep, "json").encode("utf-8")
    assert any("not UTF-8" in n for n in rep.get("notes", []))
