"""The pad token of the tokenizer a Trainer run saved with its checkpoints, read as JSON (nothing is built).

``DataCollatorForLanguageModeling(mlm=False)`` makes the labels of rows that have none: the inputs, with
every token equal to the tokenizer's pad token set to -100, and pads rows of unequal length on the
tokenizer's ``padding_side``. The Trainer saves that tokenizer with each checkpoint
(``tokenizer_config.json`` and ``tokenizer.json``; transformers 5 also when it only came with the
collator). The pad token is named in ``tokenizer_config.json`` (or ``special_tokens_map.json``) and its id
is looked up in ``added_tokens_decoder``, ``tokenizer.json``'s ``added_tokens``, then its model vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.verify.paths import Root
from openaudit.verify.recipe import read_json

MAX_TOKENIZER_BYTES = 64 << 20  # a real tokenizer.json is a few MB (Llama 3: 9 MB)
CONFIG_NAMES = ("tokenizer_config.json", "special_tokens_map.json")


@dataclass(frozen=True)
class PadToken:
    token_id: int | None  # None: the tokenizer names a pad token whose id could not be read
    side: str  # "right" or "left"
    source: str  # the file that named it
    problem: str = ""  # why token_id is None


def _content(value: Any) -> str | None:
    """A special token as tokenizer files write it: a string or an AddedToken mapping."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return str(value["content"])
    return None


def _read(root: Root, rel: str, cap: int) -> dict[str, Any] | None:
    if not root.is_file(rel):
        return None
    doc = read_json(root.path(rel), cap)
    if not isinstance(doc, dict):
        raise InvalidDocument(f"{rel}: not a JSON object")
    return doc


def _id_in_tokenizer_json(doc: dict[str, Any], token: str) -> int | None:
    for added in doc.get("added_tokens") or ():
        if isinstance(added, dict) and added.get("content") == token and isinstance(added.get("id"), int):
            return int(added["id"])
    vocab = (doc.get("model") or {}).get("vocab") if isinstance(doc.get("model"), dict) else None
    if isinstance(vocab, dict) and isinstance(vocab.get(token), int):
        return int(vocab[token])
    if isinstance(vocab, list):  # Unigram: [[piece, score], ...], the id is the index
        for i, entry in enumerate(vocab):
            if isinstance(entry, list) and entry and entry[0] == token:
                return i
    return None


def pad_token(root: Root, folder: str) -> PadToken | None:
    """The pad token of the tokenizer saved in ``folder`` (a checkpoint), or None when no tokenizer
    there names one. Raises InvalidDocument for a tokenizer file that cannot be read."""
    prefix = f"{folder}/" if folder else ""
    token, side, source, config = None, "right", "", None
    for name in CONFIG_NAMES:
        doc = _read(root, prefix + name, MAX_TOKENIZER_BYTES)
        if doc is None:
            continue
        if config is None and name == "tokenizer_config.json":
            config = doc
            if isinstance(doc.get("padding_side"), str):
                side = doc["padding_side"]
        if token is None and _content(doc.get("pad_token")) is not None:
            token, source = _content(doc.get("pad_token")), prefix + name
    if token is None:
        return None
    for key, value in ((config or {}).get("added_tokens_decoder") or {}).items():
        if _content(value) == token and str(key).isdigit():
            return PadToken(int(key), side, source)
    doc = _read(root, prefix + "tokenizer.json", MAX_TOKENIZER_BYTES)
    found = _id_in_tokenizer_json(doc, token) if doc is not None else None
    if found is not None:
        return PadToken(found, side, source)
    where = f"{prefix}tokenizer.json" if doc is not None else f"a {prefix}tokenizer.json"
    return PadToken(None, side, source, f"{source} names the pad token {token[:40]!r}, which has no id in {where}")
