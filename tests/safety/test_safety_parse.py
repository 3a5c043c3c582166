"""Hardened YAML/JSON: each attack refused with a one-line ParseProblem, good documents unchanged."""

from __future__ import annotations

import codecs

import pytest

from openaudit.base.parse import MAX_DOC_BYTES, ParseProblem, load_json, load_yaml, load_yaml_with_lines
from openaudit.errors import InvalidDocument

LAUGHS = "a0: &a0 [lol, lol]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 30))


@pytest.mark.parametrize(
    "text,fragment",
    [
        (LAUGHS, "anchors are not allowed"),
        ("a: *x\n", "alias"),
        ("a: " + "[" * 100 + "]" * 100, "nesting deeper"),
        ("a: 1\na: 2\n", "duplicate key"),
        ("base: {x: 1}\nother:\n  <<: {y: 2}\n", "merge keys"),
        ("a: !!python/object/apply:os.system ['true']\n", "python/object"),
        ("a: !!python/name:os.system\n", "python/name"),
        ("? [a, b]\n: 1\n", "unhashable"),
        ("a: 2001-13-45\n", "invalid value"),
        ("a: " + "9" * 5000 + "\n", "invalid value"),
        ("a: [1\n", "invalid YAML"),
        ("a: \ud800\n", "surrogate"),
        ("x" * (MAX_DOC_BYTES + 1), "larger than"),
        ("\x00a: 1", "invalid YAML"),
    ],
)
def test_yaml_attacks_refused(text, fragment):
    with pytest.raises(ParseProblem) as info:
        load_yaml(text, source="README.md")
    assert fragment in info.value.message
    assert isinstance(info.value, InvalidDocument)
    assert "\n" not in info.value.message and info.value.message.startswith("README.md")


def test_yaml_good_documents_and_lines():
    data, lines = load_yaml_with_lines("license: mit\nno: 1\ntags: [a, b]\n", line_offset=1)
    assert data == {"license": "mit", "False": 1, "tags": ["a", "b"]}
    assert lines == {"license": 2, "no": 3, "tags": 4}
    assert load_yaml("") is None
    assert load_yaml(b"a: 1") == {"a": 1}
    assert load_yaml(codecs.BOM_UTF16_LE + "a: 1".encode("utf-16-le")) == {"a": 1}


@pytest.mark.parametrize(
    "text,fragment",
    [
        ('{"a": 1, "a": 2}', "duplicate key"),
        ('{"a": NaN}', "NaN"),
        ("[Infinity]", "Infinity"),
        ("[1e400]", "overflows"),
        ('{"a": "\\ud800"}', "surrogate"),
        ('["\ud800"]', "surrogate"),
        ("[" * 100 + "]" * 100, "nesting deeper"),
        ("[" * 100_000 + "]" * 100_000, "nesting"),
        ('{"a": ', "invalid JSON"),
        ("x" * (MAX_DOC_BYTES + 1), "larger than"),
    ],
)
def test_json_attacks_refused(text, fragment):
    with pytest.raises(ParseProblem) as info:
        load_json(text, source="config.json")
    assert fragment in info.value.message


@pytest.mark.parametrize("bad", [None, 12, ["a"], b"\xff\xfe\x00"])
def test_non_text_inputs_refused(bad):
    with pytest.raises(ParseProblem):
        load_json(bad)
    with pytest.raises(ParseProblem):
        load_yaml(bad)


def test_json_good_documents():
    assert load_json('{"a": [1, 2.5, "\\ud83d\\ude00", null, true]}') == {"a": [1, 2.5, "😀", None, True]}
    assert load_json(b'{"x": 1}') == {"x": 1}
