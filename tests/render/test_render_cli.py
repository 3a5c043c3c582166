"""CLI: render / badge / bom on stored reports; bad input is exit 2 with one line, files written atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openaudit.cli.main import main
from openaudit.errors import InvalidInput
from openaudit.render.output import emit, write_atomic

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample_report.json"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_render_each_format_to_stdout(capsys) -> None:
    for fmt in ("json", "markdown", "html", "sarif", "junit", "table"):
        rc, out, err = run(capsys, "render", str(SAMPLE), "--format", fmt)
        assert rc == 0, err
        assert "all-MiniLM-L6-v2" in out


def test_render_json_roundtrip_is_identical(capsys, tmp_path: Path) -> None:
    rc, out, _ = run(capsys, "render", str(SAMPLE), "--format", "json")
    assert rc == 0
    (tmp_path / "r.json").write_text(out, encoding="utf-8")
    rc, out2, _ = run(capsys, "render", str(tmp_path / "r.json"), "--format", "json")
    assert out2 == out


def test_render_with_policy_verdict_and_output_file(capsys, tmp_path: Path) -> None:
    verdict = tmp_path / "v.json"
    verdict.write_text(
        json.dumps(
            {
                "ok": False,
                "violations": [
                    {"rule": "min_grade", "expected": "A", "actual": "B", "message": "grade too low", "evidence": []}
                ],
                "unverified": [],
            }
        ),
        encoding="utf-8",
    )
    dest = tmp_path / "card.md"
    rc, out, err = run(
        capsys, "render", str(SAMPLE), "-f", "markdown", "--policy-verdict", str(verdict), "-o", str(dest)
    )
    assert rc == 0 and out == "", err
    assert "Policy violated" in dest.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "content,needle",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not an openaudit report"),
        ('{"schema_version": "1.0"}', "missing key"),
        ('{"a": NaN}', "not valid JSON"),
    ],
)
def test_render_bad_reports_exit_2_with_one_line(capsys, tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    rc, out, err = run(capsys, "render", str(bad), "--format", "json")
    assert rc == 2 and out == ""
    assert needle in err and "Traceback" not in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 2  # error + hint


def test_render_schema_violation_binary_missing_and_bad_format(capsys, tmp_path: Path) -> None:
    r = json.loads(SAMPLE.read_text(encoding="utf-8"))
    r["dimensions"][0]["findings"][0]["outcome"] = "maybe"
    (tmp_path / "s.json").write_text(json.dumps(r), encoding="utf-8")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe\x00garbage")
    for args, needle in (
        ((str(tmp_path / "s.json"), "-f", "json"), "report schema"),
        ((str(tmp_path / "b.json"), "-f", "json"), "not UTF-8"),
        ((str(tmp_path / "nope.json"), "-f", "json"), "no such file"),
        ((str(SAMPLE), "-f", "pdf"), "unknown format"),
        ((str(SAMPLE), "--policy-verdict", str(SAMPLE)), "not a policy verdict"),
    ):
        rc, _out, err = run(capsys, "render", *args)
        assert rc == 2 and needle in err and "Traceback" not in err, (args, err)


def test_badge_cli(capsys, tmp_path: Path) -> None:
    rc, out, _ = run(capsys, "badge", str(SAMPLE))
    assert rc == 0 and json.loads(out)["schemaVersion"] == 1
    rc, out, _ = run(capsys, "badge", str(SAMPLE), "--kind", "mof", "--format", "svg", "-o", str(tmp_path / "b.svg"))
    assert rc == 0 and "Class III" in (tmp_path / "b.svg").read_text(encoding="utf-8")
    rc, _, err = run(capsys, "badge", str(SAMPLE), "--kind", "stars")
    assert rc == 2 and "unknown badge kind" in err


def test_bom_cli_from_stored_report(capsys) -> None:
    rc, out, err = run(capsys, "bom", str(SAMPLE), "--format", "spdx")
    assert rc == 0, err
    assert json.loads(out)["spdxVersion"] == "SPDX-2.3"
    rc, out, _ = run(capsys, "bom", str(SAMPLE), "--format", "cyclonedx")
    assert rc == 0 and json.loads(out)["bomFormat"] == "CycloneDX"
    rc, _, err = run(capsys, "bom", str(SAMPLE), "--format", "swid")
    assert rc == 2 and "unknown BOM format" in err


def test_write_atomic_keeps_old_file_on_failure_and_refuses_dirs(tmp_path: Path) -> None:
    dest = tmp_path / "out.txt"
    dest.write_text("old", encoding="utf-8")

    with pytest.raises(TypeError):
        write_atomic(dest, 123)  # type: ignore[arg-type]
    assert dest.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    with pytest.raises(InvalidInput):
        write_atomic(tmp_path, "x")
    with pytest.raises(InvalidInput):
        emit("x", str(tmp_path / "missing" / "f.txt"))
    dest.chmod(0o600)
    emit("new", str(dest))
    assert dest.read_text(encoding="utf-8") == "new"
    assert os.stat(dest).st_mode & 0o777 == 0o600  # replacing keeps the file's permissions
