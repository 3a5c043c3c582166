"""Reference decoders keyed by config (never trust_remote_code). Importing this package imports torch."""
from __future__ import annotations

from typing import Any, Mapping

from openaudit.verify.models.common import UnsupportedConfig

FAMILIES = {"gpt-neox": "gpt_neox", "gptneox": "gpt_neox", "pythia": "gpt_neox", "llama": "llama", "olmo2": "llama"}


def family_of(family: str | None, cfg: Mapping[str, Any] | None) -> str:
    """Canonical family name ('gpt_neox' or 'llama') from the recipe family or config model_type."""
    for name in (family, (cfg or {}).get("model_type")):
        if name:
            key = str(name).lower().replace("_", "-")
            if key in FAMILIES:
                return FAMILIES[key]
    raise UnsupportedConfig(f"model family {family or (cfg or {}).get('model_type')!r} has no reference implementation "
                            f"(supported: gpt-neox, llama)")


def build_model(family: str | None, cfg: Mapping[str, Any]):
    """A freshly initialised reference model for ``cfg`` (caller seeds torch beforehand)."""
    fam = family_of(family, cfg)
    if fam == "gpt_neox":
        from openaudit.verify.models.neox import GPTNeoX

        return GPTNeoX(cfg)
    from openaudit.verify.models.llama import Llama

    return Llama(cfg)


__all__ = ["build_model", "family_of", "UnsupportedConfig", "FAMILIES"]
