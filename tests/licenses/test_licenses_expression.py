"""Card license values: Hub ids, SPDX expressions (AND / OR / WITH), lists, other/unknown, malformed."""

from __future__ import annotations

import pytest

from openaudit.licenses.expression import parse_card_license


@pytest.mark.parametrize(
    "value,expr,ids,op",
    [
        ("apache-2.0", "Apache-2.0", ("Apache-2.0",), None),
        ("apache-2.0 OR mit", "Apache-2.0 OR MIT", ("Apache-2.0", "MIT"), "OR"),
        (
            "mit and (cc-by-4.0 or cc-by-sa-4.0)",
            "MIT AND (CC-BY-4.0 OR CC-BY-SA-4.0)",
            ("MIT", "CC-BY-4.0", "CC-BY-SA-4.0"),
            "AND",
        ),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            ("GPL-2.0-or-later",),
            "WITH",
        ),
        (["mit", "cc-by-nc-4.0"], "MIT AND CC-BY-NC-4.0", ("MIT", "CC-BY-NC-4.0"), "AND"),
        ("llama3.1", "LicenseRef-llama3.1", ("LicenseRef-llama3.1",), None),
        ("openrail++", "LicenseRef-openrail-pp-m", ("LicenseRef-openrail-pp-m",), None),
        ("Apache License 2.0", "Apache-2.0", ("Apache-2.0",), None),
    ],
)
def test_values_parse(value, expr, ids, op):
    d = parse_card_license(value)
    assert (d.expression, d.ids, d.operator, d.problems) == (expr, ids, op, ())


@pytest.mark.parametrize("value", ["mit AND", "(mit", "apache-2.0 OR OR mit", "mit WITH", ") mit ("])
def test_malformed_expressions_are_problems_not_crashes(value):
    d = parse_card_license(value)
    assert d.expression is None and d.ids == () and d.problems and "malformed" in d.problems[0]


@pytest.mark.parametrize("value", [5, 3.5, {"a": 1}, True])
def test_non_text_values_are_problems(value):
    d = parse_card_license(value)
    assert not d.declared and d.problems


def test_missing_and_empty():
    for v in (None, "", []):
        d = parse_card_license(v)
        assert not d.declared and d.problems == ()


def test_other_with_license_name_and_link():
    d = parse_card_license("other", "qwen", "https://huggingface.co/Qwen/Qwen-7B/blob/main/LICENSE")
    assert d.ids == ("LicenseRef-qwen",) and d.infos[0].category == "community" and d.placeholder == "other"
    d = parse_card_license("other", "my-custom-license")
    assert (
        d.ids == ("LicenseRef-my-custom-license",)
        and d.infos[0].category == "custom"
        and d.infos[0].osi_approved is False
    )
    d = parse_card_license("other")
    assert d.problems and "license_name" in d.problems[0]


def test_unknown_and_unrecognised_ids():
    d = parse_card_license("unknown")
    assert d.placeholder == "unknown" and not d.infos[0].known
    d = parse_card_license("not-a-license")
    assert d.ids == ("not-a-license",) and d.problems and not d.infos[0].known
    d = parse_card_license("cc-by-nc-4.0 OR foo-lic")
    assert d.expression == "CC-BY-NC-4.0 OR foo-lic" and any("foo-lic" in p for p in d.problems)


def test_corpus_cards_license_fields_parse(corpus):
    from openaudit.collect.card import parse_card_text

    n = 0
    for path in sorted((corpus / "model-cards").glob("*.md")):
        card = parse_card_text(path.read_text(encoding="utf-8", errors="replace"), path.name)
        m = card.metadata
        d = parse_card_license(m.get("license"), m.get("license_name"), m.get("license_link"))
        if m.get("license"):
            n += 1
            assert d.declared or d.problems, path.name
    assert n > 300
