"""Regenerate examples/restricted-weights: an "open weights" model with a restrictive community license,
no training data, no training code — the common case openaudit exists to expose.

The weights are a tiny random Llama-shaped decoder (deterministic seed) in safetensors; the card follows
the layout of real Llama-2-derived cards. The LICENSE is the real Llama 2 Community License text, copied
from ../shared/corpus/licenses/ai/llama2.txt when that folder is present (run from the repo root):

    python scripts/make_restricted_example.py
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "restricted-weights"
CORPUS_LICENSE = ROOT.parent / "shared" / "corpus" / "licenses" / "ai" / "llama2.txt"

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 172,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "num_hidden_layers": 2,
    "vocab_size": 256,
    "max_position_embeddings": 128,
    "rms_norm_eps": 1e-5,
    "torch_dtype": "float16",
    "tie_word_embeddings": False,
}

CARD = """---
license: llama2
language:
- en
library_name: transformers
pipeline_tag: text-generation
base_model: meta-llama/Llama-2-7b-hf
tags:
- llama-2
- example
---

# restricted-weights (openaudit example)

A tiny Llama-2-style decoder published with open weights under the Llama 2 Community License.
This repository is an openaudit example of the most common kind of "open" model: weights you can
download, everything else withheld.

## Model details

- Architecture: Llama (decoder-only transformer), 2 layers, hidden size 64.
- Weights: `model.safetensors` (float16).

## Intended use

Research on model-openness tooling. Use is subject to the Llama 2 Acceptable Use Policy.

## Training data

The model was trained on a new mix of publicly available online data. The data is not released.

## Limitations

The model is tiny and random-initialised for demonstration; it generates nonsense.

## License

Use of this model is governed by the Llama 2 Community License Agreement (see LICENSE).
"""


def main() -> int:
    rng = np.random.default_rng(20240101)
    h, inter, v, layers = (
        CONFIG["hidden_size"],
        CONFIG["intermediate_size"],
        CONFIG["vocab_size"],
        CONFIG["num_hidden_layers"],
    )
    tensors: dict[str, np.ndarray] = {
        "model.embed_tokens.weight": rng.standard_normal((v, h)),
        "model.norm.weight": np.ones(h),
        "lm_head.weight": rng.standard_normal((v, h)),
    }
    for i in range(layers):
        p = f"model.layers.{i}."
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            tensors[p + f"self_attn.{name}.weight"] = rng.standard_normal((h, h))
        tensors[p + "mlp.gate_proj.weight"] = rng.standard_normal((inter, h))
        tensors[p + "mlp.up_proj.weight"] = rng.standard_normal((inter, h))
        tensors[p + "mlp.down_proj.weight"] = rng.standard_normal((h, inter))
        tensors[p + "input_layernorm.weight"] = np.ones(h)
        tensors[p + "post_attention_layernorm.weight"] = np.ones(h)
    tensors = {k: (0.02 * t).astype(np.float16) for k, t in sorted(tensors.items())}
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    save_file(tensors, str(OUT / "model.safetensors"), metadata={"format": "pt"})
    (OUT / "config.json").write_text(json.dumps(CONFIG, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (OUT / "generation_config.json").write_text(
        json.dumps({"bos_token_id": 1, "eos_token_id": 2}, indent=2) + "\n", encoding="utf-8"
    )
    (OUT / "README.md").write_text(CARD, encoding="utf-8")
    if CORPUS_LICENSE.is_file():
        shutil.copyfile(CORPUS_LICENSE, OUT / "LICENSE")
    else:
        print(f"warning: {CORPUS_LICENSE} not found; LICENSE not written", file=sys.stderr)
    n = sum(t.size for t in tensors.values())
    print(f"wrote {OUT} ({n} parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
