"""Training-code probes: training code, training configs, inference with a standard library,
remote code, evaluation and preprocessing code, code-repository links."""

from __future__ import annotations

import re

from openaudit.collect.code import LIBRARY_REPOS, STANDARD_LIBS, finetune_only
from openaudit.collect.common import absence, card_only, repo_key, short
from openaudit.collect.findings import (
    NA,
    PA,
    F,
    P,
    card_unavailable,
    files_unavailable,
    finding,
    listing_unavailable,
    plural,
)
from openaudit.model import Condition, Evidence, Finding
from openaudit.probes.registry import ProbeContext, probe

_IN_REPO = re.compile(
    r"\b(this|the current|the present|our) (current )?(repo|repository|model repo)\b|\bin this (folder|directory)", re.I
)
_CONFIG_EXT = (".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".gin", ".conf")


def _not_followed(ctx: ProbeContext, links) -> str:
    """Why the contents of linked repositories were not observed (for a not_available message)."""
    c = ctx.facts["code"]
    statuses = {c.lookup(l).status.value for l in links if c.lookup(l) is not None and not c.lookup(l).ok}
    if statuses:
        return "the link was not followed (" + ", ".join(sorted(statuses)) + ")"
    if any(c.lookup(l) is not None and c.lookup(l).truncated for l in links):
        return "its file tree was truncated"
    return "links are not followed offline" if ctx.snapshot.offline else "the link was not followed"


def _unobserved(c, links) -> list:
    """Linked repositories whose contents were not (completely) observed."""
    return [
        l
        for l in links
        if c.lookup(l) is None or not c.lookup(l).ok or c.lookup(l).paths is None or c.lookup(l).truncated
    ]


def _repos(links) -> str:
    keys = list(dict.fromkeys(repo_key(l.url) for l in links))
    return ", ".join(keys[:3]) + (f" (+{len(keys) - 3})" if len(keys) > 3 else "")


def _scripts_or_links(ctx: ProbeContext, pid: str, role: str, what: str) -> Finding:
    c = ctx.facts["code"]
    card = ctx.facts["card"]
    scripts = c.scripts_for(role)
    if role == "training":
        scripts = scripts + c.scripts_for("launcher")
    said = c.model_links(role)  # the card says these hold this code
    tuning = []  # for a pretrained (not fine-tuned) model: fine-tuning recipes offered to users, not its training code
    if role == "training" and not c.finetuned:
        tuning = [l for l in said if finetune_only(l.sentence or l.text)]
        said = tuple(l for l in said if l not in tuning)
    # a link to this model's code whose followed repository holds such code (paths), said or not
    found = [l for l in c.model_links() if c.lookup(l) is not None and c.lookup(l).has(role)]
    links = list({repo_key(l.url): l for l in list(said) + found}.values())
    if scripts or links:
        parts = []
        if scripts:
            parts.append(f"{plural(len(scripts), 'script')} in the repository")
        if links:
            unchecked = _unobserved(c, links)
            parts.append(
                plural(len(links), "linked code repository")
                + (" (linked, contents not checked)" if unchecked and len(unchecked) == len(links) else "")
            )
        ev = [s.evidence for s in scripts[:3]] + [l.evidence(card.path) for l in links[:3]]
        ev += [c.lookup(l).evidence(role) for l in links[:3] if c.lookup(l) is not None]
        return finding(pid, P, f"{what} published: " + " and ".join(parts), ev)
    files = {f.path for f in ctx.snapshot.files}
    named = [(f, e) for f, p, e in c.mentioned if p == role and not any(x == f or x.endswith("/" + f) for x in files)]
    if role == "training" and not c.finetuned:
        tuning += [e for f, e in named if finetune_only(f + " " + (e.snippet or ""))]
        named = [(f, e) for f, e in named if not finetune_only(f + " " + (e.snippet or ""))]
    if named and c.clones:  # `git clone <repo>` then `python train.py`: the script is in the cloned repository
        return finding(
            pid,
            P,
            f"the card runs {what} ({named[0][0]}) from the repository it clones ({_repos(c.clones)}; "
            "linked, contents not checked)",
            [e for _, e in named[:2]] + [l.evidence(card.path) for l in c.clones[:2]],
        )
    if named and card_only(ctx.snapshot)[0] and any(_IN_REPO.search(e.snippet or "") for _, e in named):
        return finding(
            pid,
            P,
            f"the card says this repository holds the {what} ({named[0][0]}); its files were not observed",
            [e for _, e in named[:3]],
        )
    if named:
        return finding(
            pid,
            PA,
            f"the card names {what} ({named[0][0]}) that is not among the repository files",
            [e for _, e in named[:3]],
            score=0.5,
        )
    if tuning:
        return finding(
            pid,
            PA,
            "the card offers fine-tuning code for this pretrained model; the code that trained it is not named",
            [t.evidence(card.path) if hasattr(t, "evidence") else t for t in tuning[:3]],
            score=0.5,
        )
    # the model's code repositories not shown (by a complete file tree) to lack this code
    own = [l for l in c.model_links() if not (c.lookup(l) is not None and c.lookup(l).has(role) is False)]
    generic = [l for l in own if not l.purposes or l.purposes == ("inference",)]
    cu = card_unavailable(pid, ctx.facts, what)
    if cu is not None and cu.outcome is NA:
        return cu
    na = listing_unavailable(pid, ctx.snapshot, what)
    if na:
        return na
    frameworks = [l for l in own if "framework" in l.purposes]
    if frameworks and role == "training":
        return finding(
            pid,
            PA,
            f"trained with a general library ({_repos(frameworks)}); the model's own training code and "
            "configuration are not linked",
            [l.evidence(card.path) for l in frameworks[:3]],
            score=0.5,
        )
    if generic and role == "training" and c.released:  # "All of the code ... used in this work are publicly available"
        return finding(
            pid,
            P,
            f"training code published: the card states its code is publicly available and links the "
            f"model's code repository ({_repos(generic)}; linked, contents not checked)",
            list(c.released[:2]) + [l.evidence(card.path) for l in generic[:2]],
        )
    if generic and role == "training":
        return finding(
            pid,
            PA,
            "a code repository is linked, but the card does not say it holds training code",
            [l.evidence(card.path) for l in generic[:3]],
            score=0.5,
        )
    runs_training = any(
        p == "training" and not any(x == f or x.endswith("/" + f) for x in files) for f, p, _ in c.mentioned
    )
    trained_in = (
        [l for l in c.model_links("training") if not finetune_only(l.sentence or l.text) or c.finetuned]
        + (list(c.clones) if runs_training else [])
        + (generic if c.released else [])
    )  # a cloned repository whose training script the card runs; released code
    unseen = _unobserved(c, trained_in) if role != "training" else []
    if unseen:  # this model's code lives in a linked repository whose files were not observed
        return finding(
            pid,
            NA,
            f"{what} not checked: the card links this model's code repository ({_repos(unseen)}), "
            f"whose files were not observed: {_not_followed(ctx, unseen)}",
            [l.evidence(card.path) for l in unseen[:3]],
        )
    promised = [l for l in c.links if "promised" in l.purposes]
    if promised and role == "training":
        return finding(
            pid,
            F,
            "the card announces the training code for later; it is not published",
            [l.evidence(card.path) for l in promised[:3]],
        )
    checked = [
        c.lookup(l).evidence(role)
        for l in c.model_links()
        if c.lookup(l) is not None and c.lookup(l).has(role) is False
    ]
    return finding(
        pid,
        F,
        f"no {what} in the repository or linked from the card",
        [
            absence(
                f"{len(ctx.snapshot.files)} repository files for {role} scripts; card links to "
                f"GitHub/GitLab/Codeberg/Spaces described as {role} code"
            )
        ]
        + checked[:3],
    )


@probe(
    "code.training_code",
    dimension="code",
    question="Is training code published (in the repo or a linked code repository)?",
)
def training_code(ctx: ProbeContext) -> Finding:
    return _scripts_or_links(ctx, "code.training_code", "training", "training code")


@probe("code.training_config", dimension="code", question="Are training configuration files published?")
def training_config(ctx: ProbeContext) -> Finding:
    c = ctx.facts["code"]
    if c.configs:
        return finding(
            "code.training_config",
            P,
            f"{plural(len(c.configs), 'training configuration file')} published",
            c.configs[:4],
            value=[e.path for e in c.configs],
        )
    card = ctx.facts["card"]
    in_linked = [
        (l, p)
        for l in c.model_links()
        if c.lookup(l) is not None and c.lookup(l).ok
        for p in (c.lookup(l).paths or {}).get("training", ())
        if p.lower().endswith(_CONFIG_EXT)
    ]
    if in_linked:
        lk = c.lookup(in_linked[0][0])
        return finding(
            "code.training_config",
            P,
            f"training configuration in the linked repository {lk.full_name or lk.key}: "
            + ", ".join(p for _, p in in_linked[:3]),
            [in_linked[0][0].evidence(card.path), lk.evidence("training")],
            value=[p for _, p in in_linked[:20]],
        )
    na = files_unavailable("code.training_config", ctx.snapshot, "training configuration files")
    if na:
        return na
    unseen = _unobserved(c, c.model_links("training"))
    if unseen:
        return finding(
            "code.training_config",
            NA,
            "training configuration not checked: the card links this model's training "
            f"code repository ({_repos(unseen)}), whose files were not observed: {_not_followed(ctx, unseen)}",
            [l.evidence(card.path) for l in unseen[:3]],
        )
    return finding(
        "code.training_config",
        F,
        "no training configuration files in the repository",
        [
            absence(
                "training_args.json/yaml, trainer_state.json, *train*.yaml|json, axolotl/llama-factory/"
                "deepspeed/fsdp configs, hparams.yaml, adapter_config.json"
            )
        ],
    )


@probe(
    "code.inference_code",
    dimension="code",
    question="Can the model be run with an open standard library (library_name / architectures)?",
)
def inference_code(ctx: ProbeContext) -> Finding:
    c = ctx.facts["code"]
    ev = [e for e in (c.library_evidence, c.config_evidence) if e is not None]
    lib = (c.library_name or "").lower()
    if c.remote_code:
        return finding(
            "code.inference_code",
            PA,
            f"runs with {c.library_name or 'transformers'} but needs the repository's own code (trust_remote_code)",
            ev + list(c.remote_evidence[:2]),
            value=c.library_name,
            score=0.5,
        )
    if lib in STANDARD_LIBS or c.architectures or c.diffusers_pipeline:
        what = c.library_name or ("diffusers" if c.diffusers_pipeline else "transformers")
        return finding(
            "code.inference_code",
            P,
            f"runs with the open library {what}" + (f" ({', '.join(c.architectures[:2])})" if c.architectures else ""),
            ev,
            value=what,
        )
    if lib:
        return finding(
            "code.inference_code",
            PA,
            f"library_name {c.library_name!r} is not a widely used open library",
            ev,
            value=c.library_name,
            score=0.5,
        )
    cu = card_unavailable("code.inference_code", ctx.facts, "the inference library")
    if cu is not None and cu.outcome is NA:
        return cu
    return finding(
        "code.inference_code",
        F,
        "no standard library named for inference",
        [
            absence(
                "card library_name, Hub library_name, config.json architectures/model_type, "
                "model_index.json, modules.json"
            )
        ],
    )


_TRUST = re.compile(r"trust_remote_code\s*=\s*True", re.I)


@probe(
    "code.no_remote_code",
    dimension="code",
    question="Does inference work without trust_remote_code / repo Python files?",
)
def no_remote_code(ctx: ProbeContext) -> Finding:
    pid = "code.no_remote_code"
    c = ctx.facts["code"]
    card = ctx.facts["card"]
    if c.remote_code:
        return finding(
            pid,
            F,
            "inference needs the repository's Python code (trust_remote_code)",
            list(c.remote_evidence[:4]) + [Evidence(kind="file", path=p) for p in c.py_files[:2]],
        )
    lines = card.grep(_TRUST) if card.exists else []
    if lines:
        return finding(
            pid,
            F,
            "the card's usage code passes trust_remote_code=True",
            [card.line_evidence(ln, t) for ln, t in lines[:2]],
        )
    gaps = [n for n in ctx.snapshot.notes if n.code in _LISTING_GAPS or (n.code in _FILE_GAPS and _is_config(n.path))]
    skipped = [
        Evidence(kind="note", path=n.path, snippet=short(n.message, 300))
        for n in ctx.snapshot.notes_with(Condition.DIRS_SKIPPED)
    ][:1]
    if c.remote_unverified or gaps:
        ev = list(c.remote_unverified[:3]) + [
            Evidence(kind="note", path=n.path, snippet=short(n.message, 200)) for n in gaps[:2]
        ]
        why = (
            "a config could not be read for auto_map"
            if c.remote_unverified
            else "not every file of the repository was seen"
        )
        return finding(pid, NA, f"remote code cannot be ruled out: {why}", ev + skipped)
    if (
        "config.json" in ctx.snapshot.texts
        or ctx.snapshot.file("model_index.json") is not None
        or c.library_name in ("sentence-transformers", "diffusers")
    ):
        ev = [e for e in (c.config_evidence, c.library_evidence) if e is not None]
        if c.py_files:
            ev.append(
                Evidence(
                    kind="file",
                    path=c.py_files[0],
                    snippet=f"{plural(len(c.py_files), '.py file')} present but not referenced by auto_map",
                )
            )
        return finding(
            pid,
            P,
            "no auto_map, custom pipeline, custom sentence-transformers module or custom_generate: runs without the repository's code",
            (ev or [absence("config.json auto_map, custom_pipelines")]) + skipped,
        )
    na = listing_unavailable(pid, ctx.snapshot, "remote code")
    if na:
        return na
    return finding(
        pid,
        NA,
        "no config.json to check for auto_map",
        [absence("config.json / model_index.json; card usage code for trust_remote_code=True")],
    )


@probe("code.evaluation_code", dimension="code", question="Is evaluation code published or linked?")
def evaluation_code(ctx: ProbeContext) -> Finding:
    return _scripts_or_links(ctx, "code.evaluation_code", "evaluation", "evaluation code")


@probe(
    "code.preprocessing_code", dimension="code", question="Is data preprocessing / filtering code published or linked?"
)
def preprocessing_code(ctx: ProbeContext) -> Finding:
    return _scripts_or_links(ctx, "code.preprocessing_code", "preprocessing", "data preprocessing code")


# Typed source notes after which a config (or the .py files it names) may not have been seen.
_LISTING_GAPS = (Condition.LISTING_CAPPED, Condition.FOLDER_UNLISTED, Condition.READS_STOPPED, Condition.ACCESS_DENIED)
_FILE_GAPS = (Condition.FILE_UNREADABLE, Condition.TEXT_SKIPPED)


def _is_config(path: str | None) -> bool:
    base = (path or "").rsplit("/", 1)[-1]
    return base.endswith("config.json") or base == "model_index.json"


@probe(
    "code.repository_link",
    dimension="code",
    card="code repository links",
    question="Does the card link a source code repository?",
)
def repository_link(ctx: ProbeContext) -> Finding:
    c = ctx.facts["code"]
    card = ctx.facts["card"]
    links = c.model_links()
    if links:
        return finding(
            "code.repository_link",
            P,
            f"the card links {plural(len({repo_key(l.url) for l in links}), 'code repository')}",
            [l.evidence(card.path) for l in links[:4]],
            value=sorted({l.url for l in links})[:10],
        )
    libs = [l for l in c.links if LIBRARY_REPOS.search(l.url)]
    return finding(
        "code.repository_link",
        F,
        "the card links no source code repository for this model",
        [absence("card links to github.com, gitlab.com, codeberg.org, bitbucket.org, huggingface.co/spaces")]
        + [
            Evidence(kind="url", url=l.url, line=l.line, path=card.path, snippet="library link, not this model's code")
            for l in libs[:2]
        ],
    )
