"""The publisher's model code: build the model with ``transformers`` from config.json and load published
weights the way transformers loads them.

Never remote code: a config with ``auto_map`` (the repository's own modelling code) or a ``model_type``
the installed transformers does not know is UNSUPPORTED. So is anything transformers refuses to build
(an unknown rope type, an invalid value), dropout without the RNG state to replay it, and weights
stored in a precision the replay does not reproduce. Weights are loaded with
``from_pretrained(None, config=..., state_dict=...)`` -- transformers' own key renames (``embed_out`` ->
``lm_head``), tied heads and buffers -- and then checked strictly: a missing, unexpected or mis-shaped
tensor is an unusable artifact, never silently re-initialised.

Imports transformers and torch; only loaded when a replay runs.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Iterator, Mapping
from typing import Any

import torch

from openaudit.verify.codes import ArtifactProblem, Code, Issue, Kind, ReplayGap
from openaudit.verify.environment import transformers_version

# Buffers older checkpoints carry that are recomputed from the config, not trained.
NON_PARAMETER_BUFFERS = (
    ".attention.bias",
    ".attention.masked_bias",
    ".rotary_emb.inv_freq",
    ".attn.bias",
    ".attn.masked_bias",
)
# Dropout keys a causal-LM head never uses (sequence-classification / double-heads models).
UNUSED_DROPOUT_KEYS = frozenset({"classifier_dropout", "summary_first_dropout"})
FAMILY_ALIASES = {"pythia": "gpt_neox", "gptneox": "gpt_neox", "olmo2": "olmo2", "neox": "gpt_neox"}
# Trainer.get_decay_parameter_names (transformers 4.4x-5.x): no weight decay on LayerNorm modules and on
# parameters whose lower-cased name matches one of these.
TRAINER_NO_DECAY = [r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)"]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence transformers' progress bars and load reports while openaudit drives it."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def normalise_family(family: str | None) -> str | None:
    if not family:
        return None
    f = family.lower().replace("-", "_")
    return FAMILY_ALIASES.get(f.replace("_", ""), FAMILY_ALIASES.get(f, f))


def dropout_keys(cfg: Any) -> list[str]:
    """Config keys with a dropout probability > 0 that a causal LM uses."""
    out = []
    for key, value in sorted(cfg.to_dict().items()):
        named = ("dropout" in key or "pdrop" in key) and key not in UNUSED_DROPOUT_KEYS
        if named and isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            out.append(f"{key} = {value}")
    return out


def config_issues(
    config: Mapping[str, Any], family: str | None, *, rng_replay: bool = False
) -> tuple[Any, list[Issue]]:
    """Build the transformers config object; issues for everything that cannot be replayed faithfully.
    ``rng_replay``: the published RNG states let dropout be replayed (its masks drawn again)."""
    gaps: list[Issue] = []

    def gap(code: Code, msg: str) -> None:
        gaps.append(Issue(Kind.UNSUPPORTED, code, msg))

    try:
        from transformers import MODEL_FOR_CAUSAL_LM_MAPPING
        from transformers.models.auto.configuration_auto import CONFIG_MAPPING
    except ImportError:
        gap(Code.DEPENDENCY, "transformers is not installed (pip install 'openaudit[verify]')")
        return None, gaps
    if "auto_map" in config:
        gap(
            Code.REMOTE_CODE,
            "config.json has auto_map: the model needs the repository's own code, which openaudit "
            "never runs (no trust_remote_code)",
        )
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        gap(Code.MODEL_TYPE, "config.json has no model_type")
        return None, gaps
    fam = normalise_family(family)
    if fam and fam != model_type.lower():
        gap(
            Code.FAMILY_MISMATCH,
            f"the recipe's model family {family!r} disagrees with config.json model_type {model_type!r}",
        )
    if model_type not in CONFIG_MAPPING:
        gap(Code.MODEL_TYPE, f"model_type {model_type!r} is unknown to transformers {transformers_version()}")
        return None, gaps
    if config.get("quantization_config"):
        gap(Code.PRECISION, "quantized models (quantization_config) are not replayed")
    try:
        with quiet():
            cfg = CONFIG_MAPPING[model_type].from_dict(dict(config))
    except Exception as exc:  # transformers validates the config: any refusal means it cannot be built
        gap(Code.CONFIG_REJECTED, f"transformers refuses the config: {type(exc).__name__}: {_short(exc)}")
        return None, gaps
    if type(cfg) not in MODEL_FOR_CAUSAL_LM_MAPPING:
        gap(Code.MODEL_TYPE, f"model_type {model_type!r} has no causal-LM class in transformers")
    if not rng_replay:
        for key in dropout_keys(cfg):
            gap(
                Code.DROPOUT,
                f"{key}: dropout draws random masks that a replay cannot reproduce without the "
                "training RNG state at every segment start",
            )
    return cfg, gaps


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def build(cfg: Any) -> torch.nn.Module:
    """A fresh model from the config (weights are loaded afterwards)."""
    from transformers import AutoModelForCausalLM

    try:
        with quiet():
            torch.manual_seed(0)
            model = AutoModelForCausalLM.from_config(cfg)
    except Exception as exc:
        raise ReplayGap(
            Code.CONFIG_REJECTED, f"transformers cannot build the model: {type(exc).__name__}: {_short(exc)}"
        ) from None
    return model


def _ignored(name: str, patterns: list[str]) -> bool:
    return name.endswith(NON_PARAMETER_BUFFERS) or any(re.search(p, name) for p in patterns)


def load(cfg: Any, tensors: Mapping[str, torch.Tensor], rel: str, model_class: type | None = None) -> torch.nn.Module:
    """The model with the published weights, loaded by transformers (renames, tied heads) and checked
    strictly. Floating tensors must be float32 (the replay's master weights)."""
    for k, v in tensors.items():
        if v.is_floating_point() and v.dtype != torch.float32:
            raise ReplayGap(
                Code.PRECISION,
                f"{rel}: {k} is stored as {str(v.dtype).replace('torch.', '')}: "
                "training in that precision is not replayed (only fp32 master weights)",
            )
    if model_class is None:
        model_class = type(build(cfg))
    # The model class's ignore patterns apply to UNEXPECTED keys only (as in transformers): GPT-2's
    # "attn.bias" pattern also matches its "c_attn.bias" parameters, which must load.
    ignore_unexpected = list(getattr(model_class, "_keys_to_ignore_on_load_unexpected", None) or [])
    clean = {k: v for k, v in tensors.items() if not _ignored(k, [])}
    try:
        with quiet():
            model, info = model_class.from_pretrained(
                None, config=cfg, state_dict=clean, dtype=torch.float32, output_loading_info=True
            )
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        raise ArtifactProblem(f"{rel}: tensors do not match the config ({_short(exc)})", Code.SIZE_MISMATCH) from None
    missing = sorted(info.get("missing_keys") or [])
    extra = sorted(k for k in info.get("unexpected_keys") or [] if not _ignored(k, ignore_unexpected))
    bad = sorted(info.get("mismatched_keys") or [])
    if missing or extra or bad:
        what = (
            f"missing {missing[:3]}" if missing else (f"unexpected {extra[:3]}" if extra else f"mis-shaped {bad[:3]}")
        )
        raise ArtifactProblem(f"{rel}: tensors do not match the config ({what})", Code.SIZE_MISMATCH)
    _check_tied(model, clean, rel)
    return model


def drop_padding_idx(model: torch.nn.Module) -> None:
    """The input embedding as a model built before its config got a pad token: every row takes gradients
    (the Trainer writes the tokenizer's pad token into the config after building the model)."""
    emb = model.get_input_embeddings()
    if isinstance(emb, torch.nn.Embedding):
        emb.padding_idx = None


def _check_tied(model: torch.nn.Module, tensors: Mapping[str, torch.Tensor], rel: str) -> None:
    """A tied head stored twice with different values: the file says two things at once."""
    live = dict(model.named_parameters(remove_duplicate=False))
    by_ptr: dict[int, list[str]] = {}
    for name, p in live.items():
        by_ptr.setdefault(p.data_ptr(), []).append(name)
    for names in by_ptr.values():
        stored = [n for n in names if n in tensors]
        if len(stored) > 1 and not all(torch.equal(tensors[stored[0]], tensors[n]) for n in stored[1:]):
            raise ArtifactProblem(
                f"{rel}: tied parameters {', '.join(stored)} hold different values", Code.INCONSISTENT
            )


def parameters(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    """Trainable parameters in model order, tied ones once (as optimizers see them)."""
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def trainer_decay_names(model: torch.nn.Module) -> set[str]:
    """Parameter names the Trainer applies weight decay to (``Trainer.get_decay_parameter_names``)."""
    from transformers.trainer_pt_utils import get_parameter_names

    return set(get_parameter_names(model, [torch.nn.LayerNorm], TRAINER_NO_DECAY))


def substring_decay_names(model: torch.nn.Module, no_decay: list[str]) -> set[str]:
    """Names that keep weight decay when parameters whose name contains one of ``no_decay`` do not."""
    low = [s.lower() for s in no_decay]
    return {n for n, _ in parameters(model) if not any(s in n.lower() for s in low)}


def loss_shifts_labels(model: torch.nn.Module) -> bool:
    """Whether the Trainer (transformers >= 5.10.1) counts ``num_items_in_batch`` over the shifted labels
    for this model: its own rule (``Trainer._loss_shifts_labels``) -- only models whose ``loss_type`` maps to
    ``ForCausalLMLoss`` and that are not encoder-decoders. A model whose class name gives no loss type
    (e.g. ``GPT2LMHeadModel``) has every non-ignored label counted."""
    from transformers.loss.loss_utils import LOSS_MAPPING, ForCausalLMLoss

    return LOSS_MAPPING.get(getattr(model, "loss_type", None)) is ForCausalLMLoss and not getattr(
        getattr(model, "config", None), "is_encoder_decoder", False
    )


def accepts_loss_kwargs(model: torch.nn.Module) -> bool:
    """Whether the Trainer passes ``num_items_in_batch`` to this model (its own rule)."""
    if hasattr(model, "accepts_loss_kwargs"):
        return bool(model.accepts_loss_kwargs)
    params = inspect.signature(model.forward).parameters
    return any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values())
