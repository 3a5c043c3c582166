"""Helpers shared by the collectors: links in the card, boilerplate detection, substance measures,
repository listing state and small pattern searches over the repo's text files.

Pure functions over a Snapshot / CardFacts; no I/O.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from openaudit.collect.card import CardFacts, Section
from openaudit.model import Condition, Evidence, Snapshot

URL_RX = re.compile(r"https?://[^\s<>()\[\]\"'`|]+(?:\([^\s()]*\)[^\s<>()\[\]\"'`|]*)?", re.I)

_CODE_HOSTS = re.compile(
    r"^https?://(?:www\.)?(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org|git\.[\w.-]+|"
    r"huggingface\.co/spaces|sourceforge\.net|gitee\.com)/",
    re.I,
)
_PAPER_HOSTS = re.compile(
    r"^https?://(?:www\.|export\.)?(arxiv\.org/(abs|pdf)|aclanthology\.org|aclweb\.org/anthology|"
    r"openreview\.net/(forum|pdf)|doi\.org/|dl\.acm\.org/doi|papers\.nips\.cc|proceedings\.(neurips|mlr)|"
    r"proceedings\.neurips\.cc|jmlr\.org/papers|ieeexplore\.ieee\.org|link\.springer\.com|"
    r"huggingface\.co/papers|semanticscholar\.org/(paper|arxiv)|biorxiv\.org|medrxiv\.org|"
    r"www\.nature\.com/articles|ojs\.aaai\.org|openaccess\.thecvf\.com)",
    re.I,
)
_DATASET_HOST = re.compile(r"^https?://(?:www\.)?huggingface\.co/datasets/([\w.\-]+(?:/[\w.\-]+)?)", re.I)
_WANDB = re.compile(
    r"^https?://(?:www\.)?(wandb\.ai|api\.wandb\.ai|tensorboard\.dev|comet\.(ml|com)|neptune\.ai)/", re.I
)

# Names of well-known public datasets (training-data sections, link texts).
KNOWN_DATA = re.compile(
    r"\b(common ?crawl|c4|the pile|pile|redpajama|refinedweb|dolma|fineweb|slimpajama|wikipedia|"
    r"bookcorpus|books3|stack ?exchange|openwebtext|laion[-\w]*|imagenet[-\w]*|"
    r"coco|ms ?marco|squad|snli|mnli|multi_?nli|librispeech|common ?voice|oscar|mc4|cc100|"
    r"the stack|starcoderdata|ultrachat|sharegpt|alpaca|openhermes|openorca|dolly|oasst\w*|"
    r"opus|wmt\d*|tatoeba|flores|gigaword|natural questions|trivia ?qa|s2orc|pubmed|"
    r"roots|tulu[-\w]*|slimorca|ultrafeedback|wikitext|cnn/?daily ?mail|xsum|reddit|cc-?news)\b",
    re.I,
)

# What a link is *for*, judged from its own line (and the URL path). First match wins per purpose.
PURPOSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "training",
        re.compile(
            r"(?<!post-)(?<!post )\b(train(ing|ed)?|fine-?tun(e|ed|ing)|pre-?train(ing|ed)?|recipe|reproduce|"
            r"distill\w*|sft|rlhf|dpo|axolotl|llama-?factory|megatron|nanogpt|olmo|trl)\b",
            re.I,
        ),
    ),
    ("evaluation", re.compile(r"\b(eval\w*|benchmark\w*|lm-evaluation-harness|harness|leaderboard|mteb)\b", re.I)),
    (
        "preprocessing",
        re.compile(
            r"\b(pre-?process\w*|data[- ]?(pipeline|processing|prep\w*|curation|cleaning)|"
            r"filter(ing)?|dedup\w*|tokeni[sz]ation|crawl\w*|dolma|datatrove)\b",
            re.I,
        ),
    ),
    (
        "inference",
        re.compile(
            r"\b(inference|demo|serv(e|ing)|deploy\w*|usage|quickstart|run(ning)?|generate|"
            r"api|example)\b",
            re.I,
        ),
    ),
)

# (trigger substring, pattern): a pattern runs only when its trigger occurs (lower-cased) — fast on big cards.
_BOILER_PARTS: tuple[tuple[str, str], ...] = (
    ("more information needed", r"\[?more information needed\]?"),
    ("[optional]", r"\[optional\]"),
    ("{{", r"\{\{.*?\}\}"),
    ("provide a", r"provide a (quick|longer) summary"),
    ("this is the model card of", r"this is the model card of a 🤗 transformers model"),
    ("automatically generated", r"this model card has been automatically generated"),
    ("should be made aware", r"users \(both direct and downstream\) should be made aware"),
    ("use the code below", r"use the code below to get started"),
    ("carbon emissions can be", r"carbon emissions can be estimated using"),
    ("tbd", r"\bTBD\b"),
    ("todo", r"\bTODO\b"),
    ("coming soon", r"coming soon"),
    ("to be ", r"to be (added|updated|released)"),
    ("more detail", r"\(more details? (to come|soon)\)"),
    ("n/a", r"^\s*n/a\.?\s*$"),
    ("**", r"^\s*-?\s*\*\*\w[\w ()/]*:\*\*\s*$"),
)
_BOILER_RX = tuple((t, re.compile(p, re.I | re.M)) for t, p in _BOILER_PARTS)
BOILERPLATE = re.compile("|".join(p for _, p in _BOILER_PARTS), re.I | re.M)


def _sub_boilerplate(text: str) -> str:
    low = text.lower()
    for trigger, rx in _BOILER_RX:
        if trigger in low:
            text = rx.sub(" ", text)
    return text


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_WORD = re.compile(r"[^\W\d_][\w'-]*", re.U)


@dataclass(frozen=True)
class Link:
    url: str
    line: int | None  # card file line
    text: str  # the whole line it sits on (stripped)
    kind: str  # "code" | "paper" | "dataset" | "tracking" | "other"
    purposes: tuple[str, ...]  # training/evaluation/preprocessing/inference/data/model, judged from its sentence
    sentence: str = ""  # the sentence of the line that holds the link
    anchor: str = ""  # the link's text when written as [text](url)

    def evidence(self, path: str | None) -> Evidence:
        return Evidence(kind="url", path=path, line=self.line, url=self.url, snippet=short(self.text, 200))


_REPO = re.compile(
    r"^https?://(?:www\.)?(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org|gitee\.com|huggingface\.co/spaces)/"
    r"([\w.-]+)/([\w.-]+?)(?:\.git)?(?:[/#?]|$)",
    re.I,
)


def repo_key(url: str) -> str:
    """The repository a code link points into (``github.com/owner/name``), for counting repositories
    rather than links; the URL itself when it is not a recognisable repository link."""
    m = _REPO.match(url)
    return f"{m.group(1)}/{m.group(2)}/{m.group(3)}".lower() if m else url


def plural(n: int, word: str) -> str:
    """``n`` and ``word`` in the right number: 1 code repository, 2 code repositories, 2 indexes."""
    if n == 1:
        return f"{n} {word}"
    low = word.lower()
    if low.endswith("y") and low[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{n} {word[:-1]}ies"
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return f"{n} {word}es"
    return f"{n} {word}s"


def short(s: str, n: int = 160) -> str:
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[: n - 1] + "…"


def clean_url(url: str) -> str:
    return url.rstrip(".,;:!?*_'\"")


def link_kind(url: str) -> str:
    if _CODE_HOSTS.match(url) and not url.split("?", 1)[0].split("#", 1)[0].lower().endswith(
        ".pdf"
    ):  # a PDF is a document
        return "code"
    if _PAPER_HOSTS.match(url):
        return "paper"
    if _DATASET_HOST.match(url):
        return "dataset"
    if _WANDB.match(url):
        return "tracking"
    return "other"


_QUANT = re.compile(r"\b(quantiz\w*|quantis\w*|gptq|awq|gguf|ggml|exllama\w*|ptq)\b", re.I)


# A link whose text names a dataset points at data; one whose text names a model ("GLM-4-9B",
# "Llama 2 7B") points at a model (e.g. the base model "continually trained on the [X]"), not at code.
_MODEL_NAME = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?[BbMm](?![\w])|-(?:base|instruct|chat)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[*(<])")


def link_purposes(url: str, line_text: str, anchor: str = "") -> tuple[str, ...]:
    if anchor and KNOWN_DATA.search(anchor) and not _CODE_WORD.search(anchor):
        return ("data",)
    if anchor and _MODEL_NAME.search(anchor) and not _CODE_WORD.search(anchor):
        return ("model",)
    probe_text = line_text + " " + re.sub(r"[/_\-.]", " ", url.split("://", 1)[-1])
    if _QUANT.search(probe_text):  # quantisation tools and recipes are inference tooling, not training code
        return ("inference",)
    return tuple(name for name, rx in PURPOSES if rx.search(probe_text))


_CODE_WORD = re.compile(
    r"\b(code|codebase|repo(sitory)?|github|scripts?|implementation|library|framework|toolkit|"
    r"q?lora|peft|train\w*|fine-?tun\w*|recipes?)\b",
    re.I,
)


# Code announced for later is not published: "(Pre-training code coming out soon!)", "will be released".
PROMISED = re.compile(
    r"\bcoming (?:out )?soon\b|\bwill be (?:released|published|made (?:publicly )?available|open[- ]sourced)\b|"
    r"\bto be (?:released|published|open[- ]sourced)\b|\bnot yet (?:released|available|public)\b|"
    r"\b(?:release|publish)\w* (?:it |them )?(?:later|soon|in the future)\b",
    re.I,
)
# The model's code, presented as such: "- **Code:** [repo](...)", "Source code is available at ...".
_CODE_STATEMENT = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*(?:source\s+)?code\s*(?:\*\*|__)?\s*:|"
    r"\b(?:source|our|the|full|complete|all(?: of)?(?: the)?) code\b[^.]{0,60}?\b(?:is|are|has been|have been)\s+"
    r"(?:now\s+)?(?:publicly\s+|openly\s+)?(?:available|released|published|open[- ]sourced)\b",
    re.I,
)


# General training frameworks: a model "built with" one links a supporting library, not its own
# training code and configuration (MOF keeps "supporting libraries and tools" apart from training code).
TRAINING_FRAMEWORKS = re.compile(
    r"github\.com/(?:hiyouga/LLaMA-Factory|OpenAccess-AI-Collective/axolotl|axolotl-ai-cloud/axolotl|"
    r"unslothai/unsloth|microsoft/DeepSpeed|NVIDIA/(?:Megatron-LM|NeMo)|pytorch/torchtune|"
    r"Lightning-AI/(?:lit-gpt|litgpt)|modelscope/(?:ms-)?swift|OpenRLHF/OpenRLHF|"
    r"huggingface/(?:nanotron|autotrain-advanced)|CarperAI/trlx)(?:\.git|/blob/.*|/tree/.*)?/?(?:[#?].*)?$",
    re.I,
)


# "- **Library:** [X](...)": the library the model was built with (a model card template field)
_LIBRARY_LABEL = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*library\s*(?:\*\*|__)?\s*:", re.I)


def _framework(sentence: str, anchor: str) -> tuple[str, ...]:
    """("framework",) for a link to a general library the model was built with: "pretrained using the
    [CoreNet](...) library", "with the [GPT-NeoX framework](...)" - a supporting library, not the
    model's own training code and configuration."""
    if not anchor or re.search(r"\btrain", anchor, re.I):  # "[EasyLM: training and serving framework]": training code
        return ()
    if _LIBRARY_LABEL.search(sentence):
        return ("framework",)
    plain = _MD_LINK.sub(r"\1", sentence)
    rx = re.escape(anchor) + r"(?:\s+(?:library|framework|toolkit)\b)"
    if re.search(r"\b(?:library|framework|toolkit)\b", anchor, re.I) or re.search(rx, plain, re.I):
        return ("framework",)
    return ()


def _sentence_of(line: str, start: int) -> str:
    """The sentence of ``line`` that holds position ``start``."""
    begin = 0
    for m in _SENTENCE_END.finditer(line):
        if m.end() > start:
            return line[begin : m.start()].strip()
        begin = m.end()
    return line[begin:].strip()


_HTML_ANCHOR = re.compile(r"""^[^"'>]*["']?[^>]*>(.*?)</a\s*>""", re.I | re.S)


def _anchor_of(line: str, start: int) -> str:
    """The text of a Markdown link ``[text](url)`` or an HTML ``<a href="url">text</a>`` at ``start``."""
    if start >= 2 and line[start - 1] == "(" and line[start - 2] == "]":
        i = line.rfind("[", 0, start - 2)
        if i >= 0:
            return line[i + 1 : start - 2].strip()
    if re.search(r"href\s*=\s*[\"']?$", line[max(0, start - 8) : start], re.I):
        m = _HTML_ANCHOR.match(line[start:])
        if m:
            return re.sub(r"<[^>]*>", " ", m.group(1)).strip()
    return ""


# A link that is what the model was trained on is data: "finetuned on a mixture of [Baize](github...)",
# "fine-tuned on a [~15K record instruction corpus](github.../data)".
_TRAINED_ON = re.compile(
    r"\b(?:pre-?trained|trained|fine-?tuned|finetuned|tuned)\s+on\s+(?!top\b)(?:[^.]{0,50}?\b(?<!top )(?:of|from)\s+)?"
    r"(?:(?:a|an|the|our|its)\s+)?$",
    re.I,
)


def words_before(line: str, start: int) -> str:
    """The text of ``line`` before the link that starts at ``start`` (a bare URL, or the URL of a Markdown
    ``[text](url)``, whose ``[`` is where it begins), with earlier Markdown links reduced to their text."""
    before = line[:start]
    if before.endswith("]("):
        before = before[: max(before.rfind("[", 0, len(before) - 2), 0)]
    return _MD_LINK.sub(r"\1", before)


def _trained_on(line: str, start: int, sentence: str) -> bool:
    """The link at ``start`` is the object of "trained / fine-tuned on …" in its sentence."""
    head = words_before(line, start)[-120:]
    plain = _MD_LINK.sub(r"\1", sentence)
    return bool(_TRAINED_ON.search(head)) and head.strip()[-40:] in plain


def card_links(card: CardFacts) -> tuple[Link, ...]:
    """Every http(s) link in the card body (code fences included), with its line and classification."""
    return _links(card.body, card.body_start_line)


def code_statements(card: CardFacts) -> list[tuple[int, str]]:
    """Card lines stating that the model's code is released ("All of the code ... are publicly available",
    "Source code is available at ..."), outside code fences."""
    return [(ln, text) for ln, text in card.grep(_CODE_STATEMENT, sections=None) if not PROMISED.search(text)][:3]


@functools.lru_cache(maxsize=16)
def _links(body: str, body_start_line: int) -> tuple[Link, ...]:
    out: list[Link] = []
    seen: set[tuple[str, int]] = set()
    for i, ln in enumerate(body.splitlines()):
        if "http" not in ln:
            continue
        for m in URL_RX.finditer(ln):
            url = clean_url(m.group(0))
            lineno = body_start_line + i
            if (url, lineno) in seen:
                continue
            seen.add((url, lineno))
            sentence, anchor = _sentence_of(ln, m.start()), _anchor_of(ln, m.start())
            # the link's purpose is judged from its own sentence; the whole line when that says nothing
            purposes = (
                (
                    ("promised",)
                    if PROMISED.search(sentence)
                    else ("framework",)
                    if TRAINING_FRAMEWORKS.search(url)
                    else _framework(sentence, anchor)
                )
                or link_purposes(url, sentence, anchor)
                or link_purposes(url, ln, anchor)
            )
            if not purposes and _CODE_STATEMENT.search(sentence):  # "Source code is available at ...", "**Code:** ..."
                purposes = ("training",)
            if "promised" not in purposes and _trained_on(ln, m.start(), sentence):
                purposes = ("data",)
            out.append(
                Link(
                    url=url,
                    line=lineno,
                    text=ln.strip(),
                    kind=link_kind(url),
                    purposes=purposes,
                    sentence=sentence,
                    anchor=anchor,
                )
            )
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def strip_boilerplate(text: str) -> str:
    t = _COMMENT.sub(" ", text)
    t = _MD_LINK.sub(r"\1", t)
    return _sub_boilerplate(t)  # label lines ("**Developed by:**") go last, once their placeholder is gone


@functools.lru_cache(maxsize=4096)
def word_count(text: str) -> int:
    return len(_WORD.findall(strip_boilerplate(text)))


def meaningful_lines(
    card: CardFacts, rx: re.Pattern[str] | str, sections: Iterable[Section] | None = None, limit: int = 5
) -> list[tuple[int, str]]:
    """Card lines matching ``rx`` that are not template boilerplate."""
    out = []
    for ln, text in card.grep(rx, sections=sections):
        if BOILERPLATE.search(text) and word_count(text) < 4:
            continue
        out.append((ln, text))
        if len(out) >= limit:
            break
    return out


def listing_complete(snapshot: Snapshot) -> tuple[bool, str]:
    """Whether the repository's file list and files could be observed. (False, reason) when not."""
    for n in snapshot.notes:
        if n.code is Condition.ACCESS_DENIED or (n.code is Condition.TREE_UNLISTED and not snapshot.files):
            return False, n.message
    if not snapshot.files and not snapshot.texts:
        return False, "no files could be listed"
    return True, ""


_CARD_FILES = re.compile(r"^(readme|model_card|modelcard)\.md$|^\.gitattributes$|^\.gitignore$", re.I)


def card_only(snapshot: Snapshot) -> tuple[bool, str]:
    """(True, why) for a local folder that holds nothing but a model card: the repository's other
    files were not observed (a card captured on its own), so their absence says nothing. Hub
    snapshots carry the full file tree and are never card-only."""
    if snapshot.target.source == "hub" or not snapshot.files:
        return False, ""
    if all(_CARD_FILES.match(f.path) for f in snapshot.files):
        return True, "only a model card is present (a card-only folder): the repository's other files were not observed"
    return False, ""


def files_readable(snapshot: Snapshot) -> tuple[bool, str]:
    for n in snapshot.notes_with(Condition.ACCESS_DENIED):
        return False, n.message
    return True, ""


def note_evidence(snapshot: Snapshot, *codes: Condition) -> list[Evidence]:
    """Evidence for the snapshot's notes with any of ``codes``."""
    return [Evidence(kind="note", path=n.path, snippet=short(n.message, 200)) for n in snapshot.notes_with(*codes)]


def absence(searched: str, path: str | None = None) -> Evidence:
    return Evidence(kind="absence", path=path, snippet=short("searched: " + searched, 300))
