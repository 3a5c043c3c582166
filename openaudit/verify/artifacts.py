"""Reading checkpoint artifacts without executing them.

Every artifact is scanned first by the project's static pickle scanner (``openaudit.safety.pickles``),
judged by its bytes whatever its name. A file with no pickle (safetensors) is read with safetensors;
a pickle or torch zip whose scan is ``clean`` is read with ``torch.load(weights_only=True)``; anything
``dangerous`` or ``unscannable`` is never loaded (REFUSED_UNSAFE_ARTIFACT).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openaudit.safety.pickles import scan_path
from openaudit.verify.codes import ArtifactProblem, Code, Issue, Kind

LOADABLE = ("clean", "not_pickle")


def scan(path: Path) -> dict[str, Any]:
    try:
        return scan_path(path)
    except OSError as exc:
        raise ArtifactProblem(f"{path.name}: cannot read ({exc.strerror or exc})") from None


def unsafe_issue(path: Path, rel: str, *, load: bool = True) -> Issue | None:
    """An UNSAFE issue when ``rel`` would run code if unpickled (or cannot be vouched for and is to be
    loaded); None when it may be read. ``load=False``: the file is only read statically, so only a
    dangerous scan refuses it."""
    res = scan(path)
    status = res.get("status")
    if status == "dangerous":
        names = ", ".join(str(g) for g in res.get("dangerous") or []) or str(res.get("reason"))
        return Issue(Kind.UNSAFE, Code.UNSAFE_PICKLE, f"{rel} imports {names}")
    if load and status not in LOADABLE:
        return Issue(Kind.UNSAFE, Code.UNSCANNABLE_PICKLE, f"{rel}: {res.get('reason')} (unscannable pickle)")
    return None


def load_object(path: Path, rel: str) -> Any:
    """A vetted pickle (torch zip or raw) read with ``torch.load(weights_only=True)``."""
    import torch

    res = scan(path)
    if res.get("status") != "clean":
        raise ArtifactProblem(f"{rel}: not a clean pickle ({res.get('status')}: {res.get('reason')})", Code.UNREADABLE)
    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a malformed file
        raise ArtifactProblem(
            f"{rel}: cannot be read with torch.load(weights_only=True): {type(exc).__name__}"
        ) from None


def load_rng_state(path: Path, rel: str) -> dict[str, Any]:
    """An RNG-state file (``{"cpu": ByteTensor, "cuda": ..., "python": ..., "numpy": ...}`` as the Trainer
    writes ``rng_state.pth``), vetted, then read with ``weights_only=True`` and numpy's array types allowed
    as transformers allows them (``trainer_pt_utils.safe_globals``)."""
    import torch

    res = scan(path)
    if res.get("status") != "clean":
        raise ArtifactProblem(f"{rel}: not a clean pickle ({res.get('status')}: {res.get('reason')})", Code.UNREADABLE)
    try:
        from transformers.trainer_pt_utils import safe_globals

        with safe_globals():
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a malformed file
        raise ArtifactProblem(
            f"{rel}: cannot be read with torch.load(weights_only=True): {type(exc).__name__}"
        ) from None
    if isinstance(obj, torch.Tensor):
        obj = {"cpu": obj}
    if not isinstance(obj, dict) or not isinstance(obj.get("cpu"), torch.Tensor):
        raise ArtifactProblem(f"{rel}: no CPU RNG state ('cpu' tensor)")
    return obj


def load_tensors(path: Path, rel: str) -> dict[str, Any]:
    """Name -> tensor of a safetensors file, or of a vetted pickle holding a flat mapping of tensors."""
    import torch

    res = scan(path)
    if res.get("status") == "clean":
        obj = load_object(path, rel)
        if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
            raise ArtifactProblem(f"{rel}: not a flat name -> tensor mapping")
        return {str(k): v for k, v in obj.items()}
    if res.get("status") != "not_pickle":
        raise ArtifactProblem(f"{rel}: not loadable ({res.get('status')}: {res.get('reason')})")
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ArtifactProblem(f"{rel}: not a valid safetensors file ({' '.join(str(exc).split())[:120]})") from None
