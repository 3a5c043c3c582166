"""The Trainer's training arguments, read without unpickling.

``training_args.bin`` is ``torch.save(TrainingArguments)``: a torch zip whose ``data.pkl`` builds the
dataclass. Its opcodes are walked by the project's static pickle model
(``openaudit.safety.opcodes.static_value``) and the dataclass state is rebuilt as plain data: enum
members (``SchedulerType('cosine')``) become their values, nested dataclasses (``AcceleratorConfig``)
their field dicts, anything else an opaque marker. Nothing is imported or called. A JSON dump of the
arguments (``training_args.json``, ``args.to_dict()``) is read instead when published.

Also here: what changed in the Trainer between transformers versions that a replay must follow.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from openaudit.safety.opcodes import CappedReader, GlobalRef, Obj, static_value
from openaudit.verify.codes import ArtifactProblem
from openaudit.verify.recipe import read_json

MAX_ARGS_BYTES = 4 << 20
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch's legacy (pre-zip) serialisation magic number


class Opaque(str):
    """Marker for a pickled value that is not plain data (shown as ``<module.name>``)."""


def plain(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return Opaque("<nested too deep>")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items() if isinstance(k, (str, int))}
    if isinstance(value, Obj):
        name = value.callable.full if isinstance(value.callable, GlobalRef) else "?"
        if isinstance(value.state, dict):
            out = {"__class__": name}
            out.update(plain(value.state, depth + 1))
            return out
        args = value.args if isinstance(value.args, tuple) else ()
        if len(args) == 1 and isinstance(args[0], (str, int, float)) and value.state is None:
            return args[0]  # an enum member or a one-argument value type (torch.device('cpu'))
        return Opaque(f"<{name}>")
    if isinstance(value, GlobalRef):
        return Opaque(f"<{value.full}>")
    return Opaque("<unknown>")


def _pickle_bytes(path: Path, rel: str) -> bytes:
    size = path.stat().st_size
    if size > MAX_ARGS_BYTES:
        raise ArtifactProblem(f"{rel}: {size} bytes is over the {MAX_ARGS_BYTES}-byte limit for training arguments")
    raw = path.read_bytes()
    if raw.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                members = [i for i in zf.infolist() if i.filename.endswith("data.pkl")]
                if len(members) != 1 or members[0].file_size > MAX_ARGS_BYTES:
                    raise ArtifactProblem(f"{rel}: not a torch zip with one data.pkl")
                return zf.read(members[0])
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            raise ArtifactProblem(f"{rel}: unreadable zip ({type(exc).__name__})") from None
    return raw


def read_bin(path: Path, rel: str) -> dict[str, Any]:
    """The field dict of a pickled TrainingArguments (statically)."""
    data = _pickle_bytes(path, rel)
    reader = CappedReader(io.BytesIO(data), MAX_ARGS_BYTES)
    value, error = static_value(reader)
    if error is None and value == LEGACY_MAGIC:  # legacy format: magic, protocol, sys info, object
        for _ in range(3):
            value, error = static_value(reader)
            if error is not None:
                break
    if error is not None:
        raise ArtifactProblem(f"{rel}: {error}")
    args = plain(value)
    if not isinstance(args, dict) or not str(args.get("__class__", "")).endswith("TrainingArguments"):
        raise ArtifactProblem(f"{rel}: does not hold a TrainingArguments object")
    return args


def read_args(root, folder_rel: str) -> tuple[dict[str, Any] | None, str | None]:
    """Training arguments of a checkpoint folder: ``training_args.json`` when published, else
    ``training_args.bin`` read statically. (None, None) when neither exists."""
    prefix = f"{folder_rel}/" if folder_rel else ""
    rel = prefix + "training_args.json"
    if root.is_file(rel):
        doc = read_json(root.path(rel), MAX_ARGS_BYTES)
        if not isinstance(doc, dict):
            raise ArtifactProblem(f"{rel}: not a JSON object")
        return doc, rel
    rel = prefix + "training_args.bin"
    if root.is_file(rel):
        return read_bin(root.path(rel), rel), rel
    return None, None


def _version(v: str | None):
    try:
        return Version(v) if v else None
    except InvalidVersion:
        return None


def loss_count(version: str | None) -> str | None:
    """How the Trainer counted ``num_items_in_batch`` for causal LMs: ``tokens`` (labels after the shift,
    transformers >= 5.10.1) or ``tokens_all`` (every non-ignored label, earlier versions); None when the
    version is unknown."""
    v = _version(version)
    if v is None:
        return None
    return "tokens" if v >= Version("5.10.1") else "tokens_all"


def log_rounding(version: str | None) -> int | None:
    """The Trainer rounded logged losses to 4 decimals before transformers 5."""
    v = _version(version)
    return 4 if v is not None and v < Version("5.0.0") else None
