"""Documentation probes: a substantive card, intended use, limitations, evaluation, training
details, architecture, sample outputs, citation. Template headings with "[More Information Needed]"
bodies do not count."""

from __future__ import annotations

from openaudit.collect.common import absence
from openaudit.collect.findings import PA, F, P, card_unavailable, finding, plural
from openaudit.model import Evidence, Finding
from openaudit.probes.registry import ProbeContext, probe


def _topic_probe(ctx: ProbeContext, pid: str, topic: str, what: str, searched: str, extra=()) -> Finding:
    cu = card_unavailable(pid, ctx.facts, what)
    if cu is not None:
        return cu
    t = ctx.facts["docs"].topics.get(topic)
    extra = [e for e in extra if e is not None]
    if (t is not None and t.present) or extra:
        ev = list(extra) + (list(t.good) if t is not None else [])
        return finding(pid, P, f"the card documents {what}", ev)
    if t is not None and t.empty:
        return finding(pid, F, f"{what}: the card's heading holds only template text", list(t.empty))
    return finding(pid, F, f"the card does not document {what}", [absence(searched)])


@probe("docs.model_card", dimension="documentation", card="the model", question="Is there a substantive model card?")
def model_card(ctx: ProbeContext) -> Finding:
    d = ctx.facts["docs"]
    ev = [
        Evidence(
            kind="computed",
            path=d.card_path,
            snippet=f"{d.words} words beyond template text; "
            f"{d.substantive_sections} substantive and {d.template_sections} template-only sections",
        )
    ]
    if d.words >= 150 and d.substantive_sections >= 2:
        if d.template_sections > d.substantive_sections and d.words < 400:
            return finding(
                "docs.model_card", PA, "the card is mostly an unfilled template", ev, value=d.words, score=0.5
            )
        card = ctx.facts.get("card")
        problems = tuple(getattr(card, "problems", ()) or ())
        if problems:  # a readable body but broken metadata: machine-readable facts are missing
            ev += [Evidence(kind="note", path=d.card_path, snippet=p[:200]) for p in problems[:3]]
            return finding(
                "docs.model_card",
                PA,
                f"substantive model card, but its metadata is broken: {problems[0][:120]}",
                ev,
                value=d.words,
                score=0.75,
            )
        return finding("docs.model_card", P, "substantive model card", ev, value=d.words)
    if d.words >= 30:
        return finding(
            "docs.model_card", PA, "the model card is short", ev, value=d.words, score=min(0.75, d.words / 200)
        )
    return finding("docs.model_card", F, "the model card has no substantive content", ev, value=d.words)


@probe("docs.intended_use", dimension="documentation", question="Does the card state intended uses?")
def intended_use(ctx: ProbeContext) -> Finding:
    return _topic_probe(
        ctx,
        "docs.intended_use",
        "intended_use",
        "intended uses",
        "sections: intended use / uses / direct use / use cases; lines 'intended for', 'can be used for'",
    )


@probe("docs.limitations", dimension="documentation", question="Does the card state limitations, biases or risks?")
def limitations(ctx: ProbeContext) -> Finding:
    return _topic_probe(
        ctx,
        "docs.limitations",
        "limitations",
        "limitations, biases or risks",
        "sections: limitations / bias / risks / ethical considerations / out-of-scope; lines about limitations",
    )


@probe(
    "docs.evaluation",
    dimension="documentation",
    question="Are evaluation results reported (model-index or an evaluation section)?",
)
def evaluation(ctx: ProbeContext) -> Finding:
    d = ctx.facts["docs"]
    return _topic_probe(
        ctx,
        "docs.evaluation",
        "evaluation",
        "evaluation results",
        "model-index metadata; sections: evaluation / results / benchmarks / performance",
        extra=d.model_index,
    )


@probe("docs.training_details", dimension="documentation", question="Does the card describe the training procedure?")
def training_details(ctx: ProbeContext) -> Finding:
    return _topic_probe(
        ctx,
        "docs.training_details",
        "training",
        "the training procedure",
        "sections: training / fine-tuning / training procedure / pre-training",
    )


@probe(
    "docs.architecture", dimension="documentation", question="Is the model architecture documented (config or card)?"
)
def architecture(ctx: ProbeContext) -> Finding:
    c = ctx.facts.get("code")
    cfg = c.config_evidence if c is not None else None
    if cfg is not None:
        t = ctx.facts["docs"].topics.get("architecture")
        return finding(
            "docs.architecture",
            P,
            "the architecture is documented" + (" (config.json and card)" if t and t.present else " (config.json)"),
            [cfg] + (list(t.good[:2]) if t else []),
        )
    return _topic_probe(
        ctx,
        "docs.architecture",
        "architecture",
        "the model architecture",
        "config.json architectures/model_type; sections: architecture / model details / model description",
    )


@probe("docs.sample_outputs", dimension="documentation", question="Are sample inputs/outputs shown?")
def sample_outputs(ctx: ProbeContext) -> Finding:
    d = ctx.facts["docs"]
    card = ctx.facts["card"]
    extra = [d.widget]
    if d.code_examples and not (d.topics.get("examples") and d.topics["examples"].present):
        extra.append(
            Evidence(kind="computed", path=card.path, snippet=f"{plural(d.code_examples, 'code block')} in the card")
        )
    return _topic_probe(
        ctx,
        "docs.sample_outputs",
        "examples",
        "sample inputs/outputs",
        "widget metadata; sections: usage / how to use / examples / quickstart; code blocks",
        extra=extra,
    )


@probe("docs.citation", dimension="documentation", question="Does the card give a citation?")
def citation(ctx: ProbeContext) -> Finding:
    return _topic_probe(
        ctx, "docs.citation", "citation", "a citation", "sections: citation / cite / bibtex / reference; BibTeX entries"
    )
