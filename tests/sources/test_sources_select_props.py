"""Property tests of the selection policy: never raises on any bytes or names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from openaudit.base.formats import CONTAINER_FAMILIES, family_of
from openaudit.base.text import terminal_safe
from openaudit.sources import select


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_decode_and_sniff_never_raise(data):
    text = select.decode_text(data)
    assert text is None or "\x00" not in text
    assert family_of(data) in (None, *set(CONTAINER_FAMILIES.values()))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_escape_leaves_no_control_characters(name):
    out = terminal_safe(name)
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F or 0x80 <= ord(c) < 0xA0 for c in out)
    if name.isprintable():
        assert out == name or any(c in name for c in "\u2028\u2029\u202e\u200e\u200f")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=30), st.one_of(st.none(), st.integers(0, 10**10)), max_size=40),
    st.integers(0, 10**7),
)
def test_plan_texts_respects_total_cap(sizes, cap):
    paths, _notes = select.plan_texts(list(sizes.items()), total_cap=cap)
    used = sum(sizes[p] if sizes[p] is not None else select.TEXT_FILE_CAP for p in paths)
    assert used <= cap
    assert all(select.text_choice(p, sizes[p]).read for p in paths)
