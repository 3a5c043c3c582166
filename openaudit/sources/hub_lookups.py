"""Hub lookups for what a card declares: each dataset's and base model's own Hub info (availability,
gating, license), counted like every other Hub call; network failures never read as "missing"."""

from __future__ import annotations

from typing import Any

from openaudit.base.net import FailKind, Failure, NetFailure
from openaudit.base.net import hub as hubnet
from openaudit.base.text import terminal_safe as escape
from openaudit.model import Condition, Note
from openaudit.sources.links import declared_ids

__all__ = ["declared_ids", "lookup_declared", "repo_info"]

MAX_DATASET_LOOKUPS = 20  # dataset-info calls per audit
MAX_BASE_MODEL_LOOKUPS = 3  # base-model info calls per audit
MAX_LOOKUP_FAILURES = 2  # consecutive network failures before the remaining lookups are skipped


def repo_info(kind: str, repo_id: str, token: str | None) -> dict[str, Any]:
    """The Hub's info JSON (card metadata, gating, visibility, sha, tags) of a ``model`` or
    ``dataset`` repo: one cached lookup shared with the link follower. Raises NetFailure."""
    return hubnet.repo_meta(kind, repo_id, token=token)


def card_of(info: dict[str, Any]) -> dict[str, Any]:
    d = info.get("cardData")
    return d if isinstance(d, dict) else {}


def _status(info: dict[str, Any]) -> str:
    return (
        "disabled"
        if info.get("disabled")
        else "private"
        if info.get("private")
        else "gated"
        if info.get("gated") not in (None, False, "false")
        else "available"
    )


def _dataset_entry(info: dict[str, Any]) -> dict:
    return {
        "exists": True,
        "gated": info.get("gated"),
        "private": info.get("private"),
        "disabled": bool(info.get("disabled")),
        "license": card_of(info).get("license"),
        "status": _status(info),
        "http_status": 200,
    }


def _model_entry(info: dict[str, Any]) -> dict:
    card = card_of(info)
    return {
        "exists": True,
        "license": card.get("license"),
        "license_name": card.get("license_name"),
        "license_link": card.get("license_link"),
        "gated": info.get("gated"),
        "private": info.get("private"),
        "base_model": card.get("base_model"),
        "status": _status(info),
        "http_status": 200,
    }


def _answer_for(f: Failure) -> dict | None:
    """A definite answer from an HTTP failure, or None when nothing is known (network, 5xx...)."""
    if f.kind is FailKind.GATED:
        return {"exists": True, "gated": True, "private": None, "status": "gated", "http_status": f.status}
    if f.kind in (FailKind.AUTH, FailKind.NOT_FOUND, FailKind.REVISION):
        reason = {401: "missing_or_private", 403: "access_denied"}.get(f.status, "not_found")
        return {
            "exists": False,
            "gated": None,
            "private": None,
            "status": "missing",
            "reason": reason,
            "http_status": f.status,
        }
    return None


def _lookup(ids: list[str], cap: int, what: str, call, entry, notes: list[Note]) -> tuple[dict, dict]:
    """``call(id)`` for up to ``cap`` ids -> ({id: entry}, {id: error entry})."""
    found: dict[str, dict] = {}
    errors: dict[str, dict] = {}
    if len(ids) > cap:
        notes.append(
            Note(
                Condition.LOOKUP_INCOMPLETE,
                f"{len(ids)} {what}s declared: only the first {cap} were looked up on the Hub",
            )
        )
    failures = 0
    for i in ids[:cap]:
        if failures >= MAX_LOOKUP_FAILURES:
            errors[i] = {"status": "error", "http_status": None, "reason": "skipped after repeated network failures"}
            continue
        try:
            found[i] = entry(call(i))
            failures = 0
        except NetFailure as exc:
            f = exc.failure
            answer = _answer_for(f)
            if answer is not None:
                found[i] = answer
                continue
            failures += 1
            errors[i] = {"status": "error", "http_status": f.status, "reason": f.detail}
    if errors:
        notes.append(
            Note(
                Condition.LOOKUP_INCOMPLETE,
                f"{what} info could not be read for {len(errors)} id(s) "
                f"({', '.join(escape(i) for i in list(errors)[:3])}): availability unknown",
            )
        )
    return found, errors


def lookup_declared(
    card_data: dict | None, card_text: str | None, notes: list[Note], token: str | None = None
) -> dict[str, Any]:
    """Model-info fields to add for the card's declared ``datasets`` and ``base_model``:
    ``datasets_info`` {id: {exists, gated, private, disabled, license, status, http_status[, reason]}}
    (status available|gated|private|disabled|missing), ``datasets_info_errors`` {id: {status: "error",
    http_status, reason}} for lookups that failed (kept apart so that unknown is never read as public),
    and ``base_models_info`` {id: {exists, license, license_name, license_link, gated, private, base_model,
    status, http_status[, reason]}} with errors included as status "error"."""
    out: dict[str, Any] = {}
    ds = declared_ids("datasets", card_data, card_text)
    if ds:
        found, errors = _lookup(
            ds, MAX_DATASET_LOOKUPS, "dataset", lambda i: repo_info("dataset", i, token), _dataset_entry, notes
        )
        out["datasets_info"] = found
        if errors:
            out["datasets_info_errors"] = errors
    bases = declared_ids("base_model", card_data, card_text)
    if bases:
        found, errors = _lookup(
            bases, MAX_BASE_MODEL_LOOKUPS, "base model", lambda i: repo_info("model", i, token), _model_entry, notes
        )
        out["base_models_info"] = {**found, **errors}
    return out
