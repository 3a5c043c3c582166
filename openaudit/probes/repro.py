"""Reproducibility probes: hyperparameters, seed, training log, data order, compute, paper.
(weights.intermediate_checkpoints lives with the weights probes; repro.replay with verify.)"""

from __future__ import annotations

from openaudit.collect.common import absence
from openaudit.collect.findings import NA, PA, F, P, card_unavailable, finding, listing_unavailable, plural
from openaudit.model import Finding
from openaudit.probes.registry import ProbeContext, probe


def _r(ctx: ProbeContext):
    return ctx.facts["repro"]


def _not_found(ctx: ProbeContext, pid: str, what: str, message: str, looked_for: str, *, files: bool = True) -> Finding:
    """The answer when nothing was found: FAIL with ``message`` and what was looked for, unless where
    it would be could not be observed. No card is FAIL (it documents nothing); an unreadable card is
    NOT_AVAILABLE, and so (``files``: the answer may be a file) are files that could not be listed or read."""
    cu = card_unavailable(pid, ctx.facts, what)
    if cu is not None and (cu.outcome is NA or not files):
        return cu
    na = listing_unavailable(pid, ctx.snapshot, what) if files else None
    return na or finding(pid, F, message, [absence(looked_for)])


@probe("repro.hyperparameters", dimension="reproducibility", question="Are the training hyperparameters published?")
def hyperparameters(ctx: ProbeContext) -> Finding:
    r = _r(ctx)
    kinds = r.hyperparameters
    if r.hp_files or len(kinds) >= 3:
        msg = "training hyperparameters published"
        if kinds:
            msg += " (" + ", ".join(k.replace("_", " ") for k in kinds) + ")"
        return finding(
            "repro.hyperparameters", P, msg, list(r.hp_files[:3]) + list(r.hp_evidence[:4]), value=list(kinds)
        )
    if kinds:
        return finding(
            "repro.hyperparameters",
            PA,
            "only some hyperparameters given (" + ", ".join(kinds) + ")",
            r.hp_evidence,
            value=list(kinds),
            score=0.25 * len(kinds),
        )
    return _not_found(
        ctx,
        "repro.hyperparameters",
        "hyperparameters",
        "no training hyperparameters published",
        "card hyperparameter/training-procedure sections (learning rate, batch size, epochs/steps, "
        "warmup, optimizer, schedule); training_args / trainer configs in the repository",
    )


@probe("repro.seed", dimension="reproducibility", question="Is the random seed published?")
def seed(ctx: ProbeContext) -> Finding:
    r = _r(ctx)
    if r.seeds:
        return finding("repro.seed", P, "the random seed is published", r.seeds[:3])
    return _not_found(
        ctx,
        "repro.seed",
        "the seed",
        "no random seed published",
        "'seed' with a number in the card and in repository configs/scripts",
    )


@probe("repro.training_log", dimension="reproducibility", question="Is a training log / loss curve published?")
def training_log(ctx: ProbeContext) -> Finding:
    r = _r(ctx)
    if r.logs:
        msg = f"{plural(len(r.logs), 'training log')} published"
        if r.log_steps:
            msg += f" ({r.log_steps} logged loss entries)"
        return finding("repro.training_log", P, msg, r.logs[:4], value=r.log_steps or None)
    if r.log_lines:
        return finding(
            "repro.training_log",
            PA,
            "the card reports losses or curves, but no log file is published",
            r.log_lines[:3],
            score=0.5,
        )
    return _not_found(
        ctx,
        "repro.training_log",
        "training logs",
        "no training log or loss curve published",
        "trainer_state.json log_history, *loss*/*metrics*/*train*.jsonl|csv|log, TensorBoard "
        "event files, W&B/TensorBoard.dev links, card lines about loss curves",
    )


@probe("repro.data_order", dimension="reproducibility", question="Is the training data order published?")
def data_order(ctx: ProbeContext) -> Finding:
    r = _r(ctx)
    if r.data_order:
        return finding("repro.data_order", P, "the training data order is published", r.data_order[:4])
    if r.data_order_lines:
        return finding(
            "repro.data_order",
            PA,
            "the card describes the data order, but no order file is published",
            r.data_order_lines[:2],
            score=0.5,
        )
    return _not_found(
        ctx,
        "repro.data_order",
        "the data order",
        "no training data order published",
        "data_order*, *.idx, *global_indices*/batch_indices/shuffle manifests; card lines on data order",
    )


@probe("repro.compute", dimension="reproducibility", question="Are the training compute / hardware reported?")
def compute(ctx: ProbeContext) -> Finding:
    r = _r(ctx)
    if r.compute:
        return finding("repro.compute", P, "training compute / hardware reported", r.compute[:4])
    return _not_found(
        ctx,
        "repro.compute",
        "compute",
        "no training compute or hardware reported",
        "card co2_eq_emissions; GPU/TPU types and counts, GPU hours, carbon in compute/hardware sections",
        files=False,
    )


@probe("repro.paper", dimension="reproducibility", question="Is there a paper or technical report describing training?")
def paper(ctx: ProbeContext) -> Finding:
    r = _r(ctx)
    if r.papers:
        return finding(
            "repro.paper",
            P,
            f"{plural(len(r.papers), 'paper/report reference')} in the card",
            list(r.papers[:4]) + list(r.bibtex[:1]),
            value=sorted({e.url for e in r.papers if e.url})[:10] or None,
        )
    if r.bibtex:
        return finding("repro.paper", P, "the card cites a publication (BibTeX)", r.bibtex[:2])
    return _not_found(
        ctx,
        "repro.paper",
        "papers",
        "no paper or technical report referenced",
        "arxiv/ACL/OpenReview/DOI links, arxiv: tags, 'technical report' lines, BibTeX entries",
        files=False,
    )
