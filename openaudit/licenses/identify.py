"""Identify a license text: exact fingerprint match first, then shingle similarity, then a
sentence-level comparison that tells a known license apart from a modified one.

Decision rules (calibrated on the SPDX + AI corpus, see notes/license.md):

* exact: the normalised text's digest equals a reference's -> that id, confidence 1.0
  (several ids sharing one text, e.g. GPL-2.0-only/-or-later, are listed in ``alternatives``
  and confidence is split honestly)
* the reference whose word-5-gram set best matches (Dice) is the candidate; it is accepted only
  when it covers >= ``MIN_REF_COVERAGE`` of the reference -> same license, or ``modified`` when
  sentences were added/removed beyond formatting noise
* otherwise ``unknown`` — never the nearest license. The family is reported only when the text
  still resembles a reference strongly (>= ``FAMILY_COVERAGE``).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from openaudit.errors import InvalidInput
from openaudit.licenses.facts import CLOSED_CATEGORIES, RESTRICTED_OPEN_WEIGHTS, lookup
from openaudit.licenses.index import LicenseIndex, load_index
from openaudit.licenses.normalize import (
    SHINGLE,
    Normalized,
    normalize,
    sample,
    sentence_hash,
    shingles,
)

MAX_BYTES = 2 * 1024 * 1024
MIN_REF_COVERAGE = 0.80  # share of the reference's shingles found in the text
MIN_TEXT_COVERAGE = 0.85  # share of the text's shingles found in the reference
WHOLE_REF_COVERAGE = 0.95  # the whole reference is present: accept more added text (as "modified") ...
WHOLE_REF_TEXT_COVERAGE = 0.60  # ... as long as most of the text is still the reference's
FAMILY_COVERAGE = 0.55  # below the above: unknown, but a restricted license's family is reported
FAMILY_TEXT_COVERAGE = 0.60
ADDED_WORDS_MODIFIED = 6  # uncovered words in added sentences that make a text "modified"
REMOVED_WORDS_MODIFIED = 12  # reference words missing that make a text "modified" ...
REMOVED_SHARE_MODIFIED = 0.03  # ... and at least this share of the reference
_COVERED = 0.5  # a text sentence with at least this share of known shingles is the reference's


def _is_open(license_id: str) -> bool:
    """False only for licenses known to be restricted (RAIL, community, non-commercial, research...)."""
    info = lookup(license_id)
    return info is None or info.category not in (RESTRICTED_OPEN_WEIGHTS | CLOSED_CATEGORIES)


_NO_SIMILARITY = {"reference_coverage": 0.0, "text_coverage": 0.0}


def _result(
    id_: str,
    family: str | None,
    confidence: float,
    match: str,
    *,
    reason: str,
    bidi_controls: int,
    alternatives: list[str] | None = None,
    similarity: dict[str, float] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Every documented key, always (docs/licenses.md; rubrics/schema/license-identify.schema.json)."""
    return {
        "id": id_,
        "family": family,
        "confidence": round(max(0.0, min(1.0, confidence)), 3),
        "modified": match == "modified",
        "differences": [],
        "match": match,
        "reason": reason,
        "alternatives": list(alternatives or []),
        "similarity": dict(similarity or _NO_SIMILARITY),
        "name": name,
        "bidi_controls": int(bidi_controls),
    }


def _words(n: int, adjective: str = "") -> str:
    word = f"{adjective} word" if adjective else "word"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _name(index: LicenseIndex, license_id: str) -> str | None:
    info = lookup(license_id)
    return info.name if info else None


def _added_sentences(norm: Normalized, index: LicenseIndex, doc_index: int) -> list[dict[str, Any]]:
    """Sentences of the text that are not the reference's: difflib aligns sentence hashes, and a
    sentence outside the aligned runs still counts as the reference's when most of its shingles
    are (re-wrapped, renamed holder, merged sentences)."""
    doc = index.docs[doc_index]
    ref_hashes = [h for h, _ in index.sentences(doc)]
    text_hashes = [sentence_hash(s) for s in norm.sentences]
    sm = difflib.SequenceMatcher(a=ref_hashes, b=text_hashes, autojunk=False)
    added: list[dict[str, Any]] = []
    for tag, _i1, _i2, j1, j2 in sm.get_opcodes():
        if tag in ("equal", "delete"):
            continue
        for j in range(j1, j2):
            toks = norm.sentences[j]
            samp = [h for h in shingles(toks) if doc.mod == 1 or h % doc.mod == 0]
            hits = sum(1 for h in samp if index.contains(doc_index, h))
            if not samp:  # too short to carry a sampled shingle of a long (sampled) reference: not judged
                continue
            known = hits / len(samp)
            if known >= _COVERED or len(toks) <= 2 or _is_heading(norm.raw_sentences[j], toks):
                continue
            added.append({"kind": "added", "text": norm.raw_sentences[j], "words": len(toks)})
    return added


def _is_heading(raw: str, toks: tuple[str, ...]) -> bool:
    """A title or label line ("MIT License", "LICENSE", "Terms:") is formatting, not a clause."""
    return len(toks) <= 6 and not raw.rstrip().endswith((".", ";"))


def identify_normalized(norm: Normalized, index: LicenseIndex | None = None, raw_words: int = 0) -> dict[str, Any]:
    """``raw_words``: words in the text before normalisation (tells an empty text from one that is
    only a copyright notice or a sentence or two: ``too_short``)."""
    index = index or load_index()
    bidi = norm.bidi
    if not norm.tokens and not raw_words:
        return _result("unknown", None, 0.0, "empty", reason="the text is empty (no words)", bidi_controls=bidi)
    exact = index.by_digest.get(norm.digest) if norm.tokens else None
    if exact is not None:
        doc = index.docs[exact]
        alts = list(doc.ids[1:])
        return _result(
            doc.ids[0],
            doc.family,
            1.0 / len(doc.ids),
            "exact",
            alternatives=alts,
            name=_name(index, doc.ids[0]),
            bidi_controls=bidi,
            similarity={"reference_coverage": 1.0, "text_coverage": 1.0},
            reason="normalised text equals the reference"
            + (f"; the text alone cannot tell {', '.join(doc.ids)} apart" if alts else ""),
        )
    shortest = min((d.words for d in index.docs if d.words), default=1)
    if len(norm.tokens) < shortest:
        kept = f"{_words(len(norm.tokens))} of license wording" if norm.tokens else "no license wording"
        return _result(
            "unknown",
            None,
            0.0,
            "too_short",
            bidi_controls=bidi,
            reason=f"too short to identify: {kept} after copyright notices and markup are set aside "
            f"({_words(raw_words)} in all; the shortest known license text has {_words(shortest)})",
        )
    all_sh = shingles(norm.tokens)
    qsets = {m: sample(all_sh, m) for m in (1, 2, 4)}
    counts: dict[int, int] = {}
    for h in qsets[1]:
        for d in index.postings(h):
            counts[d] = counts.get(d, 0) + 1
    best = None  # (dice, ref_cov, text_cov, -doc index)
    for i, inter in counts.items():
        doc = index.docs[i]
        q = qsets.get(doc.mod) or sample(all_sh, doc.mod)
        if not doc.nsh or not q:
            continue
        ref_cov, text_cov = inter / doc.nsh, inter / len(q)
        key = (2 * inter / (doc.nsh + len(q)), ref_cov, text_cov, -i)
        if best is None or key > best:
            best = key
    if best is None:
        return _result(
            "unknown", None, 0.0, "none", reason="no known license text shares wording with it", bidi_controls=bidi
        )
    _, ref_cov, text_cov, neg_i = best
    i = -neg_i
    doc = index.docs[i]
    sim = {"reference_coverage": round(ref_cov, 3), "text_coverage": round(text_cov, 3)}
    whole_ref = ref_cov >= WHOLE_REF_COVERAGE and text_cov >= WHOLE_REF_TEXT_COVERAGE
    if not whole_ref and (ref_cov < MIN_REF_COVERAGE or text_cov < MIN_TEXT_COVERAGE):
        # Not that license. Name the family only for a strong resemblance to a restricted (non-open)
        # license: much extra text around an open license usually means a custom license built on
        # it (e.g. Apache-2.0 plus an acceptable-use policy), which is not the open license.
        family = (
            doc.family
            if (ref_cov >= FAMILY_COVERAGE and text_cov >= FAMILY_TEXT_COVERAGE and not _is_open(doc.ids[0]))
            else None
        )
        why = (
            f"resembles {doc.ids[0]} ({ref_cov:.0%} of its text, {text_cov:.0%} of this text) but is not it"
            if ref_cov >= FAMILY_COVERAGE
            else "no known license is close enough"
        )
        return _result(
            "unknown", family, ref_cov if family else 0.0, "none", similarity=sim, reason=why, bidi_controls=bidi
        )
    added = _added_sentences(norm, index, i)
    added_words = sum(a["words"] for a in added)
    # Missing reference text, estimated from its shingles absent here: a run of W removed words
    # removes about W + 4 shingles (x the sampling modulus).
    inter = round(ref_cov * doc.nsh)
    removed_words = max(0, (doc.nsh - inter) * doc.mod - (SHINGLE - 1))
    diffs = added[:20]
    removed_limit = max(REMOVED_WORDS_MODIFIED, int(REMOVED_SHARE_MODIFIED * doc.words))
    if removed_words >= removed_limit:
        diffs.append(
            {
                "kind": "removed",
                "words": removed_words,
                "text": f"about {_words(removed_words)} of {doc.ids[0]} {'is' if removed_words == 1 else 'are'} missing ({1 - ref_cov:.0%} of its text)",
            }
        )
    modified = added_words >= ADDED_WORDS_MODIFIED or removed_words >= removed_limit
    alts = list(doc.ids[1:])
    conf = min(ref_cov, 1.0) * (0.5 + 0.5 * text_cov) / len(doc.ids)
    res = _result(
        doc.ids[0],
        doc.family,
        conf,
        "modified" if modified else "similar",
        alternatives=alts,
        name=_name(index, doc.ids[0]),
        similarity=sim,
        bidi_controls=bidi,
        reason=(
            f"{doc.ids[0]} with {_words(added_words, 'added')} and {_words(removed_words, 'removed')}"
            if modified
            else f"same wording as {doc.ids[0]} up to formatting"
        ),
    )
    res["differences"] = diffs if modified else []
    return res


def identify_text(text: str) -> dict[str, Any]:
    """Identify a license text. Returns {id, family, confidence, modified, differences[], ...}
    (rubrics/schema/license-identify.schema.json)."""
    if not isinstance(text, str):
        raise InvalidInput("license text must be a string")
    if len(text) > MAX_BYTES:
        raise InvalidInput(f"license text is larger than {MAX_BYTES} characters; not a license file")
    if "\x00" in text:
        raise InvalidInput("license text contains NUL bytes; it is a binary file, not a license")
    return identify_normalized(normalize(text), raw_words=len(text.split()))


def decode_license_bytes(raw: bytes, source: str = "<bytes>") -> str:
    """Decode a license file: UTF-8 (BOM ok), UTF-16/32 with BOM, else Latin-1. Binary -> InvalidInput."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        codec = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif raw.startswith(b"\xef\xbb\xbf"):
        codec = "utf-8-sig"
    else:
        codec = None
    if codec:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            raise InvalidInput(f"{source}: not valid {codec.upper()} text despite its byte-order mark") from None
    if b"\x00" in raw:
        raise InvalidInput(f"{source}: binary file (contains NUL bytes), not a license text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def identify_file(path: str | Path) -> dict[str, Any]:
    """Identify the license text in ``path``. Bad input (missing, directory, binary, > 2 MB,
    undecodable) raises InvalidInput with a one-line message."""
    p = Path(path)
    try:
        if not p.is_file():
            raise InvalidInput(f"{p}: no such file" if not p.exists() else f"{p}: not a regular file")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput(f"{p}: {size} bytes is larger than the {MAX_BYTES}-byte limit for a license file")
        raw = p.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{p}: cannot read: {exc.strerror or exc}") from None
    res = identify_text(decode_license_bytes(raw, str(p)))
    res["path"] = str(p)
    return res
