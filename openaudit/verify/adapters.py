"""Published training configs -> replay recipes.

* GPT-NeoX / Pythia ``.yml`` (JSON-like YAML, keys with dashes or underscores): ``num-layers``,
  ``hidden-size``, ``num-attention-heads``, ``seq-length``, ``optimizer: {type, params: {lr, betas, eps}}``,
  ``min_lr``, ``lr-decay-style``, ``lr-decay-iters``, ``warmup`` (a fraction), ``train-iters``,
  ``gradient_clipping``, ``weight-decay``, ``fp16``/``bf16``, ``train_micro_batch_size_per_gpu``,
  ``gradient_accumulation_steps``, ``train-data-paths``, ``checkpoint-factor``, ``extra-save-iters``, ``seed``.
* OLMo ``.yaml``: ``model: {d_model, n_heads, n_layers, mlp_ratio|mlp_hidden_size, ...}``,
  ``optimizer: {name, learning_rate, weight_decay, betas, eps}``, ``scheduler: {name, t_warmup, alpha_f, t_max}``,
  ``data: {paths}``, ``global_train_batch_size``, ``max_duration``, ``precision``, ``max_grad_norm``, ``seed``.

What a published config does not hold (data order, loss log, optimizer states) stays absent from the
recipe, so a replay lists it as missing; features the reference models lack give UNSUPPORTED.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openaudit.errors import InvalidDocument


@dataclass
class Adapted:
    recipe: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # config features the replay cannot reproduce (-> UNSUPPORTED)


def _norm(doc: dict[str, Any]) -> dict[str, Any]:
    return {str(k).replace("_", "-").lower(): v for k, v in doc.items()}


def detect(doc: Any) -> str | None:
    """'neox', 'olmo' or None."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("model"), dict) and "d_model" in doc["model"]:
        return "olmo"
    n = _norm(doc)
    if "num-layers" in n and "hidden-size" in n:
        return "neox"
    return None


def _num(v: Any, where: str, kind=float) -> Any:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and not isinstance(v, int)):
        raise InvalidDocument(f"{where}: expected a {'whole ' if kind is int else ''}number, got {v!r}")
    return kind(v)


def _optimizer(name: str, params: dict[str, Any], weight_decay: Any) -> dict[str, Any]:
    """The recipe's optimizer block: the name, ``betas`` and ``eps`` when the config gives them, the
    weight decay (0 when it does not)."""
    out: dict[str, Any] = {"name": name}
    if "betas" in params:
        out["betas"] = [float(b) for b in params["betas"]]
    if "eps" in params:
        out["eps"] = float(params["eps"])
    out["weight_decay"] = float(weight_decay)
    return out


def to_recipe(doc: dict[str, Any], kind: str, source: str) -> Adapted:
    if kind == "neox":
        return from_neox(doc, source)
    if kind == "olmo":
        return from_olmo(doc, source)
    raise InvalidDocument(f"{source}: unknown config kind {kind!r}")


def from_neox(doc: dict[str, Any], source: str) -> Adapted:
    n = _norm(doc)
    notes: list[str] = []
    layers = _num(n["num-layers"], f"{source}: $.num-layers", int)
    d = _num(n["hidden-size"], f"{source}: $.hidden-size", int)
    heads = _num(n.get("num-attention-heads", 0), f"{source}: $.num-attention-heads", int)
    seq = _num(n.get("seq-length", n.get("max-position-embeddings", 2048)), f"{source}: $.seq-length", int)
    cfg: dict[str, Any] = {
        "model_type": "gpt_neox",
        "hidden_size": d,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": 4 * d,
        "rotary_pct": float(n.get("rotary-pct", 1.0)),
        "rotary_emb_base": float(n.get("rotary-emb-base", 10000)),
        "max_position_embeddings": seq,
        "layer_norm_eps": float(n.get("layernorm-epsilon", 1e-5)),
        "use_parallel_residual": bool(n.get("gpt-j-residual", False)),
        "tie_word_embeddings": not bool(n.get("no-weight-tying", False)),
        "hidden_act": str(n.get("activation", "gelu")),
    }
    if "padded-vocab-size" in n:
        cfg["vocab_size"] = _num(n["padded-vocab-size"], f"{source}: $.padded-vocab-size", int)
    else:
        notes.append("vocabulary size comes from the tokenizer file (vocab-file), which the config only names")
    family = "gpt-neox"
    gaps: list[str] = []
    if str(n.get("pos-emb", "rotary")) != "rotary":
        gaps.append(f"position embedding {n.get('pos-emb')!r} (GPT-NeoX in transformers is rotary)")
    opt = n.get("optimizer") or {}
    params = opt.get("params") or {}
    recipe: dict[str, Any] = {
        "recipe_version": 1,
        "name": str(doc.get("wandb_group") or source),
        "model": {"family": family, "config": cfg},
    }
    if opt:
        name = "adamw" if str(opt.get("type", "")).lower() in ("adam", "adamw") else str(opt.get("type"))
        recipe["optimizer"] = _optimizer(name, params, n.get("weight-decay", 0.0))
    if "lr" in params:
        total = int(n.get("lr-decay-iters") or n.get("train-iters") or 1)
        style = str(n.get("lr-decay-style", "linear"))
        recipe["schedule"] = {
            "name": style if style in ("constant", "linear", "cosine") else "linear",
            "lr": float(params["lr"]),
            "warmup_steps": round(float(n.get("warmup", 0.01)) * total),
            "total_steps": total,
            "min_lr": float(n.get("min-lr", 0.0)),
        }
        if style not in ("constant", "linear", "cosine"):
            gaps.append(f"lr-decay-style {style!r} has no replay schedule")
    micro = n.get("train-micro-batch-size-per-gpu")
    if micro:
        accum = int(n.get("gradient-accumulation-steps", 1))
        recipe["batch"] = {"size": int(micro) * accum, "seq_len": seq, "micro_batches": accum}
        notes.append("batch size is per GPU; the global batch also depends on the data-parallel world size")
    if n.get("gradient-clipping"):
        recipe["clip_grad_norm"] = float(n["gradient-clipping"])
    fp16 = n.get("fp16") or {}
    bf16 = n.get("bf16") or {}
    recipe["precision"] = (
        "fp16"
        if isinstance(fp16, dict) and fp16.get("enabled")
        else ("bf16" if isinstance(bf16, dict) and bf16.get("enabled") else "fp32")
    )
    if "seed" in n:
        recipe["seed"] = int(n["seed"])
    paths = n.get("train-data-paths") or n.get("data-path")
    if paths:
        first = paths[0] if isinstance(paths, list) else paths
        recipe["data"] = {"path": f"{first}.bin", "format": "uint16"}
        recipe["tokenizer"] = {"kind": "pretokenized"}
        notes.append(
            "Megatron indexed dataset (.bin/.idx): the data order (document index + shuffle) is not in the config"
        )
    factor = n.get("checkpoint-factor")
    if factor:
        iters = int(n.get("train-iters", 0))
        steps = set(range(0, iters + 1, int(factor))) | {int(s) for s in n.get("extra-save-iters", []) or []}
        recipe["checkpoints"] = {"dir": "checkpoints/step{step}", "steps": sorted(steps)}
    return Adapted(recipe, notes, gaps)


def from_olmo(doc: dict[str, Any], source: str) -> Adapted:
    m = doc["model"]
    notes: list[str] = []
    d = _num(m["d_model"], f"{source}: $.model.d_model", int)
    heads = _num(m.get("n_heads", 0), f"{source}: $.model.n_heads", int)
    inner = m.get("mlp_hidden_size") or d * int(m.get("mlp_ratio", 4))
    if str(m.get("activation_type", "swiglu")) == "swiglu":
        inner //= 2  # OLMo's SwiGLU hidden size counts both halves of the fused projection
    cfg: dict[str, Any] = {
        "model_type": "llama",
        "hidden_size": d,
        "num_hidden_layers": _num(m.get("n_layers", 0), f"{source}: $.model.n_layers", int),
        "num_attention_heads": heads,
        "num_key_value_heads": int(m.get("n_kv_heads") or (1 if m.get("multi_query_attention") else heads)),
        "intermediate_size": int(inner),
        "vocab_size": int(m.get("embedding_size") or m.get("vocab_size", 0)),
        "max_position_embeddings": int(m.get("max_sequence_length", 2048)),
        "rope_theta": float(m.get("rope_theta", 10000)),
        "tie_word_embeddings": bool(m.get("weight_tying", False)),
        "rms_norm_eps": float(m.get("layer_norm_eps", 1e-5)),
        "attention_bias": bool(m.get("include_bias", False)),
    }
    family = "llama"
    gaps = []
    if str(m.get("layer_norm_type", "default")) != "rms":
        gaps.append(f"layer_norm_type {m.get('layer_norm_type', 'default')!r} (only rms)")
    if str(m.get("block_type", "sequential")) != "sequential":
        gaps.append(f"block_type {m.get('block_type')!r}")
    if not m.get("rope", False) or m.get("alibi"):
        gaps.append("position encoding other than RoPE")
    if m.get("attention_layer_norm"):
        gaps.append("attention_layer_norm (QK-norm)")
    if str(m.get("activation_type", "swiglu")) != "swiglu":
        gaps.append(f"activation_type {m.get('activation_type')!r}")
    gaps = [f"OLMo {g} has no counterpart in transformers' Llama" for g in gaps]
    recipe: dict[str, Any] = {
        "recipe_version": 1,
        "name": str(doc.get("run_name") or source),
        "model": {"family": family, "config": cfg},
    }
    opt = doc.get("optimizer") or {}
    if opt:
        recipe["optimizer"] = _optimizer(str(opt.get("name", "adamw")).lower(), opt, opt.get("weight_decay", 0.0))
    sch = doc.get("scheduler") or {}
    total = doc.get("max_duration")
    if isinstance(total, str):
        notes.append(f"max_duration {total!r} is not a step count")
        total = None
    if "learning_rate" in opt and sch:
        lr = float(opt["learning_rate"])
        name = str(sch.get("name", "cosine_with_warmup"))
        s = {
            "name": "cosine" if "cosine" in name else ("linear" if "linear" in name else "constant"),
            "lr": lr,
            "warmup_steps": int(sch.get("t_warmup", 0)),
            "min_lr": lr * float(sch.get("alpha_f", 0.1)),
        }
        t_max = sch.get("t_max") or total
        if isinstance(t_max, int) and t_max > 0:
            s["total_steps"] = t_max
        recipe["schedule"] = s
    gb = doc.get("global_train_batch_size")
    if gb:
        recipe["batch"] = {"size": int(gb), "seq_len": int(m.get("max_sequence_length", 2048))}
    if doc.get("max_grad_norm"):
        recipe["clip_grad_norm"] = float(doc["max_grad_norm"])
    prec = str(doc.get("precision", "fp32"))
    recipe["precision"] = "bf16" if "bf16" in prec else ("fp16" if "fp16" in prec else "fp32")
    if "seed" in doc:
        recipe["seed"] = int(doc["seed"])
    paths = (doc.get("data") or {}).get("paths") or []
    if paths:
        recipe["data"] = {"path": str(paths[0]), "format": "uint16" if cfg["vocab_size"] <= 65536 else "uint32"}
        recipe["tokenizer"] = {"kind": "pretokenized"}
        if len(paths) > 1:
            notes.append(f"OLMo concatenates {len(paths)} token files; the recipe names the first only")
        notes.append("the data order (global_indices.npy, derived from the seed) is not in the config")
    if doc.get("save_interval"):
        notes.append(
            f"checkpoints every {doc['save_interval']} steps under save_folder (optimizer state in sharded checkpoints)"
        )
    return Adapted(recipe, notes, gaps)
