"""The collator's pad token, read from the tokenizer files a Trainer checkpoint holds (JSON only)."""

from __future__ import annotations

import json

import pytest

from openaudit.errors import InvalidDocument
from openaudit.verify import data as vdata
from openaudit.verify.paths import Root
from openaudit.verify.tokenizer import pad_token


def _write(folder, **files):
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in files.items():
        (folder / f"{name}.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))


WORDLEVEL = {"added_tokens": [{"id": 5, "content": "<pad>"}], "model": {"type": "WordLevel", "vocab": {"a": 7}}}


@pytest.mark.parametrize(
    "files, expect",
    [
        ({"tokenizer_config": {"pad_token": "<pad>"}, "tokenizer": WORDLEVEL}, (5, "right")),
        # an AddedToken mapping, the id from added_tokens_decoder (transformers 4), left padding
        (
            {
                "tokenizer_config": {
                    "pad_token": {"__type": "AddedToken", "content": "<p>"},
                    "added_tokens_decoder": {"3": {"content": "<p>", "special": True}},
                    "padding_side": "left",
                }
            },
            (3, "left"),
        ),
        # pad named only in special_tokens_map.json; the id from the model vocabulary
        ({"special_tokens_map": {"pad_token": "a"}, "tokenizer": WORDLEVEL}, (7, "right")),
        # Unigram: the vocabulary is a list of [piece, score]; the id is the index
        (
            {
                "tokenizer_config": {"pad_token": "<pad>"},
                "tokenizer": {"model": {"vocab": [["<unk>", 0], ["<pad>", 0]]}},
            },
            (1, "right"),
        ),
    ],
)
def test_the_pad_token_id_and_side_are_read(tmp_path, files, expect):
    _write(tmp_path / "checkpoint-10", **files)
    tok = pad_token(Root.of(tmp_path), "checkpoint-10")
    assert tok is not None and (tok.token_id, tok.side) == expect and tok.source.startswith("checkpoint-10/")


def test_no_tokenizer_or_no_pad_token_is_none(tmp_path):
    assert pad_token(Root.of(tmp_path), "") is None
    _write(tmp_path, tokenizer_config={"eos_token": "</s>"}, tokenizer=WORDLEVEL)
    assert pad_token(Root.of(tmp_path), "") is None


def test_a_pad_token_without_an_id_says_so(tmp_path):
    _write(tmp_path, tokenizer_config={"pad_token": "<nowhere>"}, tokenizer=WORDLEVEL)
    tok = pad_token(Root.of(tmp_path), "")
    assert tok is not None and tok.token_id is None and "'<nowhere>', which has no id in tokenizer.json" in tok.problem


def test_an_unreadable_tokenizer_file_is_an_error_not_a_guess(tmp_path):
    _write(tmp_path, tokenizer_config="{not json")
    with pytest.raises(InvalidDocument):
        pad_token(Root.of(tmp_path), "")


def _ids(batch):
    return {k: v.tolist() for k, v in batch.items()}


def test_collate_as_the_language_modelling_collator():
    rows = [{"input_ids": [4, 0, 6]}, {"input_ids": [7]}]
    right = _ids(vdata.collate(rows, vdata.Collator(0), "d"))
    assert right == {
        "input_ids": [[4, 0, 6], [7, 0, 0]],
        "attention_mask": [[1, 1, 1], [1, 0, 0]],
        "labels": [[4, -100, 6], [7, -100, -100]],  # every pad-id token is masked, as the collator does
    }
    left = _ids(vdata.collate(rows, vdata.Collator(0, side="left"), "d"))
    assert left["input_ids"][1] == [0, 0, 7] and left["attention_mask"][1] == [0, 0, 1]
    same = [{"input_ids": [4, 0]}, {"input_ids": [0, 5]}]
    assert _ids(vdata.collate(same, vdata.Collator(0), "d"))["labels"] == [[4, -100], [-100, 5]]
    assert _ids(vdata.collate(same, vdata.Collator(0, mask=False), "d"))["labels"] == [[4, 0], [0, 5]]
    assert _ids(vdata.collate(same, vdata.Collator(), "d"))["labels"] == [[4, 0], [0, 5]]


def test_collate_refuses_what_it_cannot_know():
    from openaudit.verify.codes import Code, ReplayGap

    with pytest.raises(ReplayGap) as gap:
        vdata.collate([{"input_ids": [1, 2]}, {"input_ids": [3]}], vdata.Collator(), "d")
    assert gap.value.code is Code.DATA_LAYOUT
    with pytest.raises(ReplayGap):  # equal rows without labels: the unknown pad id decides the labels
        vdata.collate([{"input_ids": [1, 2]}], vdata.Collator(unknown="pad token '<x>' has no id"), "d")
    rows = [{"input_ids": [1, 2], "labels": [1, 2]}]  # rows with their own labels do not need it
    assert _ids(vdata.collate(rows, vdata.Collator(unknown="no id"), "d"))["labels"] == [[1, 2]]
