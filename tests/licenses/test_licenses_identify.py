"""Text identification offline (no ../shared needed): exact, re-wrapped, headers, modified, unknown,
near-variants, bad inputs; and the shipped index itself."""

from __future__ import annotations

import json
import textwrap

import jsonschema
import pytest
from licenses_helpers import BSD2, MIT, bsd3, dist_license

from openaudit.errors import InvalidDocument, InvalidInput
from openaudit.licenses import identify as ident
from openaudit.licenses.index import INDEX_NAME, load_index, parse_index
from openaudit.resources import data_dir, schema


def _check(res):
    jsonschema.validate(res, schema("license-identify"))
    return res


def test_mit_exact_and_perturbed():
    assert _check(ident.identify_text(MIT))["id"] == "MIT"
    rewrapped = "\n\n".join("\n".join(textwrap.wrap(" ".join(p.split()), 47)) for p in MIT.split("\n\n"))
    r = _check(ident.identify_text(rewrapped))
    assert (r["id"], r["modified"]) == ("MIT", False)
    header = "# LICENSE\n\n**Copyright © 2024 Someone Else. All rights reserved.**\n\n" + MIT.replace('"', "“")
    r = _check(ident.identify_text(header))
    assert (r["id"], r["modified"]) == ("MIT", False) and r["confidence"] > 0.9


def test_clause_added_is_modified_with_the_added_sentence():
    text = MIT.replace(
        "THE SOFTWARE IS PROVIDED",
        "The Software may not be used for commercial purposes or to train other models.\n\nTHE SOFTWARE IS PROVIDED",
    )
    r = _check(ident.identify_text(text))
    assert r["id"] == "MIT" and r["modified"] is True and r["match"] == "modified"
    assert any("commercial purposes" in d["text"] and d["kind"] == "added" for d in r["differences"])


def test_clause_removed_is_modified_or_the_license_it_becomes():
    # MIT without its notice condition *is* a known license: MIT No Attribution
    no_notice = MIT.replace(
        "The above copyright notice and this permission notice shall be included in all\n"
        "copies or substantial portions of the Software.\n",
        "",
    )
    assert ident.identify_text(no_notice)["id"] == "MIT-0"
    # MIT without the list of granted rights is nobody's license: modified MIT, removal reported
    cut = " ".join(MIT.split()).replace(
        "including without limitation the rights to use, copy, modify, merge, "
        "publish, distribute, sublicense, and/or sell copies of the Software, ",
        "",
    )
    r = ident.identify_text(cut)
    assert r["id"] == "MIT" and r["modified"] and any(d["kind"] == "removed" for d in r["differences"])


def test_bsd2_and_bsd3_are_told_apart():
    assert ident.identify_text(BSD2)["id"] == "BSD-2-Clause"
    r3 = ident.identify_text(bsd3())
    assert r3["id"] == "BSD-3-Clause" and not r3["modified"]


def test_gpl_only_vs_or_later_share_a_text_and_say_so():
    idx = load_index()
    doc = next(d for d in idx.docs if "GPL-2.0-only" in d.ids)
    assert "GPL-2.0-or-later" in doc.ids  # the text alone cannot tell them apart


def test_unrelated_text_is_unknown_never_the_nearest():
    r = _check(
        ident.identify_text(
            "This recipe needs two eggs, flour and sugar. Bake for twenty minutes at "
            "180 degrees and let it cool before serving it to your guests."
        )
    )
    assert r["id"] == "unknown" and r["family"] is None and r["confidence"] == 0.0
    # a custom license borrowing one MIT sentence is not MIT
    custom = (
        "ACME Model License. You may use the model for research only. Commercial use is prohibited. "
        "You may not redistribute the weights. Any derivative must carry this notice. "
        * 3
        + "\nThe above copyright notice and this permission notice shall be included in all copies."
    )
    r = ident.identify_text(custom)
    assert r["id"] == "unknown"


def test_empty_and_whitespace_are_unknown_with_reason():
    for text in ("", "   \n\t\n"):
        r = _check(ident.identify_text(text))
        assert r["id"] == "unknown" and r["match"] == "empty" and "empty" in r["reason"]


@pytest.mark.parametrize(
    "text",
    [
        "All rights reserved. You may not copy this.",
        "Copyright (c) 2020 Nobody\n",
        "Copyright 2020 Foo. You may not copy, modify or distribute this without permission.",
    ],
)
def test_short_restrictive_text_is_too_short_not_empty(text):
    """Issue 10 #15: a sentence or two of restrictive text is not "empty": it is too short to identify
    (typed match code ``too_short``), and says how many words it has."""
    r = _check(ident.identify_text(text))
    assert r["id"] == "unknown" and r["match"] == "too_short"
    assert r["reason"].startswith("too short to identify") and f"{len(text.split())} words in all" in r["reason"]


DOCUMENTED = {
    "id",
    "family",
    "confidence",
    "modified",
    "differences",
    "match",
    "reason",
    "alternatives",
    "similarity",
    "name",
    "bidi_controls",
}


@pytest.mark.parametrize("kind", ["exact", "similar", "modified", "none", "empty", "too_short"])
def test_every_documented_key_is_always_present(kind):
    """Issue 10 #15: alternatives, bidi_controls and similarity appear on exact matches (and every
    other outcome) too, as docs/licenses.md lists them."""
    texts = {
        "exact": MIT,
        "similar": MIT.replace("Permission is hereby granted", "Permission is  hereby\n granted") + "\n\n---",
        "modified": MIT + "\nThe software shall not be used for commercial purposes of any kind whatsoever.",
        "none": "The quick brown fox jumps over the lazy dog. " * 20,
        "empty": "",
        "too_short": "All rights reserved. You may not copy this.",
    }
    r = _check(ident.identify_text(texts[kind]))
    assert set(r) >= DOCUMENTED, DOCUMENTED - set(r)
    assert isinstance(r["alternatives"], list) and isinstance(r["bidi_controls"], int)
    assert set(r["similarity"]) == {"reference_coverage", "text_coverage"}
    if kind == "exact":
        assert r["match"] == "exact" and r["similarity"] == {"reference_coverage": 1.0, "text_coverage": 1.0}


def test_bidi_controls_are_stripped_and_reported():
    r = _check(ident.identify_text(MIT.replace("Permission", "Permi\u202ession\u2066")))
    assert r["id"] == "MIT" and r["bidi_controls"] == 2


def test_bad_files(tmp_path):
    binary = tmp_path / "LICENSE.bin"
    binary.write_bytes(b"MIT\x00\x01\x02" * 100)
    with pytest.raises(InvalidInput, match="binary"):
        ident.identify_file(binary)
    huge = tmp_path / "LICENSE.huge"
    huge.write_bytes(b"a " * (ident.MAX_BYTES // 2 + 10))
    with pytest.raises(InvalidInput, match="larger than"):
        ident.identify_file(huge)
    with pytest.raises(InvalidInput, match="no such file"):
        ident.identify_file(tmp_path / "missing")
    with pytest.raises(InvalidInput, match="not a regular file"):
        ident.identify_file(tmp_path)
    bad_bom = tmp_path / "bad16"
    bad_bom.write_bytes(b"\xff\xfe" + b"\x00\xd8")  # lone surrogate in UTF-16
    with pytest.raises(InvalidInput, match="UTF-16"):
        ident.identify_file(bad_bom)
    with pytest.raises(InvalidInput):
        ident.identify_text("x" * (ident.MAX_BYTES + 1))
    with pytest.raises(InvalidInput):
        ident.identify_text(b"bytes")  # type: ignore[arg-type]


def test_utf16_and_latin1_files_decode(tmp_path):
    p = tmp_path / "LICENSE"
    p.write_bytes(MIT.encode("utf-16"))  # with BOM
    assert ident.identify_file(p)["id"] == "MIT"
    p.write_bytes(b"\xef\xbb\xbf" + MIT.encode("utf-8"))
    assert ident.identify_file(p)["id"] == "MIT"
    p.write_bytes(MIT.replace("Example Person", "J\xfcrgen M\xfcller").encode("latin-1"))
    r = ident.identify_file(p)
    assert r["id"] == "MIT" and r["path"] == str(p)


@pytest.mark.parametrize(
    "dist,names,expected",
    [
        ("typer", ("LICENSE",), "MIT"),
        ("PyYAML", ("LICENSE",), "MIT"),
        ("click", ("LICENSE",), "BSD-3-Clause"),
        ("license-expression", ("apache-2.0.LICENSE",), "Apache-2.0"),
    ],
)
def test_real_license_files_of_installed_packages(dist, names, expected):
    p = dist_license(dist, *names)
    if p is None:
        pytest.skip(f"{dist} ships no license file here")
    r = ident.identify_file(p)
    assert r["id"] == expected and not r["modified"], r


def test_corrupt_index_is_a_clear_error():
    with pytest.raises(InvalidDocument, match="not a valid license index"):
        parse_index(b"not gzip")
    import gzip

    with pytest.raises(InvalidDocument):
        parse_index(gzip.compress(b"\x05\x00\x00\x00{}xyz"))


def test_shipped_index_is_compact_and_has_no_text():
    raw = (data_dir() / INDEX_NAME).read_bytes()
    assert len(raw) < 2 * 1024 * 1024
    import gzip

    blob = gzip.decompress(raw)
    assert b"Permission is hereby granted" not in blob and b"WITHOUT WARRANTY" not in blob
    head = json.loads(blob[4 : 4 + int.from_bytes(blob[:4], "little")])
    assert head["built_from"]["records"] == len(head["docs"]) > 700
