"""Small constructors shared by the probes of weights, code, data, reproducibility and documentation:
findings with evidence, the "card could not be read" and "files could not be listed" answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openaudit.collect.card import UNREADABLE
from openaudit.collect.common import absence, card_only, files_readable, listing_complete, plural, short  # noqa: F401 (plural: re-exported for probes)
from openaudit.model import Condition, Evidence, Finding, Outcome, Snapshot

P, F, PA, NA, NAP = Outcome.PASS, Outcome.FAIL, Outcome.PARTIAL, Outcome.NOT_AVAILABLE, Outcome.NOT_APPLICABLE


def finding(
    pid: str,
    outcome: Outcome,
    message: str,
    evidence: Iterable[Evidence] = (),
    *,
    value: Any = None,
    score: float | None = None,
) -> Finding:
    ev = tuple(dict.fromkeys(e for e in evidence if e is not None))[:8]  # each piece of evidence once, in order
    if not ev:  # every finding carries evidence
        ev = (Evidence(kind="note", snippet=short(message, 200)),)
    return Finding(probe=pid, outcome=outcome, message=message, evidence=ev, value=value, score=score)


def card_unavailable(pid: str, facts: dict, what: str) -> Finding | None:
    """NOT_AVAILABLE when the card exists but could not be read; FAIL when there is no card at all
    (a repo without a card documents nothing); None when the card can be used."""
    card = facts["card"]
    if not card.exists:
        return finding(
            pid,
            F,
            f"no model card: {what} not documented",
            [absence("README.md / MODEL_CARD.md at the repository root")],
        )
    bad = [p for p, code in zip(card.problems, card.problem_codes) if code == UNREADABLE]
    if bad:
        return finding(
            pid,
            NA,
            f"the model card could not be read: {what} not checked",
            [Evidence(kind="note", path=card.path, snippet=bad[0])],
        )
    return None


def listing_unavailable(pid: str, snapshot: Snapshot, what: str) -> Finding | None:
    ok, why = listing_complete(snapshot)
    if not ok:
        return finding(
            pid,
            NA,
            f"the repository's files could not be observed: {what} not checked",
            [Evidence(kind="note", snippet=short(why, 200))],
        )
    ok, why = files_readable(snapshot)
    if not ok:
        return finding(
            pid,
            NA,
            f"the repository's files could not be read: {what} not checked",
            [Evidence(kind="note", snippet=short(why, 200))],
        )
    return None


def files_unavailable(pid: str, snapshot: Snapshot, what: str) -> Finding | None:
    """Like ``listing_unavailable``, and also NOT_AVAILABLE for a card-only folder: for questions only
    the repository's files can answer (weight files, formats, configs), a card alone is no evidence of absence."""
    na = listing_unavailable(pid, snapshot, what)
    if na is not None:
        return na
    only, why = card_only(snapshot)
    if only:
        return finding(
            pid, NA, f"only the model card was observed: {what} not checked", [Evidence(kind="note", snippet=why)]
        )
    return None


def partial_cache_note(snapshot: Snapshot) -> Evidence | None:
    for n in snapshot.notes_with(Condition.CACHE_PARTIAL):
        return Evidence(kind="note", snippet=short(n.message, 200))
    return None
