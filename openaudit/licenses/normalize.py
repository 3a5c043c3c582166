"""License text normalisation in the spirit of the SPDX matching guidelines, and fingerprints.

The same functions build the shipped index (``scripts/build_license_index.py``) and analyse a text
at identification time, so both sides always agree. Pure standard library (no numpy): the audit
path must stay light.

* case-folded; bidi/control characters removed; "licence"/"license" and a few other equivalent
  spellings unified; quotes, markdown/HTML markup, list bullets and numbering dropped
* copyright / "all rights reserved" lines dropped; URLs keep host and path only (http == https)
* tokens are runs of letters/digits; sentences split on sentence punctuation and blank lines
* fingerprints: 32-bit CRC of word 5-grams (shingles), CRC of each sentence, a digest of the whole
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass

from openaudit.base.text import strip_bidi

SHINGLE = 5
NOTICE_LINE_WORDS = 12  # a line starting with a notice and at most this many more words is a notice line
NOTICE_WORDS = 6  # words after "Copyright (c)" taken as year + holder when a notice sits inside a paragraph

# Invisible format characters (Trojan-Source style tricks); bidi controls: openaudit.base.text.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")

# SPDX "equivalent words" (subset) + British/American spellings seen in license texts.
_EQUIV = {
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "licencing": "licensing",
    "licensor's": "licensor",
    "acknowledgment": "acknowledgement",
    "analogue": "analog",
    "authorisation": "authorization",
    "authorised": "authorized",
    "behaviour": "behavior",
    "centre": "center",
    "favour": "favor",
    "labelled": "labeled",
    "offence": "offense",
    "organisation": "organization",
    "percent": "per cent",
    "practise": "practice",
    "sub-license": "sublicense",
    "sub license": "sublicense",
    "whilst": "while",
    "copyright holder": "copyright owner",
    "fulfill": "fulfil",
    "utilise": "utilize",
}
_EQUIV_RX = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(_EQUIV, key=len, reverse=True)) + r")\b")

# A copyright *notice* (not the word): "Copyright (c)", "Copyright 2020", "Copyright <year>", "(c) 2020", "©".
_NOTICE = r"(?:(?:portions\s+)?copyright\s*(?:\(c\)|©|\d{4}|[<\[{])|\(c\)\s*[\d<\[]|©|all rights reserved)"
_COPYRIGHT_LINE = re.compile(r"^[\s#>*\-•·]*" + _NOTICE, re.IGNORECASE)
_URL = re.compile(r"(?:https?://|ftp://)?(?:www\.)?([a-z0-9][a-z0-9.\-]*\.[a-z]{2,}(?:/[^\s)\]>\"']*)?)", re.IGNORECASE)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_HTML_TAG = re.compile(r"</?[a-z][^<>]{0,200}>", re.IGNORECASE)  # also <placeholders> spanning a line break
_BULLET = re.compile(
    r"^\s*(?:[-*+•·◦▪>#=_~]+|\(?[0-9ivxlc]{1,6}\)|\(?[a-z]\)|[0-9]+(?:\.[0-9]+)*[.)]|[0-9]+(?:\.[0-9]+)+|[a-z]\.)\s+",
    re.IGNORECASE,
)
# Enumeration markers anywhere (re-wrapped texts carry them mid-line): "1.", "1.4.", "(a)", "a)", "iv)".
_ENUM = re.compile(
    r"(?<![\w.])(?:\(?[0-9]{1,3}(?:\.[0-9]{1,3})*[.)]|\([a-z0-9]{1,4}\)|[a-z]\)|[ivxl]{1,5}\)|[a-z]\.)(?=\s|$)"
)
_COPYRIGHT_C = re.compile(r"copyright\s*\(c\)")
_NOTICE_INLINE = re.compile(r"(?<![\w/])" + _NOTICE, re.IGNORECASE)
_SENT_END = re.compile(r"(?<=[.;!?:])\s+|\n\s*\n")
_RULE = re.compile(r"[=\-_*~#+]{3,}")  # setext underlines, horizontal rules, ascii boxes
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+", re.UNICODE)  # CJK: one token per character


@dataclass(frozen=True)
class Normalized:
    tokens: tuple[str, ...]
    sentences: tuple[tuple[str, ...], ...]  # token tuples, in order
    raw_sentences: tuple[str, ...]  # the (cleaned, human-readable) sentence text, same order
    bidi: int  # number of bidi control characters removed

    @property
    def digest(self) -> str:
        return hashlib.sha1(" ".join(self.tokens).encode("utf-8")).hexdigest()[:20]


def _clean_line(line: str) -> str:
    line = _MD_LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", line)
    line = _RULE.sub(" ", line)
    prev = None
    while prev != line:  # nested bullets / numbering like "1. (a) "
        prev = line
        line = _BULLET.sub("", line, count=1)
    return line


def normalize(text: str) -> Normalized:
    """Normalise a license text (any size the caller allows) into tokens and sentences."""
    text, nbidi = strip_bidi(text)
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    kept: list[str] = []
    for line in text.split("\n"):
        m = _COPYRIGHT_LINE.match(line)
        if m:
            rest = line[m.end() :].split()
            if len(rest) <= NOTICE_LINE_WORDS:
                kept.append("")  # a notice line (year + holder): dropped, paragraph break kept
                continue
            line = " ".join(rest[NOTICE_WORDS:])  # a notice opening a paragraph: drop year + holder only
        kept.append(_clean_line(line))
    body = _HTML_TAG.sub(" ", "\n".join(kept)).lower()
    body = _URL.sub(lambda m: " " + m.group(1).rstrip(".,;:").replace("/", " ") + " ", body)
    body = _EQUIV_RX.sub(lambda m: _EQUIV[m.group(1)], body)
    body = _COPYRIGHT_C.sub("copyright ©", body)  # keep "(c)" of a notice from being read as a list marker
    body = _ENUM.sub(" ", body)
    sentences: list[tuple[str, ...]] = []
    raws: list[str] = []
    tokens: list[str] = []
    for chunk in _SENT_END.split(body):
        m = _NOTICE_INLINE.search(chunk)
        if m:  # a copyright notice merged into a paragraph (re-wrapped text): drop it up to the line
            # end, at most NOTICE_WORDS words (year + holder), keeping what follows
            rest = chunk[m.end() :]
            nl = rest.find("\n")
            words = list(re.finditer(r"\S+", rest if nl < 0 else rest[:nl]))
            cut = m.end() + (words[min(len(words), NOTICE_WORDS) - 1].end() if words else 0)
            chunk = chunk[: m.start()] + " " + chunk[cut:]
        toks = tuple(_TOKEN.findall(chunk))
        if not toks:
            continue
        sentences.append(toks)
        raws.append(" ".join(chunk.split())[:300])
        tokens.extend(toks)
    return Normalized(tokens=tuple(tokens), sentences=tuple(sentences), raw_sentences=tuple(raws), bidi=nbidi)


def crc(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) & 0xFFFFFFFF


def shingles(tokens: tuple[str, ...] | list[str], k: int = SHINGLE) -> list[int]:
    """CRC32 of every word k-gram (in order, duplicates kept); a short text is one shingle."""
    if not tokens:
        return []
    if len(tokens) < k:
        return [crc(" ".join(tokens))]
    return [crc(" ".join(tokens[i : i + k])) for i in range(len(tokens) - k + 1)]


def sentence_hash(tokens: tuple[str, ...]) -> int:
    return crc(" ".join(tokens))


def sample(hashes, modulus: int) -> set[int]:
    """Deterministic sampling shared by index and query: keep hashes divisible by ``modulus``."""
    if modulus <= 1:
        return set(hashes)
    return {h for h in hashes if h % modulus == 0}
