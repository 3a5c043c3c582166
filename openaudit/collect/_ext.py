"""The ONE place where collectors reach modules written by other areas (safety.safetensors,
safety.pickles, safety.remote_code, collect.license). Each is used when importable; otherwise a
small local fallback keeps the collectors working (and says so in the facts).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from openaudit.model import Snapshot

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
    """Parse a safetensors header (JSON bytes, optionally with the 8-byte length prefix)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    body = raw
    if raw[:1] != b"{" and len(raw) >= 8:
        n = int.from_bytes(raw[:8], "little")
        if 0 < n <= len(raw) - 8:
            body = raw[8 : 8 + n]
    try:
        from openaudit.safety.safetensors import parse_header  # safety area
    except ImportError:
        return _fallback_parse(body, path)
    info = parse_header(body, file_size=file_size, path=path)
    shapes = {k: (str(t.dtype), tuple(int(x) for x in t.shape)) for k, t in dict(info.tensors).items()}
    return HeaderInfo(ok=bool(info.ok), shapes=shapes, metadata=dict(info.metadata or {}),
                      problems=tuple(info.problems or ()))


def _fallback_parse(body: bytes, path: str) -> HeaderInfo:
    from openaudit.safety.parse import ParseProblem, load_json

    try:
        data = load_json(body.decode("utf-8").rstrip(" "), source=path, max_bytes=100 * 1024 * 1024)
    except (ParseProblem, UnicodeDecodeError) as exc:
        return HeaderInfo(ok=False, problems=(f"header is not valid JSON: {getattr(exc, 'reason', exc)}",))
    if not isinstance(data, dict):
        return HeaderInfo(ok=False, problems=("header is not a JSON object",))
    shapes: dict[str, tuple[str, tuple[int, ...]]] = {}
    problems: list[str] = []
    meta = data.get("__metadata__") if isinstance(data.get("__metadata__"), dict) else {}
    for k, v in data.items():
        if k == "__metadata__":
            continue
        if not (isinstance(v, dict) and isinstance(v.get("dtype"), str) and isinstance(v.get("shape"), list)
                and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v["shape"])):
            problems.append(f"tensor {k[:60]!r} has no valid dtype/shape")
            continue
        shapes[k] = (v["dtype"], tuple(v["shape"]))
    return HeaderInfo(ok=not problems, shapes=shapes, metadata={str(a): str(b) for a, b in meta.items()},
                      problems=tuple(problems))


def numel(shape: tuple[int, ...]) -> int:
    return math.prod(shape) if shape else 1


_MAGIC = (
    (b"GGUF", "gguf"),
    (b"\x93NUMPY", "numpy"),
    (b"\x89HDF\r\n\x1a\n", "hdf5"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"lmgg", "ggml"),
    (b"ggjt", "ggml"),
    (b"ggml", "ggml"),
)


def sniff(head: bytes) -> str:
    """Format of a file by its first bytes (safety.pickles.sniff when present)."""
    try:
        from openaudit.safety.pickles import sniff as _sniff  # safety area
    except ImportError:
        _sniff = None
    if _sniff is not None:
        return str(_sniff(head))
    if not head:
        return "unknown"
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    if len(head) >= 9:
        n = int.from_bytes(head[:8], "little")
        if 0 < n < 100 * 1024 * 1024 and head[8:9] == b"{":
            return "safetensors"
    return "unknown"


@dataclass(frozen=True)
class RemoteCode:
    flagged: bool
    auto_map: dict[str, Any]
    py_files: tuple[str, ...]
    evidence: tuple[Any, ...]
    imports: dict[str, list[str]]
    via: str  # "safety.remote_code" | "local check"


def remote_code(snapshot: Snapshot) -> RemoteCode:
    """Does inference need repo code? safety.remote_code when present, else a local check."""
    from openaudit.model import Evidence
    from openaudit.safety.parse import ParseProblem, load_json

    py = tuple(sorted(f.path for f in snapshot.files if f.path.endswith(".py")))
    auto_map: dict[str, Any] = {}
    cfg = snapshot.texts.get("config.json")
    if cfg:
        try:
            data = load_json(cfg, source="config.json")
        except ParseProblem:
            data = None
        if isinstance(data, dict) and isinstance(data.get("auto_map"), dict):
            auto_map = data["auto_map"]
    try:
        from openaudit.safety.remote_code import summarize  # safety area
    except ImportError:
        summarize = None
    if summarize is not None:
        s = summarize(snapshot)
        return RemoteCode(flagged=bool(s.flagged), auto_map=auto_map, py_files=py, evidence=tuple(s.evidence),
                          imports=dict(s.imports or {}), via="safety.remote_code")
    ev = []
    if auto_map:
        line = next((i + 1 for i, ln in enumerate(cfg.splitlines()) if '"auto_map"' in ln), None) if cfg else None
        ev.append(Evidence(kind="line", path="config.json", line=line, field="auto_map",
                           snippet="auto_map: " + ", ".join(f"{k} -> {v}" for k, v in list(auto_map.items())[:4])[:200]))
    cfg_obj = None
    if cfg:
        try:
            cfg_obj = json.loads(cfg)
        except ValueError:
            cfg_obj = None
    custom_pipe = isinstance(cfg_obj, dict) and isinstance(cfg_obj.get("custom_pipelines"), dict) and cfg_obj["custom_pipelines"]
    if custom_pipe:
        ev.append(Evidence(kind="file", path="config.json", field="custom_pipelines", snippet="custom_pipelines declared"))
    return RemoteCode(flagged=bool(auto_map or custom_pipe), auto_map=auto_map, py_files=py, evidence=tuple(ev),
                      imports={}, via="local check")


def license_facts(snapshot: Snapshot, card: Any) -> Any | None:
    """LicenseFacts from the license area, or None when that module is not there."""
    try:
        from openaudit.collect import license as lic
    except ImportError:
        return None
    return lic.collect(snapshot, card)
