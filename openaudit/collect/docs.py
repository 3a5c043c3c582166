"""Documentation: which model-card topics are covered with substance (a heading whose body is empty
or template boilerplate such as "[More Information Needed]" does not count), eval results
(``model-index``), sample inputs/outputs (usage code, widget), citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openaudit.collect.card import CardFacts
from openaudit.collect.common import plural, strip_boilerplate, word_count
from openaudit.model import Evidence

TOPICS: dict[str, str] = {
    "intended_use": r"intended[ -]uses?|^uses?$|use cases?|direct use|downstream use|out[- ]of[- ]scope|applications?|"
    r"purpose|how (it|this model) (can|should) be used|primary (intended )?use",
    "limitations": r"limitation|bias|risk|ethic|safety|caveat|harm|responsible|fairness|recommendations|"
    r"out[- ]of[- ]scope|disclaimer|warning",
    "evaluation": r"evaluat|results?$|benchmark|performance|metrics|scores|accuracy|leaderboard",
    "training": r"train|fine-?tun|procedure|pre-?train|distill",
    "architecture": r"architecture|model (details|description|summary|structure|overview|specs?)|^model$|"
    r"technical (details|specifications)|^details$",
    "citation": r"citation|cite|bibtex|reference|how to cite",
    "examples": r"usage|how to use|examples?|quick ?start|get(ting)? started|inference|demo|sample|"
    r"code snippet|use (with|in|the model)|generation",
}
LIMIT_LINE = re.compile(
    r"\b(limitation|bias(es|ed)?|may (produce|generate|output)|not (be )?suitable|should not be used|"
    r"hallucinat\w*|harmful|toxic|risks?)\b",
    re.I,
)
INTENDED_LINE = re.compile(
    r"\b(intended (for|to be used)|is (designed|meant|intended) (for|to)|can be used (for|to)|"
    r"(primary|intended) use|use cases?|for research purposes)\b",
    re.I,
)
BIBTEX = re.compile(r"@(article|inproceedings|misc|techreport|book|online|software)\s*\{", re.I)
FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)", re.M)
# What shows a sample: media, or labelled inputs and outputs.
SAMPLE = re.compile(
    r"!\[[^\]]*\]\(|<(img|video|audio)\b|^\s*(?:[-*>]\s*)?(?:\*\*)?(input|output|prompt|response|generated"
    r"(?: text| image)?|completion|answer|question|q|a|user|assistant|translation|summary)(?:\*\*)?\s*[:：]",
    re.I | re.M,
)
NOT_SAMPLES = re.compile(
    r"\bexamples? of (?:bias|misuse|harm|limitation|failure|risk)|training examples|"
    r"\bnumber of examples|examples? (?:used|seen) (?:for|in|during) training",
    re.I,
)
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?%?(?![\w])")


@dataclass(frozen=True)
class Topic:
    good: tuple[Evidence, ...] = ()  # substantive sections/lines
    empty: tuple[Evidence, ...] = ()  # headings with empty/boilerplate bodies
    words: int = 0

    @property
    def present(self) -> bool:
        return bool(self.good)


@dataclass(frozen=True)
class DocsFacts:
    card_path: str | None = None
    words: int = 0  # card body words after stripping boilerplate
    sections: int = 0
    substantive_sections: int = 0
    template_sections: int = 0
    topics: dict[str, Topic] = field(default_factory=dict)
    model_index: tuple[Evidence, ...] = ()
    eval_results: int = 0  # number of metric values in model-index
    widget: Evidence | None = None
    code_examples: int = 0  # fenced code blocks in the card


def _model_index(card: CardFacts) -> tuple[list[Evidence], int]:
    mi = card.metadata.get("model-index")
    if not isinstance(mi, list):
        return [], 0
    n = 0
    for entry in mi:
        for r in entry.get("results") if isinstance(entry, dict) and isinstance(entry.get("results"), list) else []:
            metrics = r.get("metrics") if isinstance(r, dict) else None
            n += (
                sum(1 for m in metrics if isinstance(m, dict) and m.get("value") is not None)
                if isinstance(metrics, list)
                else 0
            )
    return (
        [card.field_evidence("model-index", snippet=f"model-index: {plural(n, 'reported metric value')}")] if n else []
    ), n


def collect(card: CardFacts) -> DocsFacts:
    if not card.exists:
        return DocsFacts(card_path=None)
    if card.unreadable:
        return DocsFacts(card_path=card.path)
    topics: dict[str, Topic] = {}
    subst = {id(s) for s in card.sections if word_count(s.text) >= 8}
    for name, rx in TOPICS.items():
        good: list[Evidence] = []
        empty: list[Evidence] = []
        words = 0
        for s in card.find_sections(rx):
            if (
                name == "training"
                and re.search(r"evaluat|inference|data ?set|data$", s.title, re.I)
                and not re.search(r"procedure|detail|train", s.title, re.I)
            ):
                continue
            w = word_count(s.text)
            code_blocks = len(FENCE.findall(s.text)) // 2
            if name == "examples":  # a heading with "example" in it is not a sample: its body must show one
                ok = bool(code_blocks or SAMPLE.search(s.text)) and not NOT_SAMPLES.search(s.title)
            elif name == "evaluation":  # a results table is numbers, not words
                ok = w >= 8 or len(NUMBER.findall(strip_boilerplate(s.text))) >= 3
            else:
                ok = w >= 8 or (name == "citation" and bool(code_blocks))
            if ok:
                good.append(card.section_evidence(s))
                words += w
            elif w < 8:  # a heading with template text only (a substantive section that shows no sample is neither)
                empty.append(card.section_evidence(s))
        if name == "limitations" and not good:
            good += [card.line_evidence(ln, t) for ln, t in card.grep(LIMIT_LINE)[:2] if word_count(t) >= 6]
        if name == "intended_use" and not good:
            good += [card.line_evidence(ln, t) for ln, t in card.grep(INTENDED_LINE)[:2] if word_count(t) >= 6]
        if name == "citation" and not good:
            good += [card.line_evidence(ln, t) for ln, t in card.grep(BIBTEX)[:1]]
        topics[name] = Topic(tuple(good[:4]), tuple(empty[:4]), words)
    mi_ev, n_results = _model_index(card)
    widget = (
        card.field_evidence("widget", snippet="widget: example inputs in card metadata")
        if card.metadata.get("widget")
        else None
    )
    return DocsFacts(
        card_path=card.path,
        words=word_count(card.body),
        sections=len(card.sections),
        substantive_sections=len(subst),
        template_sections=len(card.sections) - len(subst),
        topics=topics,
        model_index=tuple(mi_ev),
        eval_results=n_results,
        widget=widget,
        code_examples=len(FENCE.findall(card.body)) // 2,
    )
