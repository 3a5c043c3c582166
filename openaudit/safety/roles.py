"""Which bytes are pickles by their role (what loaders do with a name), as opposed to bytes that
merely look like one. A role-pickle that does not parse is ``unscannable``; look-alike bytes that
a real unpickler rejects before anything callable are simply not a pickle."""

from __future__ import annotations

import posixpath

from openaudit.base.formats import needs_scan

# Extensions whose files loaders unpickle (torch.load, pickle, joblib, dill, numpy, NeMo archives).
PICKLE_EXTENSIONS = (
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".pkl",
    ".pickle",
    ".joblib",
    ".dill",
    ".npy",
    ".npz",
    ".nemo",
    ".tar",
    ".zip",
    ".keras",
    ".jbl",
    ".sav",
    ".mar",
)
# Member names that loaders unpickle whatever their extension (legacy torch tar).
PICKLE_NAMES = ("pickle", "storages", "tensors")


def strict_name(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.endswith(PICKLE_EXTENSIONS) or name in PICKLE_NAMES


def wanted(path: str, head: bytes, whole: bool = False) -> bool:
    """Must the scanner see these bytes? (a pickle-family name, or bytes some loader unpickles)"""
    return strict_name(path) or needs_scan(head, whole)
