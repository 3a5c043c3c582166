"""What the collectors need from the safety area, adapted: safetensors headers
(``safety.safetensors``) and whether inference needs the repo's code (``safety.remote_code``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from openaudit.base.parse import ParseProblem, load_json
from openaudit.model import Evidence, Snapshot
from openaudit.safety.remote_code import loader_view, summarize
from openaudit.safety.safetensors import parse_header

# Integer dtypes of safetensors; tensors named like buffers with these dtypes are not parameters.
INT_DTYPES = frozenset({"BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64"})


@dataclass(frozen=True)
class HeaderInfo:
    """What collectors need from a safetensors header (adapter over safety.safetensors)."""

    ok: bool
    shapes: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)  # name -> (dtype, shape)
    metadata: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def parse_safetensors(raw: bytes | str, file_size: int | None, path: str) -> HeaderInfo:
    """Parse a safetensors header (JSON bytes, with or without the 8-byte length prefix)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    info = parse_header(raw, file_size=file_size, path=path)
    shapes = {k: (str(t.dtype), tuple(int(x) for x in t.shape)) for k, t in dict(info.tensors).items()}
    return HeaderInfo(
        ok=bool(info.ok), shapes=shapes, metadata=dict(info.metadata or {}), problems=tuple(info.problems or ())
    )


def numel(shape: tuple[int, ...]) -> int:
    return math.prod(shape) if shape else 1


@dataclass(frozen=True)
class RemoteCode:
    flagged: bool
    auto_map: dict[str, Any]
    py_files: tuple[str, ...]
    evidence: tuple[Any, ...]
    imports: dict[str, list[str]]
    unverified: tuple[
        Any, ...
    ] = ()  # Evidence: configs neither the strict parser nor json.loads could read for auto_map


def remote_code(snapshot: Snapshot) -> RemoteCode:
    """Does inference need repo code? (safety.remote_code, plus the config's auto_map for the facts)."""
    py = tuple(sorted(f.path for f in snapshot.files if f.path.endswith(".py")))
    auto_map: dict[str, Any] = {}
    cfg = snapshot.texts.get("config.json")
    if cfg:
        try:
            data = load_json(cfg, source="config.json")
        except ParseProblem:
            data = loader_view(cfg)  # what transformers would see
        if isinstance(data, dict) and isinstance(data.get("auto_map"), dict):
            auto_map = data["auto_map"]
    s = summarize(snapshot)
    unverified = tuple(
        Evidence(kind="file", path=p, snippet=f"config not readable for auto_map: {why}"[:200])
        for p, why in sorted(s.unverified.items())
    )
    return RemoteCode(
        flagged=bool(s.flagged),
        auto_map=auto_map,
        py_files=py,
        evidence=tuple(s.evidence),
        imports=dict(s.imports or {}),
        unverified=unverified,
    )
