"""The nested-value renderers, one per format (``md.md_block``, ``htmltext.html_value``, over the shape
rules of ``render.nested``): tables for records, field lists for other dicts, "none" for empty values,
key order independent of insertion order, long lists capped with a count."""

from __future__ import annotations

from openaudit.render import nested
from openaudit.render.htmltext import html_value
from openaudit.render.md import md_block


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
    components = {
        "weights": {"license": "Apache-2.0", "osi_approved": True},
        "code": {"license": None, "osi_approved": None},
    }
    assert md_block(components)[1:5] == [
        "|  | license | osi approved |",
        "|---|---|---|",
        "| code | none | none |",
        "| weights | Apache-2.0 | yes |",
    ]
    assert '<tr><td>code</td><td><span class="none">none</span>' in html_value(components)


def test_mixed_dicts_nest_as_field_lists() -> None:
    value = {"checkpoints": {"folders": [], "found": False}, "dtypes": {"F32": 10}, "files": 1}
    assert md_block(value) == [
        "- **checkpoints:**",
        "  - **folders:** none",
        "  - **found:** no",
        "- **dtypes:**",
        "  - **F32:** 10",
        "- **files:** 1",
    ]
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
