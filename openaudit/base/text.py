"""Untrusted text: decoding files without guessing wildly, and escaping what people read.

One set of bidi/invisible controls (``BIDI_CONTROLS``) serves every area: decoding, license
normalisation, terminal/table/markdown/HTML escaping. What people read goes through one of:

* ``terminal_safe(text)`` — terminal lines (tables, stderr): controls, bidi, invisibles shown as escapes;
* ``visible(text)`` — the same escapes, keeping tab and newline (Markdown, HTML, XML text);
* ``json_safe(json_text)`` — serialised JSON whose C1/bidi/invisible/surrogate characters become
  JSON escapes (still valid JSON that parses back to the same strings);
* ``http_url(url)`` — an http(s) URL fit for a link (percent-encoded), or None.


``decode_text(data) -> (text, encoding)`` on success or ``(None, reason)`` when the bytes are not
text: UTF-8 (BOM stripped), UTF-16/32 with a BOM, UTF-16 without a BOM when the NUL pattern is
unmistakable. Lone surrogates, NUL bytes in UTF-8 text and invalid sequences are refused with a
reason naming the offset — a non-UTF-8 card becomes a finding, not a crash or mojibake.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from openaudit.errors import FileMissing, InvalidInput

_SURROGATE = re.compile("[\ud800-\udfff]")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bidirectional embedding/override/isolate characters and marks that can reorder or hide text on
# screen (Trojan-Source style).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_CLASS = "".join(sorted(BIDI_CONTROLS))
_BIDI_RX = re.compile("[" + _BIDI_CLASS + "]")
# Invisible format characters that hide or join text (soft hyphen, zero-width space/joiners, word
# joiner and invisible operators, BOM, interlinear annotation, Unicode tags).
_INVISIBLE_CLASS = "\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
# Never shown raw: C0 controls (tab and newline are the caller's choice), DEL, C1, line/paragraph
# separators, the bidi set, the invisibles, lone surrogates (undecodable file names arrive as
# surrogate escapes) and the non-characters U+FFFE/U+FFFF.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + _BIDI_CLASS + _INVISIBLE_CLASS + "\ud800-\udfff\ufffe\uffff]"
)


def _bomless_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode_text(data: bytes | bytearray | memoryview) -> tuple[str | None, str]:
    """Decode untrusted bytes as text. Returns ``(text, encoding)`` or ``(None, reason)``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return None, f"expected bytes, got {type(data).__name__}"
    data = bytes(data)
    enc = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            enc, data = name, data[len(bom) :]
            break
    if enc is None:
        enc = _bomless_utf16(data) or "utf-8"
    try:
        text = data.decode(enc, errors="strict")
    except UnicodeDecodeError as exc:
        return None, f"not valid {enc} (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
    if "\x00" in text:
        return None, f"binary content (NUL character at offset {text.index(chr(0))})"
    if _SURROGATE.search(text):
        return None, "contains lone surrogate code points"
    return text, enc


def has_bidi_controls(text: str) -> bool:
    """True when ``text`` holds bidirectional override/isolate characters (Trojan-Source style)."""
    return any(c in BIDI_CONTROLS for c in text)


def strip_bidi(text: str) -> tuple[str, int]:
    """``text`` without bidi controls, and how many were removed."""
    n = len(_BIDI_RX.findall(text))
    return (_BIDI_RX.sub("", text) if n else text), n


def _escape_char(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control, bidi, invisible and surrogate character shown as an escape
    (``\\x1b``, ``\\u202e``); tab and newline are kept. For Markdown, HTML and XML text."""
    return _UNSAFE.sub(_escape_char, text)


def _json_escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_safe(json_text: str) -> str:
    """Serialised JSON (``json.dumps(..., ensure_ascii=False)``) with the characters ``visible``
    escapes written as JSON ``\\uXXXX`` escapes. ``json.dumps`` already escapes C0 controls; C1,
    bidi, invisibles and lone surrogates can only occur inside string literals, so the result is
    valid JSON that parses back to the very same strings."""
    return _UNSAFE.sub(_json_escape, json_text)


_URL_SAFE = "!#$%&()*+,-./:;=?@[]_~"


def http_url(url: object) -> str | None:
    """``url`` when it is an http(s) URL, percent-encoded so that no whitespace, control, bidi,
    invisible or markup character (``<>"'`` `` ` `` ``\\``) survives; None for any other scheme
    (``javascript:``, ``data:``, relative paths) — such values are shown as text, never linked."""
    if not isinstance(url, str) or not url[:8].lower().startswith(("https://", "http://")):
        return None
    return quote(url, safe=_URL_SAFE, errors="backslashreplace")


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """Escape control and bidi characters so that printing ``text`` cannot move the cursor,
    change colours, or visually reorder what follows."""
    if not keep_newlines:  # one line: tabs and line breaks are shown as escapes
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    else:
        text = text.replace("\r", "\\r")
    out = visible(text)
    # Other format characters (Cf) such as zero-width joiners are shown, not silently kept.
    if any(unicodedata.category(c) == "Cf" for c in out):
        out = "".join((f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c) for c in out)
    return out


def read_user_text(path: str | Path, *, what: str, max_bytes: int) -> str:
    """Read a file the user named (targets list, report, config ...) as UTF-8 text (a BOM is
    dropped), with a size cap. Every problem is one ``InvalidInput`` line naming the file."""
    p = Path(path)
    try:
        if p.is_dir():
            raise InvalidInput(f"{what} is a folder, not a file: {p}")
        if not p.is_file():
            raise FileMissing(f"no such file: {p}")
        if p.stat().st_size > max_bytes:
            raise InvalidInput(
                f"{what} is larger than {max_bytes // (1024 * 1024) or max_bytes} "
                f"{'MiB' if max_bytes >= 1024 * 1024 else 'bytes'}: {p}"
            )
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is not UTF-8 text (byte {exc.start}): {p}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {p}: {exc.strerror or exc}") from None
