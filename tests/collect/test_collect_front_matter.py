"""Card front matter is split exactly as huggingface_hub splits it (repocard.REGEX_YAML_BLOCK): blank
lines or spaces before the opening '---' are accepted, and the declared license is not lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from huggingface_hub.repocard import metadata_load

from openaudit.base.parse import split_front_matter
from openaudit.collect.card import parse_card_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from snapmaker import card_only

CASES = [
    "---\nlicense: mit\n---\n# T\n",
    "\n\n---\nlicense: mit\ndatasets: [a]\n---\nbody\n",  # blank lines before the front matter
    "  ---\nlicense: apache-2.0\n---\nx",  # leading spaces
    "\r\n---\r\nlicense: mit\r\n---\r\nbody",
    "---  \nlicense: mit\n---\nx",  # trailing spaces after the opening '---': not front matter
    "---\nlicense: mit\n...\nx",  # '...' does not close it
    "---\nlicense: mit\n--- \t\nx",  # trailing blanks after the closing '---' are fine
    "---\n---\nx",  # an empty block is not matched
    "---\nlicense: mit\n---",  # closing at end of file
    "text\n---\nlicense: mit\n---\n",  # not at the start
    "---\nlicense: mit\nno end\n",  # unterminated
]


@pytest.mark.parametrize("text", CASES)
def test_split_agrees_with_huggingface_hub(tmp_path, text):
    p = tmp_path / "README.md"
    p.write_text(text, newline="")
    hub = metadata_load(p)
    ours = parse_card_text(text)
    assert dict(ours.metadata) == (hub or {})


def test_lines_and_body_after_leading_blank_lines():
    card = parse_card_text("\n\n---\nlicense: mit\ndatasets: [a]\n---\n# Title\nbody\n")
    assert card.key_lines == {"license": 4, "datasets": 5}
    assert card.body_start_line == 7 and card.body.startswith("# Title")
    assert card.sections[0].line == 7
    assert split_front_matter("---\nlicense: mit\n---")[2] == 4


def test_declared_license_survives_a_blank_first_line():
    from openaudit.collect import collect_all
    from openaudit.probes import ProbeContext, run_probes

    snap = card_only(
        "\n---\nlicense: apache-2.0\n---\n# Model\n\nA model card with a blank first line before its metadata.\n"
    )
    f = run_probes(ProbeContext(snap, collect_all(snap)), only={"license.declared", "license.open"})
    assert f["license.declared"].outcome.value == "pass"
    assert f["license.declared"].evidence[0].line == 3
    assert f["license.open"].outcome.value == "pass"


def test_real_cards_with_leading_whitespace_keep_their_metadata(corpus):
    """Cards of the shared corpus whose front matter follows a blank line: huggingface_hub and
    openaudit read the same metadata from every corpus card."""
    cards = sorted((corpus / "model-cards").glob("*.md"))
    leading = 0
    for p in cards:
        text = p.read_text(encoding="utf-8", errors="replace")
        if text.startswith("\ufeff"):
            continue
        if not text.startswith("---") and text.lstrip().startswith("---"):
            leading += 1
        try:
            hub = metadata_load(p)
        except Exception:  # huggingface_hub's plain yaml.safe_load refuses what it refuses
            continue
        ours = parse_card_text(text)
        if ours.problems:
            continue  # openaudit's hardened loader refuses more (aliases, duplicate keys)
        assert dict(ours.metadata) == (hub or {}), p.name
    assert leading >= 1


def test_crlf_and_mangled_cr_cr_lf_line_ends():
    """Cards converted twice end lines with CR CR LF; the metadata is read and lines stay lines."""
    card = parse_card_text("---\r\r\nlicense: mit\r\r\ndatasets:\r\r\n- wikipedia\r\r\n---\r\r\n\r\r\n# Title\r\r\n")
    assert dict(card.metadata) == {"license": "mit", "datasets": ["wikipedia"]}
    assert card.key_lines == {"license": 2, "datasets": 3}
    assert card.sections[0].line == 7 and card.sections[0].title == "Title"
