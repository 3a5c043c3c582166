"""Make untrusted text (file names, card prose) safe to print on a terminal or in a table."""
from __future__ import annotations

import re
import unicodedata

# C0/C1 controls (except tab/newline handled by callers), DEL, and bidi/invisible format characters
# that can reorder or hide text on screen (Trojan-Source style).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI + r"]")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """Escape control and bidi characters so that printing ``text`` cannot move the cursor,
    change colours, or visually reorder what follows."""
    if not keep_newlines:
        text = text.replace("\n", "\\n").replace("\r", "\\r")
    else:
        text = text.replace("\r", "\\r")
    out = _UNSAFE.sub(_escape_char, text)
    # Other format characters (Cf) such as zero-width joiners are shown, not silently kept.
    if any(unicodedata.category(c) == "Cf" for c in out):
        out = "".join(
            (f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c) for c in out
        )
    return out
