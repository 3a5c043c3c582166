"""Training-code probes: training code, training configs, inference with a standard library,
remote code, evaluation and preprocessing code, code-repository links."""
from __future__ import annotations

import re

from openaudit.collect.code import STANDARD_LIBS
from openaudit.collect.common import absence, card_only, short
from openaudit.collect.findings import F, NA, P, PA, card_unavailable, files_unavailable, finding, listing_unavailable, plural
from openaudit.model import Condition, Evidence, Finding
from openaudit.probes.registry import ProbeContext, probe

# Links to general-purpose libraries/tools are not this model's code.
LIBRARY_REPOS = re.compile(r"github\.com/(?:huggingface/(transformers|diffusers|peft|trl|accelerate|optimum|text-generation-inference|"
                           r"huggingface_hub|datasets|tokenizers|safetensors|candle|setfit|transformers\.js)|UKPLab/sentence-transformers|"
                           r"ggerganov/(llama\.cpp|ggml|whisper\.cpp)|ggml-org/|oobabooga/|vllm-project/vllm|"
                           r"turboderp/exllama\w*|AutoGPTQ/|casper-hansen/AutoAWQ|PanQiWei/AutoGPTQ|qwopqwop200/GPTQ-for-LLaMa|"
                           r"LostRuins/koboldcpp|comfyanonymous/ComfyUI|AUTOMATIC1111/|lllyasviel/(Fooocus|stable-diffusion-webui-forge)|"
                           r"nomic-ai/gpt4all|jmorganca/ollama|ollama/ollama|lmstudio-ai|mlc-ai/|pytorch/pytorch|"
                           r"tensorflow/tensorflow|google/jax|microsoft/onnxruntime|openvinotoolkit/|triton-inference-server|"
                           r"SYSTRAN/faster-whisper|OpenNMT/CTranslate2|TheBlokeAI|huggingface/blog)(?:\.git)?/?(?:[#?].*)?$", re.I)


_IN_REPO = re.compile(r"\b(this|the current|the present|our) (current )?(repo|repository|model repo)\b|\bin this (folder|directory)", re.I)
# A link on an installation line points at a dependency, not at this model's code.
_INSTALL = re.compile(r"\b(install\w*|pip |requirements?|dependenc\w*|conda)\b", re.I)


def _model_links(c, purpose: str | None = None):
    links = [l for l in c.links if not LIBRARY_REPOS.search(l.url) and l.purposes != ("data",) and not _INSTALL.search(l.text)]
    if purpose is not None:
        links = [l for l in links if purpose in l.purposes]
    return links


def _scripts_or_links(ctx: ProbeContext, pid: str, role: str, what: str) -> Finding:
    c = ctx.facts["code"]
    card = ctx.facts["card"]
    scripts = c.scripts_for(role)
    if role == "training":
        scripts = scripts + c.scripts_for("launcher")
    links = _model_links(c, role)
    if scripts or links:
        parts = []
        if scripts:
            parts.append(f"{plural(len(scripts), 'script')} in the repository")
        if links:
            parts.append(f"{plural(len(links), 'linked code repository', )}")
        ev = [s.evidence for s in scripts[:3]] + [l.evidence(card.path) for l in links[:3]]
        return finding(pid, P, f"{what} published: " + " and ".join(parts), ev)
    files = {f.path for f in ctx.snapshot.files}
    named = [(f, e) for f, p, e in c.mentioned if p == role and not any(x == f or x.endswith("/" + f) for x in files)]
    if named and card_only(ctx.snapshot)[0] and any(_IN_REPO.search(e.snippet or "") for _, e in named):
        return finding(pid, P, f"the card says this repository holds the {what} ({named[0][0]}); its files were not observed",
                       [e for _, e in named[:3]])
    if named:
        return finding(pid, PA, f"the card names {what} ({named[0][0]}) that is not among the repository files",
                       [e for _, e in named[:3]], score=0.5)
    generic = [l for l in _model_links(c) if not l.purposes or l.purposes == ("inference",)]
    cu = card_unavailable(pid, ctx.facts, what)
    if cu is not None and cu.outcome is NA:
        return cu
    na = listing_unavailable(pid, ctx.snapshot, what)
    if na:
        return na
    if generic and role == "training":
        return finding(pid, PA, "a code repository is linked, but the card does not say it holds training code",
                       [l.evidence(card.path) for l in generic[:3]], score=0.5)
    return finding(pid, F, f"no {what} in the repository or linked from the card",
                   [absence(f"{len(ctx.snapshot.files)} repository files for {role} scripts; card links to "
                            f"GitHub/GitLab/Codeberg/Spaces described as {role} code")])


@probe("code.training_code")
def training_code(ctx: ProbeContext) -> Finding:
    return _scripts_or_links(ctx, "code.training_code", "training", "training code")


@probe("code.evaluation_code")
def evaluation_code(ctx: ProbeContext) -> Finding:
    return _scripts_or_links(ctx, "code.evaluation_code", "evaluation", "evaluation code")


@probe("code.preprocessing_code")
def preprocessing_code(ctx: ProbeContext) -> Finding:
    return _scripts_or_links(ctx, "code.preprocessing_code", "preprocessing", "data preprocessing code")


@probe("code.training_config")
def training_config(ctx: ProbeContext) -> Finding:
    c = ctx.facts["code"]
    if c.configs:
        return finding("code.training_config", P, f"{plural(len(c.configs), 'training configuration file')} published",
                       c.configs[:4], value=[e.path for e in c.configs])
    na = files_unavailable("code.training_config", ctx.snapshot, "training configuration files")
    if na:
        return na
    return finding("code.training_config", F, "no training configuration files in the repository",
                   [absence("training_args.json/yaml, trainer_state.json, *train*.yaml|json, axolotl/llama-factory/"
                            "deepspeed/fsdp configs, hparams.yaml, adapter_config.json")])


@probe("code.inference_code")
def inference_code(ctx: ProbeContext) -> Finding:
    c = ctx.facts["code"]
    ev = [e for e in (c.library_evidence, c.config_evidence) if e is not None]
    lib = (c.library_name or "").lower()
    if c.remote_code:
        return finding("code.inference_code", PA, f"runs with {c.library_name or 'transformers'} but needs the repository's own code (trust_remote_code)",
                       ev + list(c.remote_evidence[:2]), value=c.library_name, score=0.5)
    if lib in STANDARD_LIBS or c.architectures or c.diffusers_pipeline:
        what = c.library_name or ("diffusers" if c.diffusers_pipeline else "transformers")
        return finding("code.inference_code", P, f"runs with the open library {what}"
                       + (f" ({', '.join(c.architectures[:2])})" if c.architectures else ""), ev, value=what)
    if lib:
        return finding("code.inference_code", PA, f"library_name {c.library_name!r} is not a widely used open library", ev,
                       value=c.library_name, score=0.5)
    cu = card_unavailable("code.inference_code", ctx.facts, "the inference library")
    if cu is not None and cu.outcome is NA:
        return cu
    return finding("code.inference_code", F, "no standard library named for inference",
                   [absence("card library_name, Hub library_name, config.json architectures/model_type, "
                            "model_index.json, modules.json")])


_TRUST = re.compile(r"trust_remote_code\s*=\s*True", re.I)


@probe("code.no_remote_code")
def no_remote_code(ctx: ProbeContext) -> Finding:
    pid = "code.no_remote_code"
    c = ctx.facts["code"]
    card = ctx.facts["card"]
    if c.remote_code:
        return finding(pid, F, "inference needs the repository's Python code (trust_remote_code)",
                       list(c.remote_evidence[:4]) + [Evidence(kind="file", path=p) for p in c.py_files[:2]])
    lines = card.grep(_TRUST) if card.exists else []
    if lines:
        return finding(pid, F, "the card's usage code passes trust_remote_code=True",
                       [card.line_evidence(ln, t) for ln, t in lines[:2]])
    gaps = [n for n in ctx.snapshot.notes if n.code in _LISTING_GAPS or (n.code in _FILE_GAPS and _is_config(n.path))]
    skipped = [Evidence(kind="note", path=n.path, snippet=short(n.message, 300)) for n in ctx.snapshot.notes_with(Condition.DIRS_SKIPPED)][:1]
    if c.remote_unverified or gaps:
        ev = list(c.remote_unverified[:3]) + [Evidence(kind="note", path=n.path, snippet=short(n.message, 200)) for n in gaps[:2]]
        why = "a config could not be read for auto_map" if c.remote_unverified else "not every file of the repository was seen"
        return finding(pid, NA, f"remote code cannot be ruled out: {why}", ev + skipped)
    if "config.json" in ctx.snapshot.texts or ctx.snapshot.file("model_index.json") is not None or c.library_name in ("sentence-transformers", "diffusers"):
        ev = [e for e in (c.config_evidence, c.library_evidence) if e is not None]
        if c.py_files:
            ev.append(Evidence(kind="file", path=c.py_files[0], snippet=f"{plural(len(c.py_files), '.py file')} present but not referenced by auto_map"))
        return finding(pid, P, "no auto_map or custom pipeline: runs without the repository's code",
                       (ev or [absence("config.json auto_map, custom_pipelines")]) + skipped)
    na = listing_unavailable(pid, ctx.snapshot, "remote code")
    if na:
        return na
    return finding(pid, NA, "no config.json to check for auto_map",
                   [absence("config.json / model_index.json; card usage code for trust_remote_code=True")])


# Typed source notes after which a config (or the .py files it names) may not have been seen.
_LISTING_GAPS = (Condition.LISTING_CAPPED, Condition.FOLDER_UNLISTED, Condition.READS_STOPPED, Condition.ACCESS_DENIED)
_FILE_GAPS = (Condition.FILE_UNREADABLE, Condition.TEXT_SKIPPED)


def _is_config(path: str | None) -> bool:
    base = (path or "").rsplit("/", 1)[-1]
    return base.endswith("config.json") or base == "model_index.json"


@probe("code.repository_link")
def repository_link(ctx: ProbeContext) -> Finding:
    c = ctx.facts["code"]
    card = ctx.facts["card"]
    cu = card_unavailable("code.repository_link", ctx.facts, "code repository links")
    if cu is not None:
        return cu
    links = _model_links(c)
    if links:
        return finding("code.repository_link", P, f"the card links {plural(len({l.url for l in links}), 'code repository')}",
                       [l.evidence(card.path) for l in links[:4]], value=sorted({l.url for l in links})[:10])
    libs = [l for l in c.links if LIBRARY_REPOS.search(l.url)]
    return finding("code.repository_link", F, "the card links no source code repository for this model",
                   [absence("card links to github.com, gitlab.com, codeberg.org, bitbucket.org, huggingface.co/spaces")]
                   + [Evidence(kind="url", url=l.url, line=l.line, path=card.path, snippet="library link, not this model's code") for l in libs[:2]])
