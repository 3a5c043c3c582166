"""Issue 11 rule 9: C0/C1 controls, bidi overrides, invisible characters and undecodable file names
never reach a reader raw — in JSON (escaped, still parsing back to the same strings), Markdown (text
and link URLs), HTML (text and attributes; only http(s) links), SARIF, JUnit, BOMs, badges and the
terminal table — and an undecodable or control-character file name never stops a report."""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from openaudit.cli.main import main
from openaudit.render import FORMATS, render
from openaudit.render.badge import render_badge
from openaudit.render.bom import render_bom

HERE = Path(__file__).resolve().parent
# what must never appear raw in output: C0 (but tab/newline), DEL, C1, line separators, bidi,
# zero-width/invisible characters, lone surrogates
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
NASTY = "a\u202eevil\u2066\x1b[31m\x85\u2028\u200b\udcff\x07z"
BAD_URL = "https://example.com/\u202epath\x85 <x>\"'`"


def hostile() -> dict:
    r = json.loads((HERE / "sample_report.json").read_text(encoding="utf-8"))
    r["target"]["id"] = "org/" + NASTY
    r["dimensions"][0]["name"] = "License " + NASTY  # a user rubric's dimension name (the HTML score chart)
    f = r["dimensions"][0]["findings"][0]
    f["message"] = "card says: " + NASTY
    f["evidence"] = [
        {"kind": "file", "path": "dir/" + NASTY + ".bin", "url": BAD_URL, "snippet": NASTY},
        {"kind": "url", "url": "javascript:alert(1)\u202e", "snippet": "x"},
        {"kind": "url", "url": "data:text/html,<b>x</b>"},
    ]
    r["license"]["declared"] = NASTY
    r["license"]["evidence"] = [{"kind": "file", "path": NASTY, "line": 1}]
    r["facts"]["code"]["code_links"] = [BAD_URL]
    r["facts"]["data"]["datasets_declared"].append("ds" + NASTY)
    r["contamination"]["method"]["normalisation"] = NASTY
    r["verification"]["environment"]["platform"] = NASTY
    return r


def outputs(report: dict) -> dict[str, str]:
    out = {fmt: render(report, fmt) for fmt in FORMATS}
    out.update({f"bom-{f}": render_bom(report, f) for f in ("spdx", "cyclonedx")})
    out["badge"] = render_badge(report)
    out["badge-svg"] = render_badge(report, format="svg")
    return out


@pytest.mark.parametrize("fmt", [*FORMATS, "bom-spdx", "bom-cyclonedx", "badge", "badge-svg"])
def test_no_raw_control_bidi_or_surrogate_in_any_format(fmt: str) -> None:
    out = outputs(hostile())[fmt]
    m = RAW.search(out)
    assert m is None, (
        f"{fmt}: raw U+{ord(m.group()):04X} at {m.start()}: {out[max(0, m.start() - 40) : m.start() + 20]!r}"
    )
    out.encode("utf-8")  # writable as UTF-8 (lone surrogates would raise)


@pytest.mark.parametrize("fmt", ["json", "sarif", "bom-cyclonedx", "bom-spdx"])
def test_json_outputs_escape_and_parse_back_to_the_same_strings(fmt: str) -> None:
    report = hostile()
    out = outputs(report)[fmt]
    doc = json.loads(out)
    if fmt == "json":
        assert doc == report  # every string, bidi and surrogates included, survives the round trip
        assert "\\u202e" in out and "\\u0085" in out and "\\udcff" in out and "\\u2028" in out
    else:
        assert NASTY in json.dumps(doc, ensure_ascii=False) or "\\u202e" in out


def test_markdown_text_and_link_urls() -> None:
    md = render(hostile(), "markdown")
    assert "\\u202e" in md and "\\x1b" in md  # shown, not dropped
    links = re.findall(r"\]\(<([^>]*)>\)", md)
    assert links, "http(s) evidence URLs are still links"
    for url in links:
        assert url.startswith("https://") and not re.search(r"[\s<>\"'`\\]", url), url
        assert "%E2%80%AE" in url or "example.com" not in url
    assert "javascript:" not in "".join(links) and "(data:" not in md and "<data:" not in md


def test_html_text_attributes_and_only_http_links() -> None:
    html = render(hostile(), "html")
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert not any(re.search(r"[\s<>'`]", h) for h in hrefs)
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html
    assert "<x>" not in html and "\\u202e" in html


def test_junit_and_sarif_escape() -> None:
    root = ET.fromstring(render(hostile(), "junit").encode("utf-8"))
    text = ET.tostring(root, encoding="unicode")
    assert "\\u202e" in text and RAW.search(text) is None


# ---------------------------------------------------------------- end to end, real file names


@pytest.fixture
def hostile_repo(tmp_path: Path) -> Path:
    if sys.platform == "darwin":
        pytest.skip("the file system refuses undecodable names")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text(
        "---\nlicense: mit\n---\n# Model\u202e evil\x85 card\n\nSee [code](https://example.com/\u202epath) and "
        "the training data.\n",
        encoding="utf-8",
    )
    (repo / "config.json").write_text('{"architectures": ["BertModel"], "model_type": "bert"}', encoding="utf-8")
    os.close(os.open(os.path.join(os.fsencode(repo), b"weights\xff\xfe.bin"), os.O_CREAT | os.O_WRONLY))
    (repo / "model\u202e\x1b[31m.safetensors").write_bytes(b"not really")
    (repo / "pytorch_model\x85.bin").write_bytes(b"\x80\x02}q\x00.")
    return repo


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_file_names_still_get_a_report_in_every_format(
    hostile_repo: Path, tmp_path: Path, capsys, fmt: str
) -> None:
    rc = main(["audit", str(hostile_repo), "-f", fmt, "--no-timestamp"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert RAW.search(out) is None and RAW.search(err) is None
    dest = tmp_path / f"card.{fmt}"
    assert main(["audit", str(hostile_repo), "-f", fmt, "--no-timestamp", "-o", str(dest)]) == 0, (
        capsys.readouterr().err
    )
    written = dest.read_text(encoding="utf-8")  # valid UTF-8
    assert RAW.search(written) is None
    if fmt == "json":
        report = json.loads(written)
        paths = json.dumps(report, ensure_ascii=False)
        assert "weights\udcff\udcfe.bin" in paths  # the real name, escaped in the file, restored on reading


def test_hostile_file_names_in_render_and_bom(hostile_repo: Path, tmp_path: Path, capsys) -> None:
    stored = tmp_path / "r.json"
    assert main(["audit", str(hostile_repo), "-f", "json", "-o", str(stored)]) == 0
    for args in (
        ["render", str(stored), "-f", "html"],
        ["render", str(stored), "-f", "markdown"],
        ["bom", str(stored), "-f", "spdx"],
        ["bom", str(stored), "-f", "cyclonedx"],
    ):
        assert main(args) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert RAW.search(out) is None, args
