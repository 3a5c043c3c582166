"""Reproducibility: hyperparameters, seeds, training logs / loss curves, data order, compute and
hardware, papers / technical reports. Intermediate checkpoints are the weights collector's facts
(one source of truth) and are read from there by the probes.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from openaudit.base.parse import ParseProblem, load_json
from openaudit.collect.card import CardFacts
from openaudit.collect.code import CodeFacts
from openaudit.collect.common import card_links, meaningful_lines, short
from openaudit.model import Evidence, Snapshot

HP_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("learning_rate", re.compile(r"\b(learning[ _-]?rate|\blr\b|peak lr|max lr)", re.I)),
    ("batch_size", re.compile(r"\b(batch[ _-]?size|batch of|tokens per batch|global batch)", re.I)),
    (
        "epochs_steps",
        re.compile(
            r"\b(epochs?|num_train_epochs|training steps|max_steps|total steps|iterations|\d+(\.\d+)?\s*[km]?\s*steps)\b",
            re.I,
        ),
    ),
    ("warmup", re.compile(r"\bwarm[- ]?up", re.I)),
    ("optimizer", re.compile(r"\b(optimi[sz]er|adamw?|sgd|lion|adafactor|lamb)\b", re.I)),
    ("schedule", re.compile(r"\b(scheduler|schedule|cosine|linear decay|lr_scheduler)", re.I)),
    ("weight_decay", re.compile(r"\b(weight[ _-]?decay)", re.I)),
    ("precision", re.compile(r"\b(mixed[ _-]?precision|fp16|bf16|bfloat16|native amp)\b", re.I)),
    ("grad_accum", re.compile(r"\b(gradient[ _-]?accumulation|grad(ient)? clip\w*|max_grad_norm)", re.I)),
)
HP_SECTION = re.compile(
    r"hyper-?param|training (procedure|details|setup|configuration|config|recipe|arguments)|"
    r"^training$|fine-?tuning (details|procedure|setup)|optimi[sz]ation|training args",
    re.I,
)
SEED_RX = re.compile(r"\b(random[ _-]?)?seeds?\b[\"'`*]*\s*[:=|]?\s*[\"'`*]*\s*\d+|\bseed\s*=\s*\d+", re.I)
LOG_NAME = re.compile(
    r"(^|/)(trainer_state\.json|events\.out\.tfevents[\w.-]*|[\w.-]*(train|training|loss|metrics?|log|"
    r"progress)[\w.-]*\.(jsonl|csv|tsv|log|txt)|runs/[\w./-]+|train_results\.json|all_results\.json)$",
    re.I,
)
LOSS_LINE = re.compile(
    r"\b(training|train|validation|eval)[ _-]?loss\b|\bloss curves?\b|training (log|curve)s?\b", re.I
)
ORDER_NAME = re.compile(
    r"(^|/)(data[_-]?order[\w.-]*|[\w.-]*\.idx|[\w-]*(global_indices|batch_indices|shuffle|"
    r"sample_order|data_manifest|train_order)[\w.-]*)$",
    re.I,
)
ORDER_LINE = re.compile(
    r"\b(data (order|ordering|loader state)|order (in which|of (the )?(training )?(data|batches|examples))|"
    r"exact (training )?batches|shuffl\w+ (order|seed)|batch (order|indices)|global_indices)\b",
    re.I,
)
COMPUTE_SECTION = re.compile(
    r"compute|hardware|infrastructure|environmental impact|carbon|emissions|training (time|cost)", re.I
)
COMPUTE_LINE = re.compile(
    r"\b(\d[\d,.]*\s*(k|m)?\s*(gpu|tpu|accelerator)[ -]?(hours?|days?)|gpu[ -]hours|a100|h100|h800|"
    r"v100|a800|a10g?|l40s?|rtx ?\d{3,4}|tpu ?v\d|tpus?\b|\d+\s*x?\s*(nvidia )?gpus?|\d+\s*nodes|"
    r"petaflop|flops|zettaflop|\d+(\.\d+)?\s*(hours|days) (of|on)|co2|carbon|kwh|mwh)\b",
    re.I,
)
# Hardware a reader needs (inference, deployment, fine-tuning requirements) is not the training compute.
NOT_TRAINING_COMPUTE = re.compile(
    r"\b(recommend\w*|requir\w*|minimum|at least|you (can|need|will)|inference|deploy\w*|serving|"
    r"vram|to run|for running|run (it|the model|on)|quantiz\w*|as little as|fine-?tun\w* (guide|setup|"
    r"the)|finetuning the|hardware setup for|memory (usage|footprint|needed))\b",
    re.I,
)
TRAINING_CONTEXT = re.compile(r"\b(train\w*|pre-?train\w*|co2|carbon|emission\w*|kwh|mwh|gpu[ -]hours|compute)\b", re.I)
BIBTEX = re.compile(r"@(article|inproceedings|misc|techreport|book|phdthesis|online|software)\s*\{", re.I)
PAPER_LINK_LINE = re.compile(r"\b(paper|technical[ _-]report|tech(nical)?[ _-]?report|preprint|whitepaper)\b", re.I)
PAPER_LABEL = re.compile(r"^\s*[-*]?\s*\*\*\s*(paper|technical report|tech report|preprint)\b", re.I)
PAPER_LINE = re.compile(r"\b(technical report|tech report|our paper|the paper|whitepaper|white paper)\b", re.I)


@dataclass(frozen=True)
class ReproFacts:
    hyperparameters: tuple[str, ...] = ()  # distinct kinds found in the card
    hp_evidence: tuple[Evidence, ...] = ()
    hp_files: tuple[Evidence, ...] = ()  # training configs holding hyperparameters
    seeds: tuple[Evidence, ...] = ()
    logs: tuple[Evidence, ...] = ()  # log files with losses, tracking links
    log_lines: tuple[Evidence, ...] = ()  # card mentions of loss curves/logs (weaker)
    log_steps: int = 0  # entries with a loss in trainer_state.json log_history
    data_order: tuple[Evidence, ...] = ()
    data_order_lines: tuple[Evidence, ...] = ()
    compute: tuple[Evidence, ...] = ()
    papers: tuple[Evidence, ...] = ()
    bibtex: tuple[Evidence, ...] = ()


def _hyperparameters(card: CardFacts) -> tuple[list[str], list[Evidence]]:
    secs = card.find_sections(HP_SECTION)
    kinds: list[str] = []
    ev: list[Evidence] = []
    if not secs:
        return kinds, ev
    for name, rx in HP_KINDS:
        hits = meaningful_lines(card, rx, sections=secs, limit=3)
        hits = [
            (ln, t) for ln, t in hits if re.search(r"\d|adam|sgd|cosine|linear|lion|adafactor|fp16|bf16|amp", t, re.I)
        ]
        if hits:
            kinds.append(name)
            if len(ev) < 6:
                ev.append(card.line_evidence(*hits[0]))
    return kinds, ev


def _json(snapshot: Snapshot, path: str):
    text = snapshot.texts.get(path)
    if text is None:
        return None
    try:
        return load_json(text, source=path, max_bytes=8 * 1024 * 1024)
    except ParseProblem:
        return None


def _config_hp_and_seed(snapshot: Snapshot, code: CodeFacts) -> tuple[list[Evidence], list[Evidence]]:
    hp: list[Evidence] = []
    seeds: list[Evidence] = []
    cfg_paths = [e.path for e in code.configs if e.path]
    for p in cfg_paths:
        text = snapshot.texts.get(p)
        if text is None:
            if p.endswith("training_args.bin"):
                hp.append(
                    Evidence(kind="file", path=p, snippet="training_args.bin (pickled TrainingArguments; not loaded)")
                )
            continue
        kinds = [name for name, rx in HP_KINDS if rx.search(text)]
        if len(kinds) >= 2:
            hp.append(Evidence(kind="file", path=p, url=snapshot.url_for(p), snippet=f"{p}: " + ", ".join(kinds)))
    for p, text in sorted(snapshot.texts.items()):
        if (
            not p.lower().endswith((".json", ".yaml", ".yml", ".toml", ".py", ".sh", ".cfg", ".ini"))
            or p == "config.json"
        ):
            continue
        for i, ln in enumerate(text.splitlines()[:5000]):
            if re.search(r"[\"']?\b(seed|random_seed|data_seed|manual_seed)\b[\"']?\s*[:=(]\s*\d+", ln, re.I):
                seeds.append(Evidence(kind="line", path=p, line=i + 1, snippet=short(ln.strip(), 160)))
                break
        if len(seeds) >= 3:
            break
    return hp, seeds


def _logs(snapshot: Snapshot, card: CardFacts) -> tuple[list[Evidence], list[Evidence], int]:
    ev: list[Evidence] = []
    steps = 0
    for f in snapshot.files:
        if not LOG_NAME.search(f.path):
            continue
        base = posixpath.basename(f.path)
        if base == "trainer_state.json":
            data = _json(snapshot, f.path)
            hist = data.get("log_history") if isinstance(data, dict) else None
            n = (
                sum(1 for h in hist if isinstance(h, dict) and ("loss" in h or "train_loss" in h))
                if isinstance(hist, list)
                else 0
            )
            if n:
                steps = max(steps, n)
                ev.append(
                    Evidence(
                        kind="file",
                        path=f.path,
                        url=snapshot.url_for(f.path),
                        snippet=f"log_history with {n} loss entries",
                    )
                )
            continue
        if base.startswith("events.out.tfevents"):
            ev.append(Evidence(kind="file", path=f.path, snippet="TensorBoard event file"))
            continue
        text = snapshot.texts.get(f.path)
        if text is not None:
            head = "\n".join(text.splitlines()[:3])
            if re.search(r"loss|perplexity|ppl", head, re.I):
                ev.append(
                    Evidence(
                        kind="file", path=f.path, url=snapshot.url_for(f.path), snippet=short(head.splitlines()[0], 160)
                    )
                )
        elif f.path.lower().endswith((".jsonl", ".csv", ".tsv", ".log")) and re.search(r"loss|log|metric", base, re.I):
            ev.append(Evidence(kind="file", path=f.path, snippet=f"{base} (not read)"))
    lines: list[Evidence] = []
    if card.exists:
        for l in card_links(card):
            if l.kind == "tracking":
                ev.append(l.evidence(card.path))
        for ln, t in meaningful_lines(card, LOSS_LINE, limit=3):
            lines.append(card.line_evidence(ln, t))
    return ev[:8], lines, steps


def collect(snapshot: Snapshot, card: CardFacts, code: CodeFacts) -> ReproFacts:
    readable = card.exists and not card.unreadable
    hp_files, cfg_seeds = _config_hp_and_seed(snapshot, code)
    logs, log_lines, steps = _logs(snapshot, card)
    order = [
        Evidence(kind="file", path=f.path, url=snapshot.url_for(f.path), snippet=f"data order file: {f.path}")
        for f in snapshot.files
        if ORDER_NAME.search(f.path) and not f.path.endswith(".index.json")
    ][:5]
    if not readable:
        return ReproFacts(
            hp_files=tuple(hp_files), seeds=tuple(cfg_seeds), logs=tuple(logs), log_steps=steps, data_order=tuple(order)
        )
    kinds, hp_ev = _hyperparameters(card)
    seeds = [card.line_evidence(ln, t) for ln, t in meaningful_lines(card, SEED_RX, limit=2)] + cfg_seeds
    order_lines = [card.line_evidence(ln, t) for ln, t in meaningful_lines(card, ORDER_LINE, limit=2)]
    compute: list[Evidence] = []
    co2 = card.metadata.get("co2_eq_emissions")
    if co2 not in (None, "", {}, []):
        compute.append(card.field_evidence("co2_eq_emissions"))
    secs = [x for x in card.find_sections(COMPUTE_SECTION) if not NOT_TRAINING_COMPUTE.search(x.title)]
    for ln, t in meaningful_lines(card, COMPUTE_LINE, sections=secs or None, limit=8):
        if NOT_TRAINING_COMPUTE.search(t) or (not secs and not TRAINING_CONTEXT.search(t)):
            continue  # inference/fine-tuning requirements, or a hardware line that is not about training
        compute.append(card.line_evidence(ln, t))
        if len(compute) >= 4:
            break
    papers: list[Evidence] = []
    for l in card_links(card):
        if l.kind == "paper" or (
            l.kind == "other"
            and PAPER_LINK_LINE.search(l.text)
            and (l.url.lower().split("?")[0].endswith(".pdf") or PAPER_LABEL.search(l.text))
        ):
            papers.append(l.evidence(card.path))
    tags = card.metadata.get("tags")
    for t in tags if isinstance(tags, list) else []:
        if isinstance(t, str) and t.lower().startswith(("arxiv:", "doi:")):
            papers.append(card.field_evidence("tags", snippet=f"tag {t}"))
    for ln, t in meaningful_lines(card, PAPER_LINE, limit=2):
        papers.append(card.line_evidence(ln, t))
    bib = [card.line_evidence(ln, t) for ln, t in card.grep(BIBTEX)[:2]]
    return ReproFacts(
        hyperparameters=tuple(kinds),
        hp_evidence=tuple(hp_ev),
        hp_files=tuple(hp_files),
        seeds=tuple(seeds[:4]),
        logs=tuple(logs),
        log_lines=tuple(log_lines),
        log_steps=steps,
        data_order=tuple(order),
        data_order_lines=tuple(order_lines),
        compute=tuple(compute[:4]),
        papers=tuple(_dedupe(papers)[:6]),
        bibtex=tuple(bib),
    )


def _dedupe(ev: list[Evidence]) -> list[Evidence]:
    seen: set[tuple] = set()
    out = []
    for e in ev:
        k = (e.url, e.line, e.snippet if e.url is None else None)
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out
