"""Project configuration: ``openaudit.toml`` or ``[tool.openaudit]`` in ``pyproject.toml``.

Looked up in ``start_dir`` (the current directory): ``openaudit.toml`` wins over ``pyproject.toml``;
``--config PATH`` names a file directly. In ``openaudit.toml`` the keys sit at the top level (a
``[tool.openaudit]`` table copied from a ``pyproject.toml`` is accepted too); in ``pyproject.toml``
they sit under ``[tool.openaudit]``. A configuration *found* inside the folder being audited is
ignored for that audit (the audited repository never configures its own audit; see ``inside``).
Validated with ``rubrics/schema/config.schema.json``: an
unknown key or a wrong type is ``InvalidConfig`` naming the file and the key. Command-line options
always override the configuration (the CLI merges them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from openaudit.base.text import read_user_text
from openaudit.errors import FileMissing, InvalidConfig
from openaudit.resources import schema

CONFIG_FILE = "openaudit.toml"
PYPROJECT = "pyproject.toml"
MAX_BYTES = 1024 * 1024


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # heavy (openaudit.base.lazy): most audits run where no configuration file exists

    raw = read_user_text(path, what="config file", max_bytes=MAX_BYTES)
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidConfig(f"{path} is not valid TOML: {exc}") from exc


def validate_config(config: Any, source: str) -> dict[str, Any]:
    import jsonschema

    if not isinstance(config, dict):
        raise InvalidConfig(f"{source}: configuration must be a table")
    sch = schema("config")
    validator = jsonschema.Draft202012Validator(sch)
    errors = sorted(validator.iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return config
    err = errors[0]
    where = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in err.instance if k not in allowed) if isinstance(err.instance, dict) else []
        key = ".".join(x for x in (where, extra[0] if extra else "") if x)
        raise InvalidConfig(f"{source}: unknown key '{key}' (known: {', '.join(sorted(allowed))})")
    raise InvalidConfig(f"{source}: key '{where or '(top level)'}': {err.message}")


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read one config file: an ``openaudit.toml`` (whole file) or a ``pyproject.toml`` ([tool.openaudit])."""
    p = Path(path)
    if not p.is_file():
        raise FileMissing(f"no such file: {p} (config file)")
    data = _read_toml(p)
    if p.name == PYPROJECT:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "openaudit" not in tool:
            return {}  # a pyproject.toml without [tool.openaudit] configures nothing
        return validate_config(tool["openaudit"], f"{p} [tool.openaudit]")
    tool = data.get("tool")
    if set(data) == {"tool"} and isinstance(tool, dict) and set(tool) == {"openaudit"}:
        return validate_config(tool["openaudit"], f"{p} [tool.openaudit]")  # the pyproject form, copied
    return validate_config(data, str(p))


def discover(start_dir: Path) -> Path | None:
    """The configuration file found in ``start_dir`` (``openaudit.toml`` wins over ``pyproject.toml``)."""
    d = Path(start_dir)
    for name in (CONFIG_FILE, PYPROJECT):
        if (d / name).is_file():
            return d / name
    return None


def load_config(start_dir: Path, config_path: str | Path | None = None) -> dict[str, Any]:
    """The configuration that applies in ``start_dir`` (``{}`` when there is none)."""
    if config_path is not None:
        return load_config_file(config_path)
    found = discover(start_dir)
    return load_config_file(found) if found is not None else {}


def inside(config_file: Path, target: str) -> bool:
    """Is ``config_file`` inside (or in) the local folder ``target``? The audited repository never
    configures its own audit: a configuration found there is not used for that audit."""
    folder = Path(os.path.expanduser(target))
    if not folder.is_dir():
        return False
    root = os.path.realpath(folder)
    where = os.path.realpath(config_file)
    return where == root or where.startswith(root.rstrip(os.sep) + os.sep)
