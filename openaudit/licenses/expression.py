"""Card ``license:`` values: a Hub id, an SPDX expression (AND / OR / WITH, parentheses), a list,
``other`` (+ ``license_name`` / ``license_link``), ``unknown`` or missing.

Expressions are parsed with license-expression (``get_spdx_licensing``) after each leaf has been
mapped to its SPDX id or ``LicenseRef-...`` via rubrics/licenses.yaml. A malformed expression is a
``problem`` (it becomes a finding), never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openaudit.licenses.facts import LicenseInfo, custom_id, custom_info, lookup, unknown_info

_KEYWORDS = {"and", "or", "with"}
_SPLIT = re.compile(r"(\s+|\(|\))")
_SIMPLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+\-_]*$")


@dataclass(frozen=True)
class DeclaredLicense:
    raw: Any  # the value as written in the card
    expression: str | None  # normalised SPDX expression, e.g. "Apache-2.0 OR MIT"; None when unusable
    ids: tuple[str, ...]  # leaf ids (SPDX / LicenseRef), exceptions excluded
    infos: tuple[LicenseInfo, ...]  # facts per leaf id (unknown_info for ids without facts)
    operator: str | None = None  # "AND" | "OR" | "WITH" | None (single id)
    problems: tuple[str, ...] = ()
    placeholder: str | None = None  # "other" | "unknown" when the card says so

    @property
    def declared(self) -> bool:
        return bool(self.ids)


def _map_leaf(token: str) -> tuple[str, LicenseInfo | None]:
    info = lookup(token)
    if info is not None:
        return info.id, info
    return token, None


def _map_tokens(text: str) -> tuple[str, list[str]]:
    """Replace each leaf of an expression by its SPDX / LicenseRef id; return unknown leaves."""
    out: list[str] = []
    unknown: list[str] = []
    prev = ""
    for part in _SPLIT.split(text):
        if not part or part.isspace() or part in "()":
            out.append(part)
            continue
        if part.lower() in _KEYWORDS:
            out.append(part.upper())
            prev = part.lower()
            continue
        mapped, info = _map_leaf(part)
        if info is None and prev != "with" and not lookup(part.rstrip("+")):
            unknown.append(part)  # exceptions (after WITH) are not licenses: not checked here
        out.append(mapped)
        prev = part
    return "".join(out), unknown


def _parse_expression(text: str) -> tuple[str | None, list[str], str | None, list[str]]:
    """(rendered expression, leaf ids, top operator, problems)."""
    from license_expression import ExpressionError, get_spdx_licensing

    mapped, unknown = _map_tokens(text)
    licensing = get_spdx_licensing()
    try:
        tree = licensing.parse(mapped, validate=False, strict=True)
    except (ExpressionError, ValueError, TypeError, AttributeError, KeyError) as exc:
        reason = " ".join(str(exc).split())[:160]
        return None, [], None, [f"license expression {text!r} is malformed: {reason}"]
    if tree is None:
        return None, [], None, [f"license expression {text!r} is empty"]
    problems = [f"license {u!r} is not a known Hub, SPDX or LicenseRef id" for u in unknown]
    ids: list[str] = []
    exceptions: set[str] = set()
    for node in licensing.license_symbols(tree, decompose=False):
        if hasattr(node, "license_symbol"):
            ids.append(node.license_symbol.key)
            exceptions.add(node.exception_symbol.key)
        else:
            ids.append(node.key)
    op = type(tree).__name__
    operator = {"AND": "AND", "OR": "OR", "LicenseWithExceptionSymbol": "WITH"}.get(op)
    return tree.render(), [i for i in dict.fromkeys(ids) if i not in exceptions], operator, problems


def parse_card_license(value: Any, license_name: Any = None, license_link: Any = None) -> DeclaredLicense:
    """Interpret a card's ``license`` (+ ``license_name``/``license_link``) value."""
    if value is None or value == "" or value == []:
        return DeclaredLicense(raw=value, expression=None, ids=(), infos=())
    problems: list[str] = []
    if isinstance(value, (list, tuple)):
        items = [v for v in value if isinstance(v, str) and v.strip()]
        if len(items) != len(value):
            problems.append("card license list holds non-text entries; they were ignored")
        if not items:
            return DeclaredLicense(raw=value, expression=None, ids=(), infos=(), problems=tuple(problems))
        text = " AND ".join(f"({i.strip()})" if _SPLIT.search(i.strip()) else i.strip() for i in items)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return DeclaredLicense(
            raw=value,
            expression=None,
            ids=(),
            infos=(),
            problems=(f"card license is a {type(value).__name__}, not a license id",),
        )
    low = text.lower()
    if low in ("other", "unknown"):
        name = license_name.strip() if isinstance(license_name, str) and license_name.strip() else None
        info = lookup(name) if name else None
        if info is not None and info.id not in ("LicenseRef-other", "LicenseRef-unknown"):
            return DeclaredLicense(raw=value, expression=info.id, ids=(info.id,), infos=(info,), placeholder=low)
        lid = custom_id(name) if name else f"LicenseRef-{low}"
        label = name or ("other (no license_name)" if low == "other" else "unknown")
        if low == "other" and not name and not (isinstance(license_link, str) and license_link.strip()):
            problems.append("license: other without license_name or license_link")
        # `other` is the Hub's word for a license outside its list: a custom license (not OSI-approved,
        # terms unknown here). `unknown` says nothing.
        info = custom_info(lid, label) if low == "other" else unknown_info(lid, label)
        return DeclaredLicense(
            raw=value, expression=lid, ids=(lid,), infos=(info,), problems=tuple(problems), placeholder=low
        )
    has_operator = any(p.lower() in _KEYWORDS for p in text.replace("(", " ").replace(")", " ").split())
    if not has_operator and "(" not in text and ")" not in text:  # one license, maybe a name ("Apache License 2.0")
        lid, info = _map_leaf(text)
        if info is None:
            problems.append(f"license {text!r} is not a known Hub, SPDX or LicenseRef id")
            lid = lid if _SIMPLE.match(lid) else "LicenseRef-" + re.sub(r"[^A-Za-z0-9.\-]+", "-", lid).strip("-")[:60]
            info = unknown_info(lid)
        return DeclaredLicense(raw=value, expression=lid, ids=(lid,), infos=(info,), problems=tuple(problems))
    expr, ids, operator, more = _parse_expression(text)
    problems.extend(more)
    infos = tuple(lookup(i) or unknown_info(i) for i in ids)
    return DeclaredLicense(
        raw=value, expression=expr, ids=tuple(ids), infos=infos, operator=operator, problems=tuple(problems)
    )
