"""Untrusted text: decoding files without guessing wildly, and escaping what people read.

One set of bidi/invisible controls (``BIDI_CONTROLS``) serves every area: decoding, license
normalisation, terminal/table/markdown/HTML escaping.


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

_SURROGATE = re.compile('[\ud800-\udfff]')

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
# C0/C1 controls (tab and newline are handled by callers), DEL, line/paragraph separators, the bidi set.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + _BIDI_CLASS + r"]")


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


def decode_text(data: bytes) -> tuple[str | None, str]:
    """Decode untrusted bytes as text. Returns ``(text, encoding)`` or ``(None, reason)``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return None, f"expected bytes, got {type(data).__name__}"
    data = bytes(data)
    enc = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            enc, data = name, data[len(bom):]
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
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """Escape control and bidi characters so that printing ``text`` cannot move the cursor,
    change colours, or visually reorder what follows."""
    if not keep_newlines:  # one line: tabs and line breaks are shown as escapes
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    else:
        text = text.replace("\r", "\\r")
    out = _UNSAFE.sub(_escape_char, text)
    # Other format characters (Cf) such as zero-width joiners are shown, not silently kept.
    if any(unicodedata.category(c) == "Cf" for c in out):
        out = "".join((f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c) for c in out)
    return out


def read_user_text(path: str | Path, *, what: str, max_bytes: int) -> str:
    """Read a file the user named (targets list, report, config ...) as UTF-8 text (a BOM is
    dropped), with a size cap. Every problem is one ``InvalidInput`` line naming the file."""
    from openaudit.errors import InvalidInput

    p = Path(path)
    try:
        if not p.is_file():
            raise InvalidInput(f"{what} not found or not a file: {p}")
        if p.stat().st_size > max_bytes:
            raise InvalidInput(f"{what} is larger than {max_bytes // (1024 * 1024) or max_bytes} "
                               f"{'MiB' if max_bytes >= 1024 * 1024 else 'bytes'}: {p}")
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is not UTF-8 text (byte {exc.start}): {p}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {p}: {exc.strerror or exc}") from None
