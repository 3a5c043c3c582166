"""The nested-value renderers (one per format) and the report-card sections built on them: nested
report data reads as tables and field lists, never as flat ``key: value, key: value`` text; empty
values say "none"; MOF classes list their own gaps; the outcome icons are explained; a stored report
renders exactly like the report it was written from."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from openaudit import api
from openaudit.render import FORMATS, nested, render
from openaudit.render.badge import render_badge
from openaudit.render.bom import render_bom
from openaudit.render.htmltext import html_value
from openaudit.render.md import md_block

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESTRICTED = REPO / "examples" / "restricted-weights"
TINY = REPO / "examples" / "tiny-open"
# "key: value, key: value" with an empty value, the shape the old renderers dumped nested data in
FLAT_DUMP = re.compile(r"\w+: , |\w+: ,\s|\w+: $", re.M)


def sample() -> dict:
    return json.loads((HERE / "sample_report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def restricted() -> dict:
    return api.audit(str(RESTRICTED), timestamp=False)


# ---------------------------------------------------------------- the generic renderers


def test_scalars_and_empty_values() -> None:
    assert md_block(None) == ["none"] and md_block([]) == ["none"] and md_block({}) == ["none"]
    assert md_block(False) == ["no"] and md_block(0) == ["0"]
    assert md_block(0.1 + 0.2) == ["0.30000000000000004"]  # floats exact: no two values look equal
    assert md_block(["a", "b, c"]) == ["a; b, c"]
    assert html_value(None) == '<span class="none">none</span>'
    assert html_value("") == '<span class="none">none</span>' and html_value(True) == "yes"


def test_list_of_records_is_a_table() -> None:
    evidence = [{"kind": "file", "path": "LICENSE"}, {"kind": "line", "path": "README.md", "line": 38}]
    lines = md_block(evidence)
    assert "| kind | line | path |" in lines
    assert "| file | – | LICENSE |" in lines  # a key the record lacks is "–", not "none"
    assert "| line | 38 | README.md |" in lines
    html = html_value(evidence)
    assert html.startswith('<table class="nested"><tr><th>kind</th><th>line</th><th>path</th></tr>')
    assert "<td>README.md</td>" in html


def test_dict_of_records_is_a_table_with_a_key_column() -> None:
    components = {"weights": {"license": "Apache-2.0", "osi_approved": True},
                  "code": {"license": None, "osi_approved": None}}
    assert md_block(components)[1:5] == ["|  | license | osi approved |", "|---|---|---|",
                                         "| code | none | none |", "| weights | Apache-2.0 | yes |"]
    assert "<tr><td>code</td><td><span class=\"none\">none</span>" in html_value(components)


def test_mixed_dicts_nest_as_field_lists() -> None:
    value = {"checkpoints": {"folders": [], "found": False}, "dtypes": {"F32": 10}, "files": 1}
    assert md_block(value) == ["- **checkpoints:**", "  - **folders:** none", "  - **found:** no",
                               "- **dtypes:**", "  - **F32:** 10", "- **files:** 1"]
    html = html_value(value)
    assert html.count('<table class="kv">') == 3 and "<th>checkpoints</th>" in html


def test_key_order_never_depends_on_insertion_order() -> None:
    a = {"b": {"y": 1, "x": [1, 2]}, "a": [{"q": 1, "p": 2}]}
    b = {"a": [{"p": 2, "q": 1}], "b": {"x": [1, 2], "y": 1}}
    assert md_block(a) == md_block(b) and html_value(a) == html_value(b)


def test_long_lists_are_capped_with_a_count() -> None:
    rows = [{"step": i, "loss": 1.0} for i in range(nested.MAX_ITEMS + 7)]
    assert any("… 7 more (see the JSON report)" in line for line in md_block(rows))
    assert "… 7 more (see the JSON report)" in html_value(rows)
    deep = [[i] for i in range(nested.MAX_ITEMS + 2)]
    assert md_block(deep)[-1] == "- … 2 more (see the JSON report)"


def test_wide_records_are_fields_not_tables() -> None:
    wide = {f"k{i}": {f"f{j}": j for j in range(nested.MAX_COLUMNS + 2)} for i in range(2)}
    assert not any(line.startswith("|") for line in md_block(wide))


# ---------------------------------------------------------------- report cards


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_license_components_evidence_and_facts_are_readable(restricted: dict, fmt: str) -> None:
    out = render(restricted, fmt)
    assert "code_links: ," not in out and "appropriateness: unknown, category: ," not in out
    assert not FLAT_DUMP.search(re.sub(r"<[^>]+>", "\n", out)), FLAT_DUMP.search(out)
    if fmt == "markdown":
        assert "|  | appropriateness | category | license | osi approved | source |" in out
        assert "| weights | not\\_open | community | LicenseRef-llama2 | no | prose |" in out
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
    row = next(line for line in render(restricted, "markdown", policy_verdict=verdict).splitlines()
               if line.startswith("| min\\_mof\\_class"))
    assert row.split("|")[3].strip() == "none", row


# ---------------------------------------------------------------- stored == direct


def _renders(report: dict) -> dict[str, str]:
    out = {fmt: render(report, fmt) for fmt in FORMATS}
    out.update({f"bom-{f}": render_bom(report, f) for f in ("spdx", "cyclonedx")})
    out.update({f"badge-{k}": render_badge(report, kind=k) for k in ("grade", "mof")})
    return out


@pytest.mark.parametrize("target", [RESTRICTED, TINY], ids=["restricted-weights", "tiny-open"])
def test_stored_report_renders_like_the_direct_one_in_every_format(target: Path, tmp_path: Path) -> None:
    from openaudit.cli.main import main

    direct = api.audit(str(target), timestamp=False)
    stored = tmp_path / "r.json"
    assert main(["audit", str(target), "-f", "json", "--no-timestamp", "-o", str(stored)]) == 0
    from openaudit.render.load import load_report

    a, b = _renders(direct), _renders(load_report(stored))
    for fmt in a:
        assert a[fmt] == b[fmt], f"{fmt}: the stored report renders differently"
