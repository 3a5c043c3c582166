"""Device choice, determinism settings and the environment record of a replay."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from openaudit.errors import UsageError

DEVICES = ("auto", "cpu", "cuda")


def pick_device(device: str, recorded: str | None = None):
    """``auto``: the device type the run was made on when it is recorded and present (a CPU run is
    replayed on the CPU: kernels differ between device types), else CUDA when present, else CPU.
    ``cuda`` without CUDA is a usage error."""
    import torch

    if device not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for but torch sees no CUDA device")
    if device == "auto":
        if recorded == "cpu" or not torch.cuda.is_available():
            device = "cpu"
        else:
            device = "cuda"
    return torch.device(device)


def set_determinism(on: bool) -> None:
    """Deterministic kernels (and no TF32) when ``on``; the speed defaults otherwise."""
    import torch

    if on:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(on, warn_only=True)
    torch.backends.cudnn.deterministic = on
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def describe(device) -> dict[str, Any]:
    import torch

    env: dict[str, Any] = {
        "device": str(device),
        "torch": torch.__version__,
        "transformers": transformers_version(),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "gpu": torch.cuda.get_device_name(device) if getattr(device, "type", "") == "cuda" else None,
        "threads": torch.get_num_threads(),
        "deterministic": {
            "use_deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
            "cudnn_deterministic": bool(torch.backends.cudnn.deterministic),
            "cudnn_benchmark": bool(torch.backends.cudnn.benchmark),
            "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
            "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        },
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    return env


def transformers_version() -> str | None:
    try:
        import transformers
    except ImportError:
        return None
    return str(transformers.__version__)


def describe_without_torch(device: str) -> dict[str, Any]:
    """Environment record for verdicts reached before torch was needed."""
    return {
        "device": device,
        "torch": None,
        "transformers": None,
        "cuda": None,
        "gpu": None,
        "threads": None,
        "deterministic": {},
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
