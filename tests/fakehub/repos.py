"""Fixture repos for the fake Hub (declared in Python; big weights are Virtual)."""

from __future__ import annotations

import json

from fakehub.server import FakeRepo, safetensors_bytes

CARD = """---
license: apache-2.0
datasets:
- wikitext
library_name: transformers
---
# Tiny model

Trained on wikitext with train.py.
"""


def big_repo(repo_id: str = "acme/big-model", shards: int = 2, shard_gb: float = 1.5) -> FakeRepo:
    """A model with ``shards`` safetensors shards of ``shard_gb`` GB each (virtual) and a card."""
    files: dict = {
        "README.md": CARD.encode(),
        "LICENSE": b"Apache License\nVersion 2.0, January 2004\n",
        "config.json": json.dumps({"architectures": ["LlamaForCausalLM"], "hidden_size": 4096}).encode(),
        "generation_config.json": b'{"do_sample": true}',
        "train.py": b"print('train')\n",
    }
    weight_map = {}
    per_shard = int(shard_gb * 1e9)
    for i in range(shards):
        name = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        # ~per_shard bytes of F16 split into 40 tensors
        rows = per_shard // (2 * 4096 * 40)
        tensors = {f"model.layers.{i}.t{j}.weight": ("F16", [rows, 4096]) for j in range(40)}
        files[name] = safetensors_bytes(tensors, total_size=per_shard)
        weight_map.update({k: name for k in tensors})
    files["model.safetensors.index.json"] = json.dumps({"metadata": {}, "weight_map": weight_map}).encode()
    files["pytorch_model.bin"] = b"\x80\x02}q\x00."  # a tiny (empty-dict) pickle
    return FakeRepo(
        repo_id,
        files,
        branches={"step1000": {"README.md": CARD.encode(), "config.json": b"{}"}},
        tags={"v1.0": "main"},
        card_data={"license": "apache-2.0", "datasets": ["wikitext"], "library_name": "transformers"},
        info={
            "library_name": "transformers",
            "pipeline_tag": "text-generation",
            "tags": ["llama", "license:apache-2.0"],
        },
    )


def small_repo(repo_id: str = "acme/small") -> FakeRepo:
    tensors = {"w": ("F32", [16, 16]), "b": ("F32", [16])}
    return FakeRepo(
        repo_id,
        {
            "README.md": CARD.encode(),
            "config.json": b'{"model_type": "bert"}',
            "model.safetensors": safetensors_bytes(tensors),
            "notes/utf16.txt": "\ufeffh\u00e9llo".encode("utf-16-le"),
            "binary.txt": b"garbage " + bytes(range(128, 256)),
        },
        card_data={"license": "apache-2.0"},
        info={"library_name": "transformers"},
    )
