"""Data probes: datasets named, training data documented, datasets available, data cards,
evaluation datasets. (data.contamination and license.data_license live elsewhere.)"""

from __future__ import annotations

import re

from openaudit.collect.common import absence, short
from openaudit.collect.data import KNOWN_DATA
from openaudit.collect.findings import NA, PA, F, P, finding, plural
from openaudit.model import Evidence, Finding, LinkKind, LinkStatus
from openaudit.probes.registry import ProbeContext, probe

BENCH = re.compile(
    r"\b(imdb|sst-?2|sst|ag[_ ]?news|yelp|rotten[_ ]tomatoes|tweet[_ ]?eval|cola|mrpc|qqp|qnli|rte|wnli|"
    r"race|hotpot ?qa|samsum|ptb|penn treebank|c-eval|cmmlu|agieval|ds-1000|evalplus|livecodebench|"
    r"wikiann|xtreme|paws-?x?|mlqa|tydi ?qa|xquad|belebele|"
    r"mmlu|hellaswag|arc[- ](challenge|easy|c|e)\b|gsm8k|humaneval|mbpp|truthful ?qa|winogrande|"
    r"glue|superglue|squad|mteb|beir|wmt\d*|flores|librispeech|common ?voice|imagenet|coco|"
    r"big-?bench|bbh|drop|piqa|boolq|lambada|math\b|mt-?bench|alpacaeval|ifeval|gpqa|musr|"
    r"conll|xnli|stsb|sts-?b|ms ?marco|natural questions|trivia ?qa|fleurs|cifar|voc|ade20k)\b",
    re.I,
)
EVAL_SECTION = r"evaluat|results?$|benchmark|performance|metrics|scores"
EVAL_SET = re.compile(r"\bresults on the (?:evaluation|test|validation|eval) (?:set|split)\b", re.I)
ON_DATASET = re.compile(
    r"\b(?:fine-?tuned|trained|evaluated|tested)\b(?:[^.]|\.(?!\s)){0,160}?\bon the \[?([\w./-]{2,60})\]?(?:\([^)]*\))? dataset\b",
    re.I,
)


def _d(ctx: ProbeContext):
    return ctx.facts["data"]


@probe(
    "data.declared",
    dimension="data",
    card="training datasets",
    question="Are the training datasets named (datasets: metadata or prose)?",
)
def declared(ctx: ProbeContext) -> Finding:
    d = _d(ctx)
    if not (d.declared or d.linked) and d.repo_train:
        paths = [p for p, _, _ in d.repo_train]
        return finding(
            "data.declared",
            P,
            "training data shipped in the repository: " + short(", ".join(paths), 160),
            [e for _, _, e in d.repo_train[:3]],
            value=paths,
        )
    if d.declared or d.linked:
        refs = d.declared + d.linked
        return finding(
            "data.declared",
            P,
            f"{plural(len(refs), 'training dataset')} named: " + short(", ".join(r.id for r in refs), 160),
            [refs[0].evidence] + [r.evidence for r in d.linked[:2]],
            value=[r.id for r in refs],
        )
    if d.prose_names:
        names = [n for n, _ in d.prose_names]
        return finding(
            "data.declared",
            P,
            "training data named in the card: " + short(", ".join(names), 160),
            [e for _, e in d.prose_names[:4]],
            value=names,
        )
    if d.private_lines:
        return finding(
            "data.declared", F, "the card describes the training data only as private/proprietary", d.private_lines
        )
    if d.sections:
        return finding(
            "data.declared",
            PA,
            "a training-data section exists but names no dataset",
            [ctx.facts["card"].section_evidence(s.section) for s in d.sections[:2]],
            score=0.3,
        )
    return finding(
        "data.declared",
        F,
        "no training dataset named",
        [absence("card metadata 'datasets:', huggingface.co/datasets links, dataset names in training-data sections")],
    )


def _delegated(d) -> Finding:
    """The card documents its training data by pointing to the dataset's own card on the Hub."""
    ids = [i for i, _ in d.delegated]
    return finding(
        "data.documented",
        P,
        "the card points to the training dataset's own documentation: "
        + short(", ".join(ids), 120)
        + " (linked, dataset card not read offline)",
        [e for _, e in d.delegated[:3]],
        value=ids,
    )


@probe(
    "data.documented",
    dimension="data",
    card="training data",
    question="Does the card document the training data (sources, sizes, mixture, filtering)?",
)
def documented(ctx: ProbeContext) -> Finding:
    d = _d(ctx)
    card = ctx.facts["card"]
    if d.sections:
        best = max(d.sections, key=lambda s: s.words)
        words = sum(s.words for s in d.sections)
        traits = sum(
            [
                bool(any(s.sizes for s in d.sections)),
                any(s.filtering for s in d.sections),
                bool(any(s.names for s in d.sections) or d.declared),
            ]
        )
        ev = [card.section_evidence(s.section) for s in d.sections[:3]]
        ev.append(
            Evidence(
                kind="computed",
                snippet=short(
                    f"{words} words; sizes: {', '.join(best.sizes[:4]) or 'none'}; filtering/mixture: {'yes' if any(s.filtering for s in d.sections) else 'no'}; "
                    f"dataset names: {', '.join(best.names[:5]) or 'none'}",
                    240,
                ),
            )
        )
        if words >= 60 and traits >= 2:
            return finding(
                "data.documented",
                P,
                "the card documents the training data (sources, sizes or processing)",
                ev,
                value=words,
            )
        if d.delegated:
            return _delegated(d)
        return finding(
            "data.documented",
            PA,
            "the card's training-data description is thin",
            ev,
            value=words,
            score=min(0.5, 0.25 + 0.25 * traits),  # thin is at most half documented: never "open" alone
        )
    sized = [e for e, ok in d.statements if ok]
    if sized and (d.declared or d.linked or d.prose_names):
        return finding(
            "data.documented",
            P,
            "the card names its training datasets with sizes or mixture (outside a training-data section)",
            sized[:3],
            value=len(sized),
        )
    if d.delegated:
        return _delegated(d)
    if d.empty_sections:
        return finding(
            "data.documented",
            F,
            "training-data headings hold only template text",
            [card.section_evidence(s) for s in d.empty_sections[:3]],
        )
    if d.declared:
        return finding(
            "data.documented",
            PA,
            "datasets are listed in metadata but the card has no training-data section",
            [d.declared[0].evidence],
            score=0.25,
        )
    return finding(
        "data.documented",
        F,
        "the card has no training-data documentation",
        [absence("card sections titled training data / dataset / data sources / corpus")],
    )


@probe(
    "data.available",
    dimension="data",
    card="training data availability",
    question="Are the named training datasets publicly available?",
)
def available(ctx: ProbeContext) -> Finding:
    d = _d(ctx)
    ids = d.all_ids
    if d.repo_train:
        paths = [p for p, _, _ in d.repo_train]
        ev = [e for _, _, e in d.repo_train[:4]]
        size = f" ({d.repo_train_bytes:,} bytes)" if d.repo_train_bytes else ""
        if d.private_lines:
            return finding(
                "data.available",
                PA,
                f"part of the training data ships in the repository{size}, but the card says other data is private",
                list(d.private_lines[:1]) + ev,
                value=paths,
                score=0.5,
            )
        return finding(
            "data.available",
            P,
            f"the training data ships in the repository: {plural(len(paths), 'file')}{size}",
            ev,
            value=paths,
        )
    if d.private_lines and not ids:
        return finding(
            "data.available", F, "the card says the training data is private or not released", d.private_lines
        )
    if d.availability_checked and ids:
        ok = [i for i in ids if _public(d.availability.get(i))]
        bad = [i for i in ids if i in d.availability and not _public(d.availability.get(i))]
        ev = [
            Evidence(kind="api_field", field="datasets_info", snippet=short(f"{i}: {d.availability.get(i)!r}", 160))
            for i in (bad + ok)[:5]
        ]
        if d.private_lines:
            ev = list(d.private_lines[:1]) + ev
        if ok and not bad and not d.private_lines:
            return finding(
                "data.available", P, f"all {plural(len(ok), 'named dataset')} are public on the Hub", ev, value=ok
            )
        if ok:
            return finding(
                "data.available",
                PA,
                f"{len(ok)} of {len(ids)} named datasets are public",
                ev,
                score=len(ok) / max(1, len(ids) + (1 if d.private_lines else 0)),
                value=ok,
            )
        if bad:
            return finding("data.available", F, "the named datasets are not publicly available", ev, value=[])
    if d.private_lines:
        return finding(
            "data.available",
            PA,
            "some named datasets, but the card also says part of the data is private",
            list(d.private_lines[:2]) + [r.evidence for r in (d.declared + d.linked)[:2]],
            score=0.3,
        )
    if ids or d.prose_names:
        failed = sorted(
            {
                lk.status.value
                for lk in ctx.snapshot.links
                if lk.kind is LinkKind.HUB_DATASET and lk.status is not LinkStatus.OK
            }
        )
        why = "offline" if ctx.snapshot.offline or not ctx.snapshot.api else "not checked"
        ev = [r.evidence for r in (d.declared + d.linked)[:3]] + [e for _, e in d.prose_names[:2]]
        if failed:
            return finding(
                "data.available",
                NA,
                f"dataset availability not observed: the dataset lookups did not succeed ({', '.join(failed)})",
                ev + [Evidence(kind="note", snippet="dataset lookups: " + ", ".join(failed))],
            )
        return finding(
            "data.available",
            NA,
            f"dataset availability {why}: named datasets were not looked up",
            ev + [Evidence(kind="note", snippet=f"availability {why}")],
        )
    return finding(
        "data.available",
        F,
        "no training data is named, so none is available",
        [absence("card metadata 'datasets:', dataset links, dataset names in training-data sections")],
    )


def _public(info) -> bool:
    if isinstance(info, dict):
        if info.get("exists") is False or info.get("private") is True or info.get("disabled") is True:
            return False
        return info.get("gated") in (None, False, "false")
    return info is True


@probe(
    "data.data_card",
    dimension="data",
    card="data cards",
    question="Is there a datasheet / data card for the training data?",
)
def data_card(ctx: ProbeContext) -> Finding:
    d = _d(ctx)
    if d.data_cards:
        return finding("data.data_card", P, "a datasheet / dataset card is given or linked", d.data_cards[:4])
    hub = [r for r in d.declared if r.hub_id]
    if hub:
        return finding(
            "data.data_card",
            PA,
            "the declared Hub datasets have their own dataset pages; no datasheet in this card",
            [hub[0].evidence],
            score=0.5,
        )
    return finding(
        "data.data_card",
        F,
        "no datasheet or data card for the training data",
        [
            absence(
                "card sections/lines: datasheet, data card, dataset card, data statement; huggingface.co/datasets links"
            )
        ],
    )


@probe(
    "data.evaluation_data", dimension="data", card="evaluation datasets", question="Are the evaluation datasets named?"
)
def evaluation_data(ctx: ProbeContext) -> Finding:
    d = _d(ctx)
    card = ctx.facts["card"]
    if d.repo_eval:
        paths = [p for p, _, _ in d.repo_eval]
        return finding(
            "data.evaluation_data",
            P,
            "evaluation / held-out data ships in the repository: " + short(", ".join(paths), 160),
            [e for _, _, e in d.repo_eval[:4]],
            value=paths,
        )
    if d.eval_datasets:
        names = [n for n, _ in d.eval_datasets]
        return finding(
            "data.evaluation_data",
            P,
            "evaluation datasets named in model-index: " + short(", ".join(names), 160),
            [e for _, e in d.eval_datasets[:4]],
            value=names,
        )
    secs = card.find_sections(EVAL_SECTION)
    hits = card.grep(BENCH, sections=secs) + card.grep(KNOWN_DATA, sections=secs) if secs else []
    if hits:
        return finding(
            "data.evaluation_data",
            P,
            "evaluation datasets named in the card's evaluation section",
            [card.line_evidence(ln, t) for ln, t in sorted(set(hits))[:4]],
        )
    # "fine-tuned ... on the imdb dataset. It achieves the following results on the evaluation set": the
    # evaluation split of that dataset (the Trainer's card template)
    if card.grep(EVAL_SET):
        on = [(ln, t, m.group(1)) for ln, t in card.grep(ON_DATASET) for m in [ON_DATASET.search(t)] if m]
        if on:
            return finding(
                "data.evaluation_data",
                P,
                f"evaluated on the evaluation split of the {on[0][2]} dataset",
                [card.line_evidence(ln, t) for ln, t, _ in on[:2]] + [card.line_evidence(*card.grep(EVAL_SET)[0])],
                value=[n for _, _, n in on[:5]],
            )
    loose = [h for h in card.grep(BENCH) if re.search(r"eval|benchmark|score|accuracy|result", h[1], re.I)]
    if loose:
        return finding(
            "data.evaluation_data",
            PA,
            "benchmarks are mentioned but not in an evaluation section",
            [card.line_evidence(ln, t) for ln, t in loose[:3]],
            score=0.5,
        )
    return finding(
        "data.evaluation_data",
        F,
        "no evaluation datasets named",
        [absence("model-index results[].dataset; benchmark names in evaluation/results sections")],
    )
