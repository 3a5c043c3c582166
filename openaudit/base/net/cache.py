"""The lookup cache: answers of lookups made while following a card's links (GitHub repositories,
Hub datasets and models, papers), kept per process and on disk, keyed by URL (plus who asked: no
token, or a fingerprint of the token), so that a re-run makes no request.

* Folder: ``OPENAUDIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/openaudit``, else ``~/.cache/openaudit``;
  one JSON file per entry under ``lookups/`` (read through the hardened JSON parser; a damaged or
  foreign file is a miss, never an error).
* Lifetime: ``OPENAUDIT_CACHE_TTL`` seconds (default 7 days); ``0`` turns the cache off.
* Only definite answers are stored (a JSON body, "not found", "access denied"); timeouts, rate limits
  and server errors never are, so a later run asks again.
* The in-process layer is keyed by the folder as well, so two folders (two users, two tests) never
  share entries. A folder that cannot be written leaves the in-process layer working.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from openaudit.base.parse import ParseProblem, load_json

DEFAULT_TTL = 7 * 24 * 3600.0
MAX_ENTRY_BYTES = 4 << 20
FORMAT = 1

_MEMORY: dict[str, dict[str, tuple[float, Any]]] = {}
_LOCK = threading.Lock()


def cache_dir() -> Path:
    """The lookup-cache folder, read from the environment now."""
    explicit = os.environ.get("OPENAUDIT_CACHE_DIR", "").strip()
    if explicit:
        return Path(os.path.expanduser(explicit)) / "lookups"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(os.path.expanduser(xdg)) if xdg else Path.home() / ".cache"
    return base / "openaudit" / "lookups"


def ttl() -> float:
    raw = os.environ.get("OPENAUDIT_CACHE_TTL", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TTL
    except ValueError:
        return DEFAULT_TTL
    return value if value == value and value > 0 else 0.0  # NaN and negatives turn it off


def auth_key(token: str | None) -> str:
    """Who asked, for the cache key: ``anon`` or a short fingerprint of the token (never the token)."""
    if not token:
        return "anon"
    return "token:" + hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def _file(folder: Path, key: str) -> Path:
    return folder / (hashlib.sha256(key.encode("utf-8")).hexdigest() + ".json")


def get(key: str) -> Any | None:
    """The cached value for ``key``, or None (absent, expired, unreadable, or caching off)."""
    life = ttl()
    if life <= 0:
        return None
    folder = cache_dir()
    now = time.time()
    with _LOCK:
        hit = _MEMORY.get(str(folder), {}).get(key)
    if hit is not None and 0 <= now - hit[0] <= life:
        return hit[1]
    entry = _read(_file(folder, key), key)
    if entry is None or not 0 <= now - entry[0] <= life:
        return None
    with _LOCK:
        _MEMORY.setdefault(str(folder), {})[key] = entry
    return entry[1]


def _read(path: Path, key: str) -> tuple[float, Any] | None:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        doc = load_json(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, UnicodeDecodeError, ParseProblem):
        return None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("key") != key:
        return None
    stamp = doc.get("time")
    if not isinstance(stamp, (int, float)) or "value" not in doc:
        return None
    return float(stamp), doc["value"]


def put(key: str, value: Any) -> None:
    """Store ``value`` (plain JSON) for ``key`` in this process and on disk (best effort)."""
    if ttl() <= 0:
        return
    folder = cache_dir()
    now = time.time()
    with _LOCK:
        _MEMORY.setdefault(str(folder), {})[key] = (now, value)
    data = json.dumps({"format": FORMAT, "key": key, "time": now, "value": value}, sort_keys=True, ensure_ascii=False)
    if len(data) > MAX_ENTRY_BYTES:
        return
    tmp = folder / f".entry-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, _file(folder, key))  # readers see the old entry or the new one, never half of one
    except OSError:  # a read-only or full disk: the in-process layer still answers
        pass
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def clear_memory() -> None:
    """Forget the in-process layer (the disk stays)."""
    with _LOCK:
        _MEMORY.clear()
