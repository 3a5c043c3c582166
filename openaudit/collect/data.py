"""Training data: declared datasets (``datasets:`` metadata, Hub dataset links), training-data
sections of the card with a substance measure, statements that the data is private, dataset
availability (from the source's ``datasets_info`` when it gives one), data cards / datasheets and
evaluation datasets from ``model-index``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openaudit.collect import links as link_facts
from openaudit.collect.card import CardFacts, Section
from openaudit.collect.common import KNOWN_DATA, card_links, short, strip_boilerplate, word_count, words_before
from openaudit.model import Evidence, Snapshot

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}(/[A-Za-z0-9][\w.\-]{0,95})?$")
DATA_SECTION = re.compile(
    r"(training|pre-?training|fine-?tuning|train)[\s-]*(data|dataset|corpus|corpora|mixture)|"
    r"^data(sets?)?$|^datasets? used|data (sources?|collection|mixture|composition|overview|pipeline|processing|preparation|curation)|"
    r"^(training|pretraining) (set|material)|^corpus|^dataset",
    re.I,
)
SIZE_RX = re.compile(
    r"\b\d[\d,.]*\+?\s*(k|m|b|t|thousand|million|billion|trillion)?\s*(tokens?|words|sentences|pairs|"
    r"examples|samples|images|hours|documents|docs|conversations|instructions|GB|TB|MB|GiB|TiB|"
    r"rows|utterances|files|lines|texts)\b|\b\d+(\.\d+)?\s*(B|T|M)\s+tokens\b|\b\d+(\.\d+)?\s*%",
    re.I,
)
FILTER_RX = re.compile(
    r"\b(filter\w*|dedup\w*|clean\w*|decontaminat\w*|mixture|mix(ed)?|sampl\w*|ratio|"
    r"proportion|weight(ed|s)?|quality|toxicity|pii|language id\w*|heuristic)",
    re.I,
)
PRIVATE_RX = re.compile(
    r"\b(private|proprietary|in-house|internal(ly)?[- ](collected|curated|sourced|dataset|data)|"
    r"(not|never) (be )?(publicly )?(released|available|shared|disclosed|published)|undisclosed|"
    r"confidential|licensed (data|from)|closed[- ]source data|not open[- ]sourced?)\b",
    re.I,
)
DATA_CONTEXT = re.compile(r"\b(data|dataset|datasets|corpus|corpora|trained on|training set)\b", re.I)
DATA_DIR = re.compile(r"(^|/)(data|datasets?|corpus|corpora|train[_-]?data|training[_-]?data)/", re.I)
DATA_EXT = re.compile(
    r"\.(txt|jsonl|json|csv|tsv|parquet|arrow|zst|gz|xz|bz2|npy|npz|tfrecord|wav|flac|png|jpe?g|"
    r"tar|zip)$",
    re.I,
)
NOT_DATA = re.compile(
    r"(^|/)(licen[cs]e|copying|notice|readme|changelog|vocab|merges|tokenizer\w*|special_tokens\w*|"
    r"spiece|sentencepiece\w*|\w*config\w*|requirements|data_?order\w*)([._-][^/]*)?$",
    re.I,
)
EVAL_NAME = re.compile(
    r"(held[-_]?out|eval\w*|test\w*|valid\w*|dev)([._-][^/]*)?$|(^|/)(eval\w*|test\w*|valid\w*|heldout)/", re.I
)
DATA_REF = re.compile(
    r"^\s*[\"']?(path|data|data_path|data_file|train_file|train_path|dataset_path|train|files?)[\"']?\s*[:=]\s*"
    r"[\"']?([\w./-]+)",
    re.I,
)
DATACARD_RX = re.compile(r"\b(datasheet|data ?card|dataset card|data statement|data documentation)\b", re.I)
# In a sentence about training, a data size or mixture (not "1.3 hours" of compute, not "high-quality").
_DATA_SIZE = re.compile(
    r"\b\d[\d,.]*\+?\s*(?:k|m|b|t|thousand|million|billion|trillion)?\s*(?:tokens?|words|sentences|pairs|"
    r"examples|samples|images|documents|conversations|instructions|GB|TB|GiB|TiB|rows|utterances|"
    r"hours of (?:audio|speech|video))\b|\b\d+(?:\.\d+)?\s*[BTM]\s+tokens\b",
    re.I,
)
MIXTURE_RX = re.compile(r"\b(?:mixture|mix of|filter(?:ed|ing)|dedup\w*|decontaminat\w*|proportions?)\b", re.I)
# "**Pretraining tokens:** 4+ trillion", "- Finetuning tokens: 4.62 billion": a size given as a label.
SIZE_LABEL = re.compile(
    r"\b(?:pre-?training|fine-?tuning|training)\s+(?:tokens|examples|samples|data(?:set)? size)"
    r"\s*\**\s*:\s*\**\s*\d",
    re.I,
)
DATA_VERB = re.compile(
    r"\b(?:(?:pre-?|re-?)?trained|fine-?tuned?|finetuned?|tuned|distill?ed) (?:\w+ ){0,4}?(?:on|using|with|from|upon)\b|"
    r"\btraining data\b|\b(?:data|task) mixture\b|\bdatasets? used\b",
    re.I,
)
TRAINED_ON = re.compile(r"\b(trained|pre-?trained|fine-?tuned|distill?ed) (on|using|with)\b", re.I)


@dataclass(frozen=True)
class DatasetRef:
    id: str
    evidence: Evidence
    hub_id: bool  # looks like a Hub dataset id


@dataclass(frozen=True)
class DataSection:
    section: Section
    words: int
    sizes: tuple[str, ...]  # size/quantity mentions ("1.4T tokens", "20%")
    filtering: bool
    names: tuple[str, ...]  # known dataset names mentioned


@dataclass(frozen=True)
class DataFacts:
    declared: tuple[DatasetRef, ...] = ()  # datasets: metadata
    linked: tuple[DatasetRef, ...] = ()  # huggingface.co/datasets/... links in the card
    prose_names: tuple[tuple[str, Evidence], ...] = ()  # known dataset names in data sections
    sections: tuple[DataSection, ...] = ()
    empty_sections: tuple[Section, ...] = ()  # data headings with template/empty bodies
    private_lines: tuple[Evidence, ...] = ()
    availability: dict[str, Any] = field(default_factory=dict)  # id -> source-given info
    availability_checked: bool = False
    data_cards: tuple[Evidence, ...] = ()
    eval_datasets: tuple[tuple[str, Evidence], ...] = ()
    repo_train: tuple[tuple[str, int | None, Evidence], ...] = ()  # training data files shipped in the repo
    repo_eval: tuple[tuple[str, int | None, Evidence], ...] = ()  # evaluation/held-out data files in the repo
    statements: tuple[tuple[Evidence, bool], ...] = ()  # dataset-naming training lines elsewhere (evidence, sized)
    delegated: tuple[tuple[str, Evidence], ...] = ()  # (dataset id, line) the card sends readers to for data details

    @property
    def repo_train_bytes(self) -> int:
        return sum(n or 0 for _, n, _ in self.repo_train)

    @property
    def named(self) -> bool:
        return bool(self.declared or self.linked or self.prose_names or self.repo_train)

    @property
    def all_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for r in self.declared + self.linked:
            seen.setdefault(r.id, None)
        return tuple(seen)


def _declared(card: CardFacts) -> list[DatasetRef]:
    v = card.metadata.get("datasets")
    items: list[Any] = v if isinstance(v, list) else [v] if v is not None else []
    out: list[DatasetRef] = []
    seen: set[str] = set()
    for it in items:
        if isinstance(it, dict):  # rare: {name: ..., ...}
            it = it.get("name") or it.get("id") or next(iter(it.values()), None)
        if not isinstance(it, (str, int, float)) or isinstance(it, bool):
            continue
        s = str(it).strip().strip("'\"")
        if not s or s.lower() in ("none", "null", "n/a", "-") or s in seen:
            continue
        seen.add(s)
        out.append(
            DatasetRef(s, card.field_evidence("datasets", snippet=f"datasets: {short(s, 100)}"), bool(HUB_ID.match(s)))
        )
    return out


def _eval_datasets(card: CardFacts) -> list[tuple[str, Evidence]]:
    mi = card.metadata.get("model-index")
    out: list[tuple[str, Evidence]] = []
    seen: set[str] = set()
    if not isinstance(mi, list):
        return out
    for entry in mi:
        results = entry.get("results") if isinstance(entry, dict) else None
        for r in results if isinstance(results, list) else []:
            ds = r.get("dataset") if isinstance(r, dict) else None
            if not isinstance(ds, dict):
                continue
            name = ds.get("name") or ds.get("type")
            if not isinstance(name, str) or name in seen:
                continue
            seen.add(name)
            label = name if not isinstance(ds.get("type"), str) or ds["type"] == name else f"{name} ({ds['type']})"
            out.append((name, card.field_evidence("model-index", snippet=f"model-index dataset: {short(label, 100)}")))
    return out


LABEL_LINE = re.compile(r"^\s*[-*]?\s*(\*\*|__)\s*([^*_]{2,60}?)\s*:?\s*(\*\*|__)\s*:?\s*(.*)$")


def labelled_sections(card: CardFacts) -> list[Section]:
    """Training-data blocks introduced by a bold label instead of a heading ("**Training Data**"
    inside a "## Training" section): the label line and the lines up to the next label or heading."""
    out: list[Section] = []
    lines = card.body_lines
    i = 0
    while i < len(lines):
        m = LABEL_LINE.match(lines[i])
        if not m or not DATA_SECTION.search(m.group(2).strip()):
            i += 1
            continue
        body = [m.group(4)]
        j = i + 1
        while (
            j < len(lines)
            and not lines[j].lstrip().startswith("#")
            and not (LABEL_LINE.match(lines[j]) and not LABEL_LINE.match(lines[j]).group(4).strip())
        ):
            body.append(lines[j])
            j += 1
        start = card.body_start_line + i
        out.append(
            Section(title=m.group(2).strip(), level=7, line=start, end_line=start + (j - i) - 1, text="\n".join(body))
        )
        i = j
    return out


def _section_facts(card: CardFacts) -> tuple[list[DataSection], list[Section]]:
    good: list[DataSection] = []
    empty: list[Section] = []
    for s in card.find_sections(DATA_SECTION) + labelled_sections(card):
        w = word_count(s.text)
        if w < 8:
            empty.append(s)
            continue
        text = strip_boilerplate(s.text)
        sizes = tuple(dict.fromkeys(short(m.group(0), 40) for m in SIZE_RX.finditer(text)))[:10]
        names = tuple(dict.fromkeys(m.group(0).lower() for m in KNOWN_DATA.finditer(text)))[:20]
        good.append(DataSection(s, w, sizes, bool(FILTER_RX.search(text)), names))
    return good, empty


def data_statements(card: CardFacts, names: list[str]) -> list[tuple[Evidence, bool]]:
    """Lines outside training-data sections that name a training dataset (a declared id or its
    name, a well-known dataset, a Hub dataset link) with a training verb: (evidence, gives a size
    or mixture). "trained on 600+ languages from [The Stack v2](...) ... on 4+ trillion tokens"."""
    keys = {n.lower() for n in names} | {n.rsplit("/", 1)[-1].lower() for n in names}
    keys = {k for k in keys if len(k) >= 3}
    labelled = any(SIZE_LABEL.search(t) for _, t in card.grep(SIZE_LABEL))
    out: list[tuple[Evidence, bool]] = []
    for ln, t in card.grep(DATA_VERB):
        low = t.lower()
        named = KNOWN_DATA.search(t) or "huggingface.co/datasets/" in low or any(k in low for k in keys)
        if not named or len(t) > 2000 or (PRIVATE_RX.search(t) and not _negated(t, PRIVATE_RX)):
            continue
        sized = bool(_DATA_SIZE.search(strip_boilerplate(t)) or MIXTURE_RX.search(t)) or labelled
        out.append((card.line_evidence(ln, t), sized))
        if len(out) >= 5:
            break
    return out


_NEGATION = re.compile(r"\b(?:without|no|not|never|free of|rather than|instead of|excluding)\b[^.;:]{0,80}$", re.I)


def _negated(text: str, rx: re.Pattern[str]) -> bool:
    """Every match of ``rx`` in ``text`` is negated ("without ... proprietary LLMs")."""
    hits = list(rx.finditer(text))
    return bool(hits) and all(_NEGATION.search(text[: m.start()]) for m in hits)


# Sections and sentences about other models: evaluation comparisons ("*Unlike A and B, C has not disclosed
# the data C was trained on" under a results table) say nothing about this model's data.
_COMPARISON_SECTION = re.compile(r"evaluat|benchmark|results|comparison|performance|leaderboard", re.I)
_COMPARISON_LINE = re.compile(r"^[\s\\*>_-]*(?:unlike|compared (?:to|with)|in contrast to)\b", re.I)


def _data_lines(card: CardFacts, rx: re.Pattern[str], sections: list[Section]) -> list[Evidence]:
    hits = card.grep(rx, sections=sections) if sections else []
    elsewhere = [(ln, t) for ln, t in card.grep(rx) if DATA_CONTEXT.search(t)]
    if rx is PRIVATE_RX and elsewhere:
        compared = {n for s in card.find_sections(_COMPARISON_SECTION) for n in range(s.line, s.end_line + 1)}
        elsewhere = [(ln, t) for ln, t in elsewhere if ln not in compared and not _COMPARISON_LINE.search(t)]
    hits += elsewhere
    out: list[Evidence] = []
    seen: set[int] = set()
    for ln, t in hits:
        if ln in seen or (
            rx is PRIVATE_RX and (re.search(r"\bprivate (use|key|repo)|privacy", t, re.I) or _negated(t, rx))
        ):
            continue
        seen.add(ln)
        out.append(card.line_evidence(ln, t))
        if len(out) >= 3:
            break
    return out


def repo_data(
    snapshot: Snapshot, card: CardFacts
) -> tuple[list[tuple[str, int | None, Evidence]], list[tuple[str, int | None, Evidence]]]:
    """Data files shipped inside the repository: (training files, evaluation/held-out files).

    A file counts when it has a data-like extension and either sits in a data folder (``data/``,
    ``dataset/``, ``corpus/``, ...) or is named by a config/recipe line (``path: data/x.txt``) or by a
    line of the card's training-data sections. Licenses, READMEs, tokenizer and config files never count."""
    files = {f.path: f for f in snapshot.files if f.kind == "file"}
    why: dict[str, Evidence] = {}
    for p, f in files.items():
        if DATA_EXT.search(p) and not NOT_DATA.search(p) and DATA_DIR.search(p):
            why[p] = Evidence(
                kind="file",
                path=p,
                url=snapshot.url_for(p),
                snippet=short(f"data file in the repository: {p}" + (f" ({f.size:,} bytes)" if f.size else ""), 160),
            )
    for src, text in sorted(snapshot.texts.items()):
        if not src.lower().endswith((".yaml", ".yml", ".json", ".toml", ".cfg", ".ini")) or src in ("config.json",):
            continue
        for i, ln in enumerate(text.splitlines()[:2000]):
            m = DATA_REF.match(ln)
            target = m.group(2) if m else None
            if (
                target
                and target in files
                and target not in why
                and DATA_EXT.search(target)
                and not NOT_DATA.search(target)
            ):
                why[target] = Evidence(kind="line", path=src, line=i + 1, snippet=short(ln.strip(), 160))
    if card.exists:
        secs = card.find_sections(DATA_SECTION)
        for ln, t in (
            card.grep(r"[\w-]+/[\w./-]+\.\w+|\b[\w-]+\.(txt|jsonl|csv|tsv|parquet|arrow)\b", sections=secs)
            if secs
            else []
        ):
            for p in files:
                if p not in why and p in t and DATA_EXT.search(p) and not NOT_DATA.search(p):
                    why[p] = card.line_evidence(ln, t)
    train, held = [], []
    for p in sorted(why):
        (held if EVAL_NAME.search(p) else train).append((p, files[p].size, why[p]))
    return train[:50], held[:50]


# "For training data details, please see the [Dolma](https://huggingface.co/datasets/...) documentation",
# "Training Data: Please refer to [org/corpus](https://huggingface.co/datasets/org/corpus)": the words just
# before the link send the reader to the dataset.
_POINTER = re.compile(
    r"\b(?:see|refer to|described (?:in|at|on)|documented (?:in|at|on)|(?:details|documentation|information|"
    r"datasheet|data ?card) (?:is |are )?(?:in|at|on|of))\s+(?:the\s+|its\s+|our\s+)?(?:🤗\s*)?$",
    re.I,
)
_NOT_TRAINING = re.compile(r"\b(?:example|demo|you can|e\.g\.|for instance|evaluat\w*|benchmark\w*)\b", re.I)


def _delegates(
    text: str, url: str, dataset: str, declared: list[DatasetRef], card: CardFacts, line: int | None
) -> bool:
    """The line sends readers to a Hub dataset's own documentation for this model's training data: the
    words before the link point to it ("please see the", "refer to"), and the dataset is declared in
    ``datasets:`` or the line names the training data as such (or sits in a training-data section)."""
    pos = text.find(url)
    if pos < 0 or _NOT_TRAINING.search(text) or not _POINTER.search(words_before(text, pos)[-80:]):
        return False
    if dataset in {d.id for d in declared} or re.search(r"\b(?:pre-?)?training (?:data|corpus|dataset)", text, re.I):
        return True
    return line is not None and any(s.line <= line <= s.end_line for s in card.find_sections(DATA_SECTION))


def collect(snapshot: Snapshot, card: CardFacts) -> DataFacts:
    readable = card.exists and not card.unreadable
    train, held = repo_data(snapshot, card)
    if not readable:
        return DataFacts(
            availability=_availability(snapshot)[0],
            availability_checked=_availability(snapshot)[1],
            repo_train=tuple(train),
            repo_eval=tuple(held),
        )
    declared = _declared(card)
    linked: list[DatasetRef] = []
    data_cards: list[Evidence] = []
    delegated: list[tuple[str, Evidence]] = []
    for l in card_links(card):
        m = re.match(r"^https?://(?:www\.)?huggingface\.co/datasets/([\w.\-]+(?:/[\w.\-]+)?)", l.url, re.I)
        trained = re.search(r"\b(train\w*|fine-?tun\w*|pre-?train\w*|corpus|mixture)\b", l.text, re.I)
        example = re.search(
            r"\b(example|demo|by default|you can|e\.g\.|for instance|evaluat\w*|benchmark)\b", l.text, re.I
        )
        if m and trained and not example and m.group(1) not in {d.id for d in declared + linked}:
            linked.append(DatasetRef(m.group(1), l.evidence(card.path), True))
        if m or DATACARD_RX.search(l.text):
            data_cards.append(l.evidence(card.path))
        if (
            m
            and _delegates(l.text, l.url, m.group(1), declared, card, l.line)
            and m.group(1) not in {d for d, _ in delegated}
        ):
            delegated.append((m.group(1), l.evidence(card.path)))
    sections, empty = _section_facts(card)
    secs = [d.section for d in sections]
    prose: list[tuple[str, Evidence]] = []
    seen: set[str] = set()
    trained_lines = [
        (ln, t) for ln, t in card.grep(TRAINED_ON) if KNOWN_DATA.search(t) and not re.search(r"\bbase model\b", t, re.I)
    ][:5]
    for ln, t in (card.grep(KNOWN_DATA, sections=secs) if secs else []) + trained_lines:
        for m in KNOWN_DATA.finditer(t):
            key = re.sub(r"[\s_-]+", "", m.group(0).lower())
            if key not in seen:
                seen.add(key)
                prose.append((m.group(0), card.line_evidence(ln, t)))
    for s in card.find_sections(r"datasheet|data ?card|dataset card|data statement"):
        if word_count(s.text) >= 8:
            data_cards.insert(0, card.section_evidence(s))
    for ln, t in card.grep(DATACARD_RX)[:2]:
        data_cards.append(card.line_evidence(ln, t))
    avail, checked = _availability(snapshot)
    return DataFacts(
        declared=tuple(declared),
        linked=tuple(linked),
        prose_names=tuple(prose[:20]),
        sections=tuple(sections),
        empty_sections=tuple(empty),
        private_lines=tuple(_data_lines(card, PRIVATE_RX, secs)),
        availability=avail,
        availability_checked=checked,
        data_cards=tuple(data_cards[:5]),
        eval_datasets=tuple(_eval_datasets(card)),
        repo_train=tuple(train),
        repo_eval=tuple(held),
        statements=tuple(data_statements(card, [r.id for r in declared + linked] + [n for n, _ in prose])),
        delegated=tuple(delegated[:3]),
    )


def _availability(snapshot: Snapshot) -> tuple[dict[str, Any], bool]:
    """Dataset id -> what the source reported (the Hub API's ``datasets_info``, else the followed Hub
    dataset links: only OK lookups; a dataset whose lookup failed is absent, i.e. not observed)."""
    info = snapshot.api.get("datasets_info") if snapshot.api else None
    if isinstance(info, dict):
        return {str(k): v for k, v in info.items()}, True
    looked = {
        did: {"exists": d.exists, "gated": d.gated, "private": d.private}
        for did, d in link_facts.datasets(snapshot).items()
        if d.ok and d.exists is not None
    }
    return looked, bool(looked)
