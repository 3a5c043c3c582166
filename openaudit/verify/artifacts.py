"""Reading weight and optimizer artifacts without executing them.

safetensors first. A ``.pt``/``.bin``/``.pth``/``.ckpt`` file is a pickle (raw or inside a torch
zip): its globals are listed statically (never loaded) and anything outside a small allow-list of
tensor-rebuild callables makes it unsafe; only then, and only with ``weights_only=True``, is it
handed to ``torch.load``.
"""
from __future__ import annotations

import io
import pickletools
import zipfile
from pathlib import Path
from typing import Any

SAFE_GLOBALS = frozenset(
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.FloatStorage",
        "torch.DoubleStorage",
        "torch.HalfStorage",
        "torch.BFloat16Storage",
        "torch.LongStorage",
        "torch.IntStorage",
        "torch.ByteStorage",
        "torch.BoolStorage",
        "torch.float32",
        "torch.float16",
        "torch.bfloat16",
        "torch.int64",
        "torch.storage.UntypedStorage",
        "torch.serialization._get_layout",
        "torch.strided",
        "_codecs.encode",
    }
)
PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle")
MAX_PICKLE_SCAN_BYTES = 256 << 20


class ArtifactProblem(Exception):
    """An artifact that exists but cannot be used (corrupt, mismatched, malformed)."""


class UnsafePickle(Exception):
    def __init__(self, path: str, globals_: list[str]):
        super().__init__(f"{path}: pickle imports {', '.join(globals_)}")
        self.path = path
        self.globals = globals_


_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING"}


def pickle_globals(data: bytes) -> list[str]:
    """Every ``module.name`` a pickle stream imports, read from its opcodes (never executed).
    An import whose name cannot be resolved statically is reported as ``?.?``."""
    found: list[str] = []
    memo: dict[int, Any] = {}
    recent: list[Any] = []  # values pushed by the latest string-producing ops, in order
    try:
        for op, arg, _pos in pickletools.genops(io.BytesIO(data)):
            name = op.name
            if name in _STRING_OPS:
                recent.append(arg)
            elif name in ("BINGET", "LONG_BINGET", "GET"):
                recent.append(memo.get(int(arg)))
            elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
                memo[int(arg)] = recent[-1] if recent else None
                continue
            elif name == "MEMOIZE":
                memo[len(memo)] = recent[-1] if recent else None
                continue
            elif name in ("GLOBAL", "INST"):
                found.append(str(arg).replace(" ", "."))
                recent = []
            elif name == "STACK_GLOBAL":
                pair = recent[-2:]
                if len(pair) == 2 and all(isinstance(x, str) for x in pair):
                    found.append(f"{pair[0]}.{pair[1]}")
                else:
                    found.append("?.?")
                recent = []
            else:
                recent = []
            if name == "STOP":
                break
    except Exception as exc:  # truncated / malformed opcode stream
        raise ArtifactProblem(f"not a readable pickle ({type(exc).__name__})") from None
    return found


def _pickle_streams(path: Path) -> list[tuple[str, bytes]]:
    size = path.stat().st_size
    if size > MAX_PICKLE_SCAN_BYTES:
        raise ArtifactProblem(f"{path.name}: {size} bytes is too large to scan")
    raw = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(raw)):
        out = []
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            for info in zf.infolist():
                if info.filename.endswith(".pkl"):
                    out.append((f"{path.name}:{info.filename}", zf.read(info)))
        return out
    return [(path.name, raw)]


def unsafe_globals(path: Path) -> list[str]:
    """Globals outside the tensor-rebuild allow-list (empty list = safe to torch.load(weights_only=True))."""
    bad: list[str] = []
    for _name, stream in _pickle_streams(path):
        for g in pickle_globals(stream):
            if g not in SAFE_GLOBALS and g not in bad:
                bad.append(g)
    return bad


def is_pickle_path(path: str) -> bool:
    return path.lower().endswith(PICKLE_SUFFIXES)


def check_safe(path: Path, rel: str) -> None:
    """Raise :class:`UnsafePickle` when ``path`` is a pickle importing anything beyond tensor rebuilds
    (or cannot be vouched for). Uses the project scanner ``openaudit.safety.pickles`` when present,
    else the opcode listing above."""
    if not (is_pickle_path(rel) and path.is_file()):
        return
    try:
        from openaudit.safety.pickles import scan_path
    except ImportError:
        scan_path = None
    if scan_path is None:
        bad = unsafe_globals(path)
        if bad:
            raise UnsafePickle(rel, bad)
        return
    res = scan_path(path)
    if res.get("status") in ("clean", "not_pickle"):
        return
    bad = list(res.get("dangerous") or []) + list(res.get("suspicious") or [])
    raise UnsafePickle(rel, [str(g) for g in bad] or [f"unscannable: {res.get('reason')}"])


def load_tensors(path: Path, rel: str) -> dict[str, Any]:
    """Tensors of a safetensors file (or a vetted pickle, with weights_only=True)."""
    import torch

    if is_pickle_path(rel):
        check_safe(path, rel)
        try:
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:
            raise ArtifactProblem(f"{rel}: cannot be read with torch.load(weights_only=True): {type(exc).__name__}") from None
        if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
            raise ArtifactProblem(f"{rel}: not a flat name -> tensor mapping")
        return {str(k): v for k, v in obj.items()}
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ArtifactProblem(f"{rel}: not a valid safetensors file ({' '.join(str(exc).split())[:120]})") from None


def save_tensors(tensors: dict[str, Any], path: Path, metadata: dict[str, str] | None = None) -> None:
    """Atomic safetensors write (temp file + rename)."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file({k: v.detach().cpu().clone().contiguous() for k, v in tensors.items()}, str(tmp), metadata=metadata)
    tmp.replace(path)
