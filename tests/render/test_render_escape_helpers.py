"""The escaping helper set in ``openaudit.base.text`` (issue 11 rule 9): ``json_safe`` keeps valid JSON
that parses back to the same strings, ``http_url`` links only http(s) and percent-encodes what a
reader could be misled by, ``visible`` shows controls as escapes but keeps tab and newline."""

from __future__ import annotations

import json

from openaudit.base.text import http_url, json_safe, terminal_safe, visible


def test_json_safe_keeps_valid_json_for_astral_and_surrogates() -> None:
    s = {"k\u202e": ["\U000e0041", "\udcff", "\x85", "ok é 日本"]}
    text = json_safe(json.dumps(s, ensure_ascii=False))
    assert json.loads(text) == s and "ok é 日本" in text
    assert "\\udb40\\udc41" in text  # a Unicode tag character as its surrogate pair


def test_http_url_only_for_http_schemes() -> None:
    assert http_url("javascript:alert(1)") is None and http_url("data:x") is None and http_url("/etc/passwd") is None
    assert http_url("HTTPS://a.example/x y") == "HTTPS://a.example/x%20y"
    assert http_url("https://a.example/\u202e") == "https://a.example/%E2%80%AE"
    assert http_url("https://a.example/?q=1&r=%20") == "https://a.example/?q=1&r=%20"  # escapes kept
    assert visible("tab\tnew\nline\u202e") == "tab\tnew\nline\\u202e"


def test_one_unsafe_set_for_every_helper() -> None:
    for ch in ("\x1b", "\x85", "\u202e", "\u2066", "\u200b", "\ufeff", "\udcff", "\u2028"):
        assert ch not in visible(f"a{ch}b") and ch not in terminal_safe(f"a{ch}b")
        assert ch not in json_safe(json.dumps(f"a{ch}b", ensure_ascii=False))
