"""The one policy shared by every source: which files are read as text, which are weights or
pickle-family files, how bytes are sniffed and how text is decoded.

Nothing here does I/O; local.py and hub.py ask these functions and apply the answers.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from openaudit.base.formats import CONTAINER_FAMILIES
from openaudit.base.text import decode_text as _decode
from openaudit.base.text import terminal_safe as escape
from openaudit.model import Condition, Note

KIB = 1024
MIB = 1024 * KIB

TEXT_FILE_CAP = 512 * KIB  # per-file cap for text files
LOG_FILE_CAP = 2 * MIB  # per-file cap for training logs (trainer_state.json, *.jsonl, *.csv ...)
TOTAL_TEXT_CAP = 16 * MIB  # all texts of one snapshot together
HEAD_BYTES = 64 * KIB  # first bytes kept for content-sniffed binary files
SAFETENSORS_HEADER_CAP = 100 * MIB  # a header bigger than this is refused (note)
HASH_CAP = 16 * MIB  # local files up to this size get a computed sha256

# Families whose first bytes are kept (format sniffed by content downstream; pickle scans).
HEAD_FAMILIES = frozenset(
    {"pickle", "zip", "numpy", "gguf", "ggml", "onnx", "hdf5", "tar", "tflite", "msgpack", "compressed"}
)
# Families the pickle scanner is asked about by name (local sources also scan any file whose bytes
# need it: see openaudit.safety.roles.wanted).
SCAN_FAMILIES = frozenset({"pickle", "zip", "numpy", "tar"})

_TEXT_EXT = {
    ".md",
    ".markdown",
    ".txt",
    ".rst",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".ini",
    ".py",
    ".sh",
    ".bash",
    ".ipynb",
    ".csv",
    ".tsv",
    ".jsonl",
    ".log",
    ".jinja",
    ".tex",
    ".bib",
    ".r",
    ".jl",
    ".lua",
    ".js",
    ".ts",
    ".c",
    ".h",
    ".cpp",
    ".cu",
    ".rs",
    ".go",
    ".java",
}
_LOG_EXT = {".csv", ".tsv", ".jsonl", ".log"}
_LOG_NAMES = {"trainer_state.json", "all_results.json", "train_results.json", "eval_results.json", "metrics.json"}
_LICENSE_STEMS = ("license", "licence", "notice", "copying", "copyright", "use_policy", "acceptable_use")
_NAMED_TEXT = {"readme", "makefile", "dockerfile", "requirements", "citation", "authors", "vocab"}
# Big text files that are data, not documentation: listed but not read.
_SKIP_NAMES = {"tokenizer.json", "vocab.json", "merges.txt", "vocab.txt", "spiece.model"}


@dataclass(frozen=True)
class TextChoice:
    read: bool
    cap: int  # bytes allowed for this file
    priority: int  # lower is read first when the total cap is short
    reason: str = ""  # why not read, when read is False


def family(path: str) -> str | None:
    """Weight/serialised-object family of ``path`` by extension ("safetensors", "pickle", ...)."""
    name = posixpath.basename(path).lower()
    ext = posixpath.splitext(name)[1]
    if ext in CONTAINER_FAMILIES:
        return CONTAINER_FAMILIES[ext]
    # pytorch_model-00001-of-00002.bin style names are covered by ext; "data.pkl" inside folders too.
    return None


def text_choice(path: str, size: int | None) -> TextChoice:
    """Whether ``path`` (of ``size`` bytes, None = unknown) is read as text, its cap and priority."""
    name = posixpath.basename(path)
    low = name.lower()
    stem, ext = posixpath.splitext(low)
    depth = path.count("/")
    if family(path) is not None:
        return TextChoice(False, 0, 99, "binary weight format")
    if low in _SKIP_NAMES:
        return TextChoice(False, 0, 99, "tokenizer data")
    if low in ("readme.md", "readme", "readme.txt", "model_card.md", "modelcard.md") and depth == 0:
        prio = 0
    elif low.startswith(_LICENSE_STEMS):
        prio = 1
    elif ext == ".json" and (low.endswith("config.json") or low.endswith(".index.json")):
        prio = 2
    elif low in _LOG_NAMES:
        prio = 3
    elif ext in (".md", ".markdown", ".rst", ".txt") or stem in _NAMED_TEXT:
        prio = 4
    elif ext in (".yaml", ".yml", ".toml", ".cfg", ".ini", ".json"):
        prio = 5
    elif ext in (".py", ".sh", ".bash", ".ipynb"):
        prio = 6
    elif ext in _TEXT_EXT:
        prio = 7
    else:
        return TextChoice(False, 0, 99, "not a text format")
    cap = LOG_FILE_CAP if (low in _LOG_NAMES or ext in _LOG_EXT) else TEXT_FILE_CAP
    prio = prio * 10 + min(depth, 9)  # shallower files first within a class
    if size is not None and size > cap:
        return TextChoice(False, cap, prio, f"larger than the {cap // KIB} KiB text cap")
    return TextChoice(True, cap, prio)


def plan_texts(entries: list[tuple[str, int | None]], total_cap: int = TOTAL_TEXT_CAP) -> tuple[list[str], list[str]]:
    """Choose the texts to read from (path, size) pairs under ``total_cap``.

    Returns (paths to read in priority order, notes for text files left out)."""
    chosen: list[tuple[int, str, int | None]] = []
    notes: list[Note] = []
    for path, size in entries:
        c = text_choice(path, size)
        if c.read:
            chosen.append((c.priority, path, size))
        elif c.priority < 99:
            notes.append(Note(Condition.TEXT_SKIPPED, f"text file {escape(path)} not read: {c.reason}", path))
    chosen.sort()
    out: list[str] = []
    used = 0
    for _, path, size in chosen:
        est = size if size is not None else TEXT_FILE_CAP
        if used + est > total_cap:
            notes.append(
                Note(
                    Condition.TEXT_SKIPPED,
                    f"text file {escape(path)} not read: total text cap of {total_cap // MIB} MiB reached",
                    path,
                )
            )
            continue
        used += est
        out.append(path)
    return out, notes


def decode_text(data: bytes) -> str | None:
    """Text of a file, or None when it is not text (one decoder for every source: see
    ``openaudit.base.text.decode_text`` — BOM and BOM-less UTF-16/32, strict UTF-8, no NULs)."""
    return _decode(data)[0]
