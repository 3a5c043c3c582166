"""Property-based tests: untrusted-input parsers never raise anything but their documented error,
never call garbage "clean", and round-trip what they should."""

from __future__ import annotations

import itertools
import json
import os
import pickletools
import struct
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaudit.base.formats import sniff
from openaudit.base.parse import ParseProblem, load_json, load_yaml
from openaudit.base.text import decode_text
from openaudit.errors import OpenAuditError
from openaudit.safety.globals_policy import classify
from openaudit.safety.pickles import scan_bytes
from openaudit.safety.safetensors import DTYPE_BITS, parse_header

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=20))
json_like = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4), st.dictionaries(st.text(min_size=1, max_size=8), kids, max_size=4)
    ),
    max_leaves=20,
)
yaml_texts = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "a:",
                " b",
                "- x",
                "&a",
                "*a",
                "<<: *a",
                "!!python/object:os.system",
                "{",
                "}",
                "[",
                "]",
                ": ",
                "\n",
                "  ",
                "key: value",
                "'",
                '"',
                "? ",
                "---",
                "...",
                "|",
                ">",
                "\t",
                "!!binary",
                "!!set",
                "2001-13-45",
                "0x1F",
                "~",
                "%YAML 1.1",
            ]
        ),
        max_size=40,
    ).map("".join),
)


@FAST
@given(yaml_texts)
def test_load_yaml_raises_only_parse_problem(text):
    try:
        load_yaml(text, source="card")
    except ParseProblem as exc:
        assert "\n" not in exc.message


@FAST
@given(json_like)
def test_load_yaml_round_trips_plain_data(value):
    text = yaml.safe_dump(value, sort_keys=False)
    try:
        assert load_yaml(text) == value
    except ParseProblem as exc:  # only legitimate refusals: dict keys YAML 1.1 reads as other scalars
        assert "duplicate key" in exc.reason


@FAST
@given(st.one_of(st.text(max_size=300), json_like.map(json.dumps)))
def test_load_json_raises_only_parse_problem(text):
    try:
        out = load_json(text)
    except ParseProblem:
        return
    assert out == json.loads(text)


@FAST
@given(st.text(max_size=400), yaml_texts)
def test_card_parsing_never_raises(body, front):
    card = pytest.importorskip("openaudit.collect.card")
    for text in (body, f"---\n{front}\n---\n{body}", f"---\n{front}"):
        facts = card.parse_card_text(text)
        assert facts is not None


def _write(text: str, suffix: str) -> str:
    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass") as f:
        f.write(text)
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(yaml_texts, json_like.map(lambda v: yaml.safe_dump({"id": "x", "dimensions": v}))))
def test_rubric_and_policy_loading_raise_only_openaudit_errors(text):
    rubric_load = pytest.importorskip("openaudit.rubric.load")
    policy_load = pytest.importorskip("openaudit.policy.load")
    path = _write(text, ".yaml")
    try:
        for fn in (rubric_load.load_rubric, policy_load.load_policy):
            try:
                fn(path)
            except OpenAuditError as exc:
                assert exc.message and "\n" not in exc.message
    finally:
        os.unlink(path)


tensor_entries = st.dictionaries(
    st.text(min_size=1, max_size=6),
    st.one_of(
        st.fixed_dictionaries(
            {
                "dtype": st.one_of(st.sampled_from(sorted(DTYPE_BITS)), st.text(max_size=4)),
                "shape": st.lists(st.integers(-2, 6), max_size=3),
                "data_offsets": st.lists(st.integers(-2, 300), min_size=0, max_size=3),
            }
        ),
        json_like,
    ),
    max_size=5,
)


@FAST
@given(tensor_entries, st.one_of(st.none(), st.integers(0, 2000)), st.booleans())
def test_safetensors_header_never_raises_and_ok_is_consistent(entries, size, prefix):
    raw = json.dumps(entries).encode()
    if prefix:
        raw = struct.pack("<Q", len(raw)) + raw
    info = parse_header(raw, file_size=size)
    assert info.ok == (not info.problems)
    assert info.param_count == sum(info.dtype_counts.values())
    if info.ok:
        spans = sorted((t.start, t.end) for t in info.tensors.values())
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


@FAST
@given(st.binary(max_size=600))
def test_safetensors_random_bytes(raw):
    info = parse_header(raw, file_size=len(raw))
    assert info.ok == (not info.problems)


def _walks_to_stop(data: bytes) -> bool:
    try:
        return any(op.name == "STOP" for op, _, _ in pickletools.genops(data))
    except Exception:
        return False


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_never_clean_unless_a_real_pickle(data):
    r = scan_bytes(data)
    assert r["status"] in ("clean", "dangerous", "unscannable", "not_pickle")
    if r["status"] == "clean":
        assert _walks_to_stop(data), r
        assert all(classify(g) == "safe" for g in r["globals"])
    assert isinstance(sniff(data), str)


@FAST
@given(st.binary(max_size=300))
def test_invalid_first_opcode_is_never_clean(tail):
    assert scan_bytes(b"\x00" + tail)["status"] != "clean"


@FAST
@given(json_like, st.sampled_from([0, 1, 2, 3, 4, 5]))
def test_plain_data_pickles_are_clean(value, proto):
    import pickle

    r = scan_bytes(pickle.dumps(value, protocol=proto))
    assert r["status"] == "clean", r


@FAST
@given(st.binary(max_size=300))
def test_decode_text_never_raises(data):
    text, info = decode_text(data)
    if text is not None:
        assert "\x00" not in text and info
