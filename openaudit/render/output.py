"""Where a command's result goes: stdout, or a file written atomically (temp file + os.replace)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from openaudit.base import files
from openaudit.errors import OutputError


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that readers see the old file or the new one, never half."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"output path is a directory: {target}")
    if target.exists() and not target.is_file():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO): write through it. Renaming a temp file
        # over it would replace the device node itself (as root: /dev/null becomes a regular file).
        try:
            with open(target, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return target
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output folder does not exist: {parent}")
    try:
        files.write_atomic(target, text)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target


def emit(text: str, out: str | None) -> None:
    """Print ``text`` on stdout (``out`` None or "-") or write it atomically to the file ``out``."""
    if out is None or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomic(out, text)
