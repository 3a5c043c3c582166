"""safetensors header validation: a genuine header, each malformation, and both raw forms."""

from __future__ import annotations

import json
import struct

import pytest

from openaudit.safety.safetensors import SafetensorsInfo, parse_header


def hdr(d: dict) -> bytes:
    return json.dumps(d).encode()


OK = {
    "__metadata__": {"format": "pt"},
    "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
    "b": {"dtype": "BF16", "shape": [4], "data_offsets": [24, 32]},
    "c": {"dtype": "F4", "shape": [4], "data_offsets": [32, 34]},
}


def test_genuine_minilm_header(minilm):
    p = minilm / "model.safetensors"
    with open(p, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        body = f.read(n)
    size = p.stat().st_size
    with_prefix = parse_header(struct.pack("<Q", n) + body, file_size=size, path=str(p))
    bare = parse_header(body, file_size=size, path=str(p))
    assert with_prefix.ok and bare.ok, with_prefix.problems
    assert with_prefix.param_count == bare.param_count == 22_713_728  # incl. 512 I64 position ids
    assert with_prefix.dtype_counts == {"F32": 22_713_216, "I64": 512}
    assert with_prefix.metadata == {"format": "pt"}


def test_valid_header_both_forms():
    raw = hdr(OK)
    for form in (raw, struct.pack("<Q", len(raw)) + raw):
        info = parse_header(form, file_size=8 + len(raw) + 34, path="m.safetensors")
        assert isinstance(info, SafetensorsInfo)
        assert info.ok, info.problems
        assert info.param_count == 14
        assert info.dtype_counts == {"BF16": 4, "F32": 6, "F4": 4}
        assert info.tensors["a"].shape == (2, 3)


def test_padding_spaces_are_allowed():
    raw = hdr(OK) + b"   "
    assert parse_header(raw, file_size=8 + len(raw) + 34).ok


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (struct.pack("<Q", 1 << 60) + b"{}", "exceeds"),
        (struct.pack("<Q", 500) + b'{"a": 1}', "truncated"),
        (b"", "empty"),
        (b"not json at all", "exceeds"),  # read as a length prefix
        (b"nope", "start with"),
        (b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a": {}}', "duplicate key"),
        (b'{"a": ', "invalid JSON"),
        (b'{"a": NaN}', "NaN"),
        (b"[1,2]", "start with"),
        (b"{\xff\xfe}", "not UTF-8"),
        (hdr({"a": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}}), "unknown dtype"),
        (hdr({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}), "shape"),
        (hdr({"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}), "shape"),
        (hdr({"a": {"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}}), "shape"),
        (hdr({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}), "data_offsets"),
        (hdr({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}), "before start"),
        (hdr({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}), "needs 12 bytes"),
        (
            hdr(
                {
                    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                }
            ),
            "overlaps",
        ),
        (hdr({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}), "gap"),
        (hdr({"a": "x"}), "not an object"),
        (hdr({"__metadata__": {"k": 1}}), "not a string"),
        (hdr({"__metadata__": [1]}), "not an object"),
        (hdr({"a": {"dtype": "F4", "shape": [3], "data_offsets": [0, 2]}}), "needs 1.5 bytes"),
        (b"{" + b'"a":' * 100 + b"1" + b"}" * 100, "invalid JSON"),
    ],
)
def test_malformed_headers(raw, fragment):
    info = parse_header(raw, file_size=None, path="bad.safetensors")
    assert not info.ok
    assert any(fragment in p for p in info.problems), info.problems


def test_offsets_beyond_file_and_trailing_bytes():
    raw = hdr({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})
    assert any("beyond" in p for p in parse_header(raw, file_size=8 + len(raw) + 8).problems)
    assert any("after the last tensor" in p for p in parse_header(raw, file_size=8 + len(raw) + 100).problems)
    assert any("shorter than its header" in p for p in parse_header(raw, file_size=5).problems)


def test_partial_validity_keeps_param_count():
    raw = hdr(
        {
            "good": {"dtype": "F16", "shape": [10], "data_offsets": [0, 20]},
            "bad": {"dtype": "XX", "shape": [1], "data_offsets": [20, 21]},
        }
    )
    info = parse_header(raw)
    assert not info.ok and info.param_count == 10 and set(info.tensors) == {"good"}


def test_non_bytes_input():
    assert not parse_header(12345).ok  # type: ignore[arg-type]
    assert parse_header(hdr({}).decode()).ok  # str is accepted as UTF-8
