"""Training code: scripts and configs in the repo, code-repository links in the card (with what each
is for), the library the model runs with (library_name, architectures, model_type) and whether
inference needs the repo's own Python code.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openaudit.base.parse import ParseProblem, load_json
from openaudit.collect import _ext
from openaudit.collect import links as link_facts
from openaudit.collect.card import CardFacts
from openaudit.collect.common import Link, card_links, code_statements, link_purposes, repo_key
from openaudit.collect.data import DATA_SECTION
from openaudit.collect.links import RepoLookup
from openaudit.model import Evidence, Snapshot

TRAIN_SCRIPT = re.compile(
    r"(^|/)(train|training|finetun\w*|fine_tun\w*|pretrain\w*|run_(clm|mlm|glue|seq2seq|"
    r"translation|summari[sz]ation|qa|ner|speech\w*|image\w*|train\w*)|sft\w*|dpo\w*|"
    r"distill\w*)[\w.-]*\.(py|sh|ipynb)$",
    re.I,
)
EVAL_SCRIPT = re.compile(r"(^|/)(eval\w*|evaluate\w*|benchmark\w*|test_model\w*)[\w.-]*\.(py|sh|ipynb)$", re.I)
PREP_SCRIPT = re.compile(
    r"(^|/)(prep\w*|preprocess\w*|process_data\w*|data_prep\w*|build_dataset\w*|"
    r"tokeni[sz]e_data\w*|filter\w*|dedup\w*|make_data\w*)[\w.-]*\.(py|sh|ipynb)$",
    re.I,
)
LAUNCH = re.compile(
    r"\b(torchrun|deepspeed|accelerate launch|python -m torch\.distributed|"
    r"srun|composer|llamafactory-cli|axolotl|tune run|nemo|fairseq-train|megatron)\b",
    re.I,
)
TRAIN_CONFIG_NAME = re.compile(
    r"(^|/)(training_args\.(json|ya?ml|bin)|trainer_state\.json|train_config\w*\.(json|ya?ml)|"
    r"training_config\w*\.(json|ya?ml)|finetun\w*\.(json|ya?ml)|sft\w*\.(json|ya?ml)|"
    r"(axolotl|llama_?factory|lf)[\w-]*\.(ya?ml|json)|hparams\.(ya?ml|json)|"
    r"hyperparam\w*\.(ya?ml|json)|args\.json|ds_config\w*\.json|deepspeed\w*\.json|"
    r"adapter_config\.json|fsdp\w*\.(ya?ml|json)|[\w-]*recipe[\w-]*\.(ya?ml|json)|"
    r"config\.ya?ml|[\w-]*train[\w-]*\.(ya?ml|json|toml))$",
    re.I,
)
TRAIN_CONFIG_KEYS = re.compile(
    r"\b(learning_rate|lr|per_device_train_batch_size|train_batch_size|global_batch_size|"
    r"micro_batch_size|num_train_epochs|max_steps|warmup_steps|warmup_ratio|"
    r"gradient_accumulation_steps|optimizer|lr_scheduler\w*|weight_decay)\b",
    re.I,
)
SCRIPT_MENTION = re.compile(r"(?<![\w/.:-])`?([\w./-]*\w\.(?:py|sh|ipynb))`?(?![\w])")
USAGE_IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(transformers|diffusers|sentence_transformers|timm|peft|open_clip|"
    r"speechbrain|flair|setfit|gliner|span_marker|fairseq|espnet|nemo|llama_cpp|mlx_lm|ctranslate2|"
    r"faster_whisper|vllm|optimum|spacy|fasttext|keras|tensorflow|torch)\b"
)
NOTEBOOK = re.compile(r"\.ipynb$", re.I)
STANDARD_LIBS = frozenset(
    {
        "transformers",
        "sentence-transformers",
        "diffusers",
        "timm",
        "peft",
        "adapter-transformers",
        "open_clip",
        "speechbrain",
        "nemo",
        "espnet",
        "fairseq",
        "flair",
        "spacy",
        "keras",
        "tf-keras",
        "stable-baselines3",
        "sample-factory",
        "ml-agents",
        "span-marker",
        "setfit",
        "gguf",
        "llama.cpp",
        "mlx",
        "onnx",
        "transformers.js",
        "paddlenlp",
        "fastai",
        "pyannote-audio",
        "asteroid",
        "allennlp",
        "sklearn",
        "scikit-learn",
        "fasttext",
        "ctranslate2",
        "coreml",
        "tensorflowtts",
        "openvino",
        "pytorch",
        "tensorflow",
        "jax",
        "flax",
        "gliner",
        "unity-sentis",
        "bertopic",
        "audiocraft",
        "k2",
        "pythae",
        "rl-baselines3-zoo",
        "stanza",
        "txtai",
        "colpali",
        "model2vec",
        "llama-cpp",
        "mlx-lm",
        "faster-whisper",
        "open-clip",
        "torch",
        "chronos-forecasting",
        "whisperkit",
        "vllm",
        "llamafile",
        "lerobot",
        "f5-tts",
    }
)


# Links to general-purpose libraries/tools are not this model's code.
LIBRARY_REPOS = re.compile(
    r"github\.com/(?:huggingface/(transformers|diffusers|peft|trl|accelerate|optimum|text-generation-inference|"
    r"huggingface_hub|datasets|tokenizers|safetensors|candle|setfit|transformers\.js)|UKPLab/sentence-transformers|"
    r"ggerganov/(llama\.cpp|ggml|whisper\.cpp)|ggml-org/|oobabooga/|vllm-project/vllm|"
    r"turboderp/exllama\w*|AutoGPTQ/|casper-hansen/AutoAWQ|PanQiWei/AutoGPTQ|qwopqwop200/GPTQ-for-LLaMa|"
    r"LostRuins/koboldcpp|comfyanonymous/ComfyUI|AUTOMATIC1111/|lllyasviel/(Fooocus|stable-diffusion-webui-forge)|"
    r"nomic-ai/gpt4all|jmorganca/ollama|ollama/ollama|lmstudio-ai|mlc-ai/|pytorch/pytorch|"
    r"tensorflow/tensorflow|google/jax|microsoft/onnxruntime|openvinotoolkit/|triton-inference-server|"
    r"SYSTRAN/faster-whisper|OpenNMT/CTranslate2|TheBlokeAI|huggingface/(blog|lighteval)|"
    # general evaluation suites and kernels
    r"EleutherAI/lm-evaluation-harness|Dao-AILab/flash-attention|facebookresearch/xformers|"
    r"TimDettmers/bitsandbytes|bitsandbytes-foundation/bitsandbytes)(?:\.git)?/?(?:[#?].*)?$",
    re.I,
)


# A link on an installation line points at a dependency, not at this model's code.
_INSTALL = re.compile(r"\b(install\w*|pip |requirements?|dependenc\w*|conda)\b", re.I)


FINETUNED_MODEL = re.compile(
    r"\b(?:is|was) (?:a |an )?(?:fine-?tuned|instruction[- ]tuned)\b|\bfine-?tuned (?:version )?(?:of|from)\b|"
    r"\b(?:fine-?tuned|instruction[- ]tuned) (?:on top of|based on)\b|\b(?:this|it) is\b[^.]{0,80}?\bfine-?tuned (?:on|with)\b|"
    r"\bwe (?:have )?fine-?tuned\b|\bto fine-?tuned? (?:the|a) [\w.-]+ model,? we (?:have )?used\b|\bPeftModel\.from_pretrained\b|"
    r"\b(?:q?lora) (?:adapter|weights)\b",
    re.I,
)
# Code that only fine-tunes (SFT / LoRA recipes offered to users) - not the code that trained a base model.
FINETUNE_ONLY = re.compile(r"fine-?tun|finetun|(?<![a-z])(?:sft|q?lora)(?![a-z])", re.I)
USER_GUIDE = re.compile(r"\b(?:tutorials?|notebooks?|colab|examples?|how to)\b", re.I)
TRAINING_WORD = re.compile(r"pre-?train|(?<![a-z])train(?:ing|ed|s)?(?![a-z])", re.I)


def finetune_only(text: str) -> bool:
    """The text speaks of fine-tuning (SFT, LoRA) and not of training or pre-training."""
    text = re.sub(r"(?:fine-?tun|finetun)\w*[\s-]+train\w*", "fine-tuning", text, flags=re.I)  # "finetune training"
    if not FINETUNE_ONLY.search(text):
        return False
    return not TRAINING_WORD.search(text) or bool(USER_GUIDE.search(text))  # a tutorial that fine-tunes "with training"


# Pages of a code host that are not a repository's code: a user or organisation profile, issues, pull
# requests, discussions, CI runs, contributor graphs, uploaded assets.
NOT_CODE_PAGE = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org)/(?:[^/?#]+/?(?:[?#].*)?$|"
    r"[^/?#]+/[^/?#]+/(?:-/)?(?:issues|pulls?|merge_requests|discussions|actions|graphs|assets|stargazers|"
    r"network|security)(?:[/?#].*)?$)",
    re.I,
)


def is_model_code_link(link: Link) -> bool:
    """A link to this model's own code: a code host, not a general library/tool, not an installation
    line, not a link whose text names a dataset or a model, not a profile / issue / pull-request page."""
    return (
        link.kind == "code"
        and not NOT_CODE_PAGE.search(link.url)
        and not LIBRARY_REPOS.search(link.url)
        and link.purposes not in (("data",), ("model",))
        and not _INSTALL.search(link.sentence or link.text)
    )


@dataclass(frozen=True)
class ScriptFile:
    path: str
    role: str  # "training" | "evaluation" | "preprocessing" | "notebook" | "launcher"
    evidence: Evidence


@dataclass(frozen=True)
class CodeFacts:
    scripts: tuple[ScriptFile, ...] = ()
    configs: tuple[Evidence, ...] = ()  # training configuration files (file evidence)
    links: tuple[Link, ...] = ()  # code-repository links in the card
    library_name: str | None = None
    library_evidence: Evidence | None = None
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    config_evidence: Evidence | None = None
    pipeline_tag: str | None = None
    base_model: tuple[str, ...] = ()
    remote_code: bool = False
    remote_evidence: tuple[Evidence, ...] = ()
    remote_unverified: tuple[Evidence, ...] = ()  # configs whose auto_map could not be read (never a pass)
    py_files: tuple[str, ...] = ()
    diffusers_pipeline: str | None = None  # model_index.json _class_name
    mentioned: tuple[tuple[str, str, Evidence], ...] = ()  # (file, purpose, card line) scripts the card names
    clones: tuple[Link, ...] = ()  # code repositories the card's commands `git clone`
    released: tuple[Evidence, ...] = ()  # card lines stating that the model's code is publicly available
    finetuned: bool = False  # the model is itself a fine-tune (base_model metadata, "a fine-tuned version of ...")
    linked: Mapping[str, RepoLookup] = field(default_factory=dict)  # repo_key -> what following the link found

    def scripts_for(self, role: str) -> tuple[ScriptFile, ...]:
        return tuple(s for s in self.scripts if s.role == role)

    def model_links(self, purpose: str | None = None) -> tuple[Link, ...]:
        """Links to this model's own code (see ``is_model_code_link``), for ``purpose`` when given."""
        return tuple(l for l in self.links if is_model_code_link(l) and (purpose is None or purpose in l.purposes))

    def lookup(self, link: Link) -> RepoLookup | None:
        return self.linked.get(repo_key(link.url))


def _line_of(text: str, rx: re.Pattern[str]) -> tuple[int, str] | None:
    for i, ln in enumerate(text.splitlines()):
        if rx.search(ln):
            return i + 1, ln.strip()
    return None


def _scripts(snapshot: Snapshot) -> list[ScriptFile]:
    out: list[ScriptFile] = []
    for f in snapshot.files:
        p = f.path
        role = None
        if TRAIN_SCRIPT.search(p):
            role = "training"
        elif PREP_SCRIPT.search(p):
            role = "preprocessing"
        elif EVAL_SCRIPT.search(p):
            role = "evaluation"
        elif p.lower().endswith((".sh", ".bash", ".slurm")):
            hit = _line_of(snapshot.texts.get(p, ""), LAUNCH)
            if hit:
                out.append(ScriptFile(p, "training", Evidence(kind="line", path=p, line=hit[0], snippet=hit[1][:200])))
            continue
        elif NOTEBOOK.search(p):
            text = snapshot.texts.get(p, "")
            role = (
                "training" if re.search(r"Trainer\(|\.fit\(|\.train\(|optimizer\.step|SFTTrainer", text) else "notebook"
            )
        if role is None:
            continue
        out.append(
            ScriptFile(p, role, Evidence(kind="file", path=p, url=snapshot.url_for(p), snippet=f"{role} script: {p}"))
        )
    return out


def _configs(snapshot: Snapshot) -> list[Evidence]:
    out: list[Evidence] = []
    for f in snapshot.files:
        p = f.path
        base = posixpath.basename(p).lower()
        if not TRAIN_CONFIG_NAME.search(p) or base in ("config.json",):
            continue
        text = snapshot.texts.get(p)
        if base in ("config.yaml", "config.yml") or re.search(r"train[\w-]*\.(ya?ml|json|toml)$", base):
            # generic names count only when they hold training keys
            hit = _line_of(text or "", TRAIN_CONFIG_KEYS)
            if hit is None:
                continue
            out.append(Evidence(kind="line", path=p, line=hit[0], snippet=hit[1][:200]))
            continue
        out.append(Evidence(kind="file", path=p, url=snapshot.url_for(p), snippet=f"training configuration: {p}"))
    return out


def _config_json(snapshot: Snapshot) -> dict[str, Any]:
    text = snapshot.texts.get("config.json")
    if not text:
        return {}
    try:
        data = load_json(text, source="config.json")
    except ParseProblem:
        return {}
    return data if isinstance(data, dict) else {}


def _as_list(v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list):
        return tuple(str(x) for x in v if isinstance(x, (str, int, float)))
    return ()


def collect(snapshot: Snapshot, card: CardFacts) -> CodeFacts:
    meta = card.metadata if card.exists else {}
    links = tuple(_mark_data_links(card, l) for l in card_links(card) if l.kind == "code") if card.exists else ()
    lib, lib_ev = None, None
    if isinstance(meta.get("library_name"), str) and meta["library_name"].strip():
        lib, lib_ev = meta["library_name"].strip(), card.field_evidence("library_name")
    elif isinstance(snapshot.api.get("library_name"), str):
        lib = snapshot.api["library_name"]
        lib_ev = Evidence(kind="api_field", field="library_name", snippet=f"library_name: {lib}")
    cfg = _config_json(snapshot)
    archs = _as_list(cfg.get("architectures"))
    mtype = cfg.get("model_type") if isinstance(cfg.get("model_type"), str) else None
    cfg_ev = None
    if archs or mtype:
        cfg_ev = Evidence(
            kind="file", path="config.json", url=snapshot.url_for("config.json"), snippet=short_cfg(archs, mtype)
        )
    if lib is None:
        if "config_sentence_transformers.json" in snapshot.texts or snapshot.file("modules.json") is not None:
            lib, lib_ev = (
                "sentence-transformers",
                Evidence(kind="file", path="modules.json", snippet="sentence-transformers module list"),
            )
        elif snapshot.file("model_index.json") is not None:
            lib, lib_ev = (
                "diffusers",
                Evidence(kind="file", path="model_index.json", snippet="diffusers pipeline index"),
            )
        elif archs or mtype:
            lib, lib_ev = "transformers", cfg_ev
    if lib is None and card.exists:
        tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
        tagged = [t for t in tags if isinstance(t, str) and t.lower() in STANDARD_LIBS]
        hit = card.grep(USAGE_IMPORT)
        if hit:
            m = USAGE_IMPORT.search(hit[0][1])
            lib, lib_ev = m.group(1).lower().replace("_", "-"), card.line_evidence(*hit[0])
        elif tagged:
            lib, lib_ev = tagged[0].lower(), card.field_evidence("tags", snippet=f"tag {tagged[0]}")
    pipe = None
    mi = snapshot.texts.get("model_index.json")
    if mi:
        try:
            d = load_json(mi, source="model_index.json")
            pipe = d.get("_class_name") if isinstance(d, dict) and isinstance(d.get("_class_name"), str) else None
        except ParseProblem:
            pipe = None
    rc = _ext.remote_code(snapshot)
    mentioned: list[tuple[str, str, Evidence]] = []
    if card.exists:
        for ln, text in card.grep(SCRIPT_MENTION)[:20]:
            for m in SCRIPT_MENTION.finditer(text):
                purposes = link_purposes(m.group(1), text)
                for purpose in purposes or ("other",):
                    mentioned.append((m.group(1), purpose, card.line_evidence(ln, text)))
    clones = tuple(l for l in links if re.search(r"\bgit\s+clone\b", l.text) and is_model_code_link(l))
    finetuned = bool(_as_list(meta.get("base_model"))) or bool(card.exists and card.grep(FINETUNED_MODEL))
    pipeline_tag = (
        meta.get("pipeline_tag") if isinstance(meta.get("pipeline_tag"), str) else snapshot.api.get("pipeline_tag")
    )
    return CodeFacts(
        scripts=tuple(_scripts(snapshot)),
        configs=tuple(_configs(snapshot)),
        links=links,
        library_name=lib,
        library_evidence=lib_ev,
        architectures=archs,
        model_type=mtype,
        config_evidence=cfg_ev,
        pipeline_tag=pipeline_tag if isinstance(pipeline_tag, str) else None,
        base_model=_as_list(meta.get("base_model")),
        remote_code=rc.flagged,
        remote_evidence=tuple(rc.evidence),
        remote_unverified=tuple(rc.unverified),
        py_files=rc.py_files,
        diffusers_pipeline=pipe,
        mentioned=tuple(mentioned[:20]),
        clones=clones,
        finetuned=finetuned,
        linked=link_facts.repos(snapshot),
        released=tuple(card.line_evidence(ln, t) for ln, t in code_statements(card)) if card.exists else (),
    )


def _mark_data_links(card: CardFacts, link: Link) -> Link:
    """A link with no stated purpose inside a training-data section points at data, not code."""
    if link.purposes or link.line is None:
        return link
    for s in card.find_sections(DATA_SECTION):
        if s.line <= link.line <= s.end_line:
            return dataclasses.replace(link, purposes=("data",))
    return link


def short_cfg(archs: tuple[str, ...], mtype: str | None) -> str:
    parts = []
    if archs:
        parts.append("architectures: " + ", ".join(archs[:4]))
    if mtype:
        parts.append(f"model_type: {mtype}")
    return "; ".join(parts)
