"""Report cards (issue 10 items 1 and 15): nested report data reads as tables and field lists, never as
flat ``key: value, key: value`` text; empty values say "none"; MOF classes list their own gaps; the
outcome icons are explained; a stored report renders exactly like the report it was written from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openaudit import api
from openaudit.render import FORMATS, render
from openaudit.render.badge import render_badge
from openaudit.render.bom import render_bom

REPO = Path(__file__).resolve().parents[2]
RESTRICTED = REPO / "examples" / "restricted-weights"
TINY = REPO / "examples" / "tiny-open"
# "key: value, key: value" with an empty value, the shape the old renderers dumped nested data in
FLAT_DUMP = re.compile(r"\w+: , |\w+: ,\s|\w+: $", re.M)


@pytest.fixture(scope="module")
def restricted() -> dict:
    return api.audit(str(RESTRICTED), timestamp=False)


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_license_components_evidence_and_facts_are_readable(restricted: dict, fmt: str) -> None:
    out = render(restricted, fmt)
    assert "code_links: ," not in out and "appropriateness: unknown, category: ," not in out
    assert not FLAT_DUMP.search(re.sub(r"<[^>]+>", "\n", out)), FLAT_DUMP.search(out)
    if fmt == "markdown":
        assert "|  | appropriateness | category | license | osi approved | source |" in out
        assert "| weights | not\\_open | community | LicenseRef-llama2 | no | card metadata |" in out
        assert "- **code links:** none" in out
        assert "| kind | field | line | path | snippet |" in out
    else:
        assert "<th>appropriateness</th>" in out and "<td>weights</td><td>not_open</td>" in out
        assert '<th>code links</th><td><span class="none">none</span></td>' in out


def _mof_section(md: str) -> str:
    return md.split("- **Model Openness Framework:**", 1)[1].split("- **OSI Open Source AI Definition:**", 1)[0]


def test_mof_classes_list_their_own_gaps_in_canonical_order(restricted: dict) -> None:
    md = render(restricted, "markdown")
    section = _mof_section(md)
    heads = re.findall(r"\*\*(Class [IV]+)[^*]*:\*\*", section)
    assert heads == ["Class III", "Class II", "Class I"]
    # every missing component is listed once, under its own class
    assert section.count("Model architecture —") == 1 and section.count("Research paper —") == 1
    class_i = section.split("**Class I - Open Science:**", 1)[1]
    assert "Model architecture" not in class_i and "Training code" not in class_i
    assert "plus the 12 gaps of the classes below" in class_i
    html = render(restricted, "html")
    gaps = html.split("<h2>Framework gaps</h2>", 1)[1].split("<h2>", 1)[0]
    assert gaps.count("<strong>Model architecture</strong>") == 1


def test_findings_legend_in_table_markdown_and_html(restricted: dict) -> None:
    for fmt in ("table", "markdown", "html"):
        out = render(restricted, fmt)
        assert "✔ pass" in out and "◐ partial" in out and "✘ fail" in out and "not available" in out, fmt
    table = render(restricted, "table")
    legend = next(line for line in table.splitlines() if line.startswith("✔ pass"))
    assert "– n/a" in legend and "! error" in legend
    assert "| Findings |" in render(restricted, "markdown")


def test_policy_actual_none_is_said(restricted: dict, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("kind: policy\nname: mof\nmin_mof_class: I\n", encoding="utf-8")
    verdict = api.check(restricted, str(policy)).to_dict()
    row = next(
        line
        for line in render(restricted, "markdown", policy_verdict=verdict).splitlines()
        if line.startswith("| min\\_mof\\_class")
    )
    assert row.split("|")[3].strip() == "none", row


# ---------------------------------------------------------------- stored == direct


def _renders(report: dict) -> dict[str, str]:
    out = {fmt: render(report, fmt) for fmt in FORMATS}
    out.update({f"bom-{f}": render_bom(report, f) for f in ("spdx", "cyclonedx")})
    out.update({f"badge-{k}": render_badge(report, kind=k) for k in ("grade", "mof")})
    return out


@pytest.mark.parametrize("target", [RESTRICTED, TINY], ids=["restricted-weights", "tiny-open"])
def test_stored_report_renders_like_the_direct_one_in_every_format(target: Path, tmp_path: Path, monkeypatch) -> None:
    from openaudit.cli.main import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # SPDX `created` of reports without generated_at

    direct = api.audit(str(target), timestamp=False)
    stored = tmp_path / "r.json"
    assert main(["audit", str(target), "-f", "json", "--no-timestamp", "-o", str(stored)]) == 0
    from openaudit.render.load import load_report

    a, b = _renders(direct), _renders(load_report(stored))
    for fmt in a:
        assert a[fmt] == b[fmt], f"{fmt}: the stored report renders differently"
