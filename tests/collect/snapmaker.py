"""Test helper: build Snapshots by hand from {path: text | bytes} (no I/O besides the minilm folder)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openaudit.model import FileEntry, Snapshot, SourceKind, Target

_TEXT = (".md", ".json", ".yaml", ".yml", ".py", ".sh", ".txt", ".jsonl", ".csv", ".ipynb", ".toml", ".cfg")


def st_header(tensors: Mapping[str, tuple[str, list[int]]], metadata: Mapping[str, str] | None = None) -> bytes:
    """A safetensors header (JSON bytes, as Snapshot.safetensors_headers holds it) with consistent offsets."""
    size = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I8": 1, "U8": 1, "I32": 4}
    d: dict[str, Any] = {"__metadata__": dict(metadata or {"format": "pt"})}
    off = 0
    for name, (dtype, shape) in tensors.items():
        n = size[dtype]
        for x in shape:
            n *= x
        d[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + n]}
        off += n
    return json.dumps(d).encode()


def make(
    files: Mapping[str, str | bytes | int],
    *,
    api: Mapping[str, Any] | None = None,
    refs: tuple[str, ...] = (),
    scans: Mapping[str, Mapping[str, Any]] | None = None,
    notes: tuple[str, ...] = (),
    headers: Mapping[str, bytes] | None = None,
    offline: bool = True,
    name: str = "fixture",
) -> Snapshot:
    """``files``: path -> text (read as text), bytes (binary: first bytes kept as head_bytes) or an int
    (a size only: listed, not read). ``headers``: safetensors headers by path."""
    entries, texts, heads = [], {}, {}
    for path, v in files.items():
        if isinstance(v, int):
            entries.append(FileEntry(path, v))
        elif isinstance(v, bytes):
            entries.append(FileEntry(path, len(v)))
            heads[path] = v[: 64 * 1024]
        else:
            entries.append(FileEntry(path, len(v.encode())))
            if path.lower().endswith(_TEXT):
                texts[path] = v
    return Snapshot(
        target=Target(id=name, source=SourceKind.LOCAL),
        commit_sha=None,
        files=tuple(sorted(entries, key=lambda f: f.path)),
        texts=texts,
        safetensors_headers=dict(headers or {}),
        head_bytes=heads,
        api=dict(api or {}),
        refs=refs,
        offline=offline,
        notes=notes,
        scans={k: dict(v) for k, v in (scans or {}).items()},
    )


def card_only(text: str, name: str = "card") -> Snapshot:
    return make({"README.md": text}, name=name)


def from_folder(path: Path) -> Snapshot:
    """A real folder as a Snapshot: openaudit.sources.resolve when present, else a minimal reader."""
    try:
        from openaudit.sources import resolve
    except ImportError:
        resolve = None
    if resolve is not None:
        return resolve(str(path))
    files: dict[str, Any] = {}
    headers: dict[str, bytes] = {}
    for p in sorted(path.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(path).as_posix()
        if rel.endswith(".safetensors"):
            with p.open("rb") as fh:
                n = int.from_bytes(fh.read(8), "little")
                headers[rel] = fh.read(n)
            files[rel] = p.stat().st_size
        elif rel.endswith(_TEXT) and p.stat().st_size < 512 * 1024:
            files[rel] = p.read_text(encoding="utf-8", errors="replace")
        else:
            files[rel] = p.stat().st_size
    return make(files, headers=headers, name=path.name)
