"""Follow the links a rater follows from a model card (found by ``sources.links``), through the one
HTTP layer (``openaudit.base.net``): each lookup counted (the audit's Meter), cached (the lookup
cache, keyed by URL: a re-run makes no request), pinned (commit sha where one exists) and cited
(``evidence_url``). The result is ``Snapshot.links``: one :class:`~openaudit.model.LinkLookup` per link.

Statuses are decided on typed failure kinds: a 404 is NOT_FOUND, a rate limit RATE_LIMITED, anything
else that fails (timeouts, 5xx after retries, refused connections, garbled answers, a tree that
could not be listed) ERROR; only OK carries facts, so an unanswered lookup can never read as "no
code" or "no data". Caps: KIND_CAPS per kind and MAX_FOLLOWED in all per audit (beyond: SKIPPED);
after MAX_SERVICE_FAILURES failed lookups in a row on one service, or one rate limit, that service's
remaining links are not tried (their status says why).
"""

from __future__ import annotations

import re
from typing import Any

from openaudit.base.net import FailKind, Failure, Meter, NetFailure, cache, github, papers
from openaudit.base.net import hub as hubnet
from openaudit.model import Condition, LinkKind, LinkLookup, LinkStatus, Note
from openaudit.sources import codepaths, hub_lookups
from openaudit.sources.hub_lookups import card_of, repo_info
from openaudit.sources.links import MAX_FOUND, LinkRef, find_links

MAX_FOLLOWED = 32  # links followed per audit
KIND_CAPS = {LinkKind.GITHUB_REPO: 8, LinkKind.HUB_MODEL: 8, LinkKind.PAPER: 8}  # Hub datasets: as hub_lookups
MAX_SERVICE_FAILURES = 2
MAX_PATHS = 2000  # file paths listed per GitHub repository
README_TOPICS = {
    "training": re.compile(r"\b(?:pre-?train\w*|fine-?tun\w*|train(?:ing|ed|er)?)\b", re.IGNORECASE),
    "data": re.compile(
        r"\b(?:datasets?|data ?(?:preparation|processing|mixture)|preprocess\w*|tokeni[sz]\w*)\b", re.IGNORECASE
    ),
    "evaluation": re.compile(r"\b(?:eval(?:uat\w+)?|benchmarks?)\b", re.IGNORECASE),
    "license": re.compile(r"\blicen[cs]e[ds]?\b", re.IGNORECASE),
}


def follow_card_links(
    card_text: str | None,
    card_data: dict | None,
    *,
    meter: Meter,
    token: str | None,
    notes: list[Note],
    self_id: str | None = None,
) -> tuple[LinkLookup, ...]:
    """Find the card's links and follow them (inside ``meter``, which must be active)."""
    refs, more = find_links(card_text, card_data, self_id=self_id, web=hubnet.endpoint())
    if more:
        notes.append(
            Note(
                Condition.LOOKUP_INCOMPLETE,
                f"{more} more links in the card were not listed (at most {MAX_FOUND} of each kind per card)",
            )
        )
    return follow(refs, meter=meter, token=token, self_id=self_id)


def _service(ref: LinkRef) -> str:
    if ref.kind is LinkKind.PAPER:
        return "arxiv" if ref.key.startswith("arxiv:") else "doi" if ref.key.startswith("doi:") else "web"
    return "github" if ref.kind is LinkKind.GITHUB_REPO else "hub"


def follow(
    refs: list[LinkRef], *, meter: Meter, token: str | None, self_id: str | None = None
) -> tuple[LinkLookup, ...]:
    out: list[LinkLookup] = []
    per_kind: dict[LinkKind, int] = {}
    followed = 0
    failures: dict[str, int] = {}
    blocked: dict[str, tuple[LinkStatus, str]] = {}
    caps = {**KIND_CAPS, LinkKind.HUB_DATASET: hub_lookups.MAX_DATASET_LOOKUPS}
    for ref in refs:
        service = _service(ref)
        if per_kind.get(ref.kind, 0) >= caps[ref.kind] or followed >= MAX_FOLLOWED:
            cap = caps[ref.kind] if per_kind.get(ref.kind, 0) >= caps[ref.kind] else MAX_FOLLOWED
            out.append(
                LinkLookup(
                    ref.url,
                    ref.kind,
                    LinkStatus.SKIPPED,
                    detail=f"not followed: over the cap of {cap} "
                    f"{'links' if cap == MAX_FOLLOWED else ref.kind.value + ' links'} per audit",
                )
            )
            continue
        if service in blocked:
            status, why = blocked[service]
            out.append(LinkLookup(ref.url, ref.kind, status, detail=f"not tried: {why}"))
            continue
        if service == "web" and not papers.public_url(ref.url):
            out.append(
                LinkLookup(ref.url, ref.kind, LinkStatus.SKIPPED, detail="not followed: not a public http(s) address")
            )
            continue
        per_kind[ref.kind] = per_kind.get(ref.kind, 0) + 1
        followed += 1
        before = meter.requests
        try:
            status, facts, evidence = _FOLLOWERS[ref.kind](ref, token, self_id)
            detail, failure = "", None
        except NetFailure as exc:
            failure = exc.failure
            status, facts, evidence, detail = _status_of(failure, ref), {}, None, failure.detail
        except Exception as exc:  # one odd link must not sink the audit: unobserved, no facts
            failure = Failure(FailKind.OTHER, None, f"lookup failed ({type(exc).__name__})")
            status, facts, evidence, detail = LinkStatus.ERROR, {}, None, failure.detail
        if facts:
            facts = {**facts, "card_line": ref.line, "card_context": ref.context}
        out.append(LinkLookup(ref.url, ref.kind, status, facts, evidence, meter.requests - before, detail))
        if failure is not None and failure.transient:
            failures[service] = failures.get(service, 0) + 1
            if failure.kind is FailKind.RATE_LIMITED:
                blocked[service] = (LinkStatus.RATE_LIMITED, f"{service} rate limit reached ({failure.detail})")
            elif failures[service] >= MAX_SERVICE_FAILURES:
                blocked[service] = (LinkStatus.ERROR, f"{failures[service]} failed {service} lookups in a row")
        else:
            failures[service] = 0
    return tuple(out)


def _status_of(f: Failure, ref: LinkRef) -> LinkStatus:
    if f.kind in (FailKind.NOT_FOUND, FailKind.ENTRY, FailKind.REVISION):
        return LinkStatus.NOT_FOUND
    if f.kind is FailKind.AUTH and ref.kind in (LinkKind.HUB_DATASET, LinkKind.HUB_MODEL) and f.status == 401:
        return LinkStatus.NOT_FOUND  # the Hub answers 401 for unknown and private repos alike
    if f.kind is FailKind.RATE_LIMITED:
        return LinkStatus.RATE_LIMITED
    if f.kind is FailKind.OFFLINE:
        return LinkStatus.OFFLINE
    return LinkStatus.ERROR


Followed = tuple[LinkStatus, dict[str, Any], str | None]


# --- GitHub repositories --------------------------------------------------------------------------
def _cached(key: str, compute: Any) -> Followed:
    """A lookup whose definite answer (OK or NOT_FOUND) is kept in the lookup cache under ``key``."""
    hit = cache.get(key)
    if (
        isinstance(hit, dict)
        and hit.get("status") in (LinkStatus.OK.value, LinkStatus.NOT_FOUND.value)
        and isinstance(hit.get("facts"), dict)
    ):
        if hit["status"] == LinkStatus.NOT_FOUND.value:
            raise NetFailure(Failure(FailKind.NOT_FOUND, hit.get("http_status"), str(hit.get("detail") or "not found")))
        return LinkStatus.OK, hit["facts"], hit.get("evidence_url")
    try:
        status, facts, evidence = compute()
    except NetFailure as exc:
        if exc.failure.kind is FailKind.NOT_FOUND:
            cache.put(
                key,
                {
                    "status": LinkStatus.NOT_FOUND.value,
                    "facts": {},
                    "http_status": exc.failure.status,
                    "detail": exc.failure.detail,
                },
            )
        raise
    if not facts.pop("_partial", False):  # a README that failed to load is asked for again next time
        cache.put(key, {"status": status.value, "facts": facts, "evidence_url": evidence})
    return status, facts, evidence


def _github(ref: LinkRef, token: str | None, self_id: str | None) -> Followed:
    owner, _, name = ref.key.partition("/")
    key = f"GET {github.api_base()}/repos/{owner}/{name} {cache.auth_key(github.token())} self={self_id or ''}"
    return _cached(key, lambda: _github_lookup(owner, name, self_id))


def _github_lookup(owner: str, name: str, self_id: str | None) -> Followed:
    meta = github.repo(owner, name)
    full = meta.full_name
    sha = github.head_commit(full, meta.default_branch)
    paths, truncated = github.tree(full, sha)
    partial = False
    try:
        readme = github.readme(full, sha)
    except NetFailure:  # the README is a bonus: the repository's facts stand without it
        readme, partial = None, True
    mentions = None
    if readme is not None:
        mentions = [t for t, rx in README_TOPICS.items() if rx.search(readme)]
        if self_id and self_id.lower() in readme.lower():
            mentions.append("this_model")
    renamed = meta.redirected or full.lower() != f"{owner}/{name}".lower()
    facts: dict[str, Any] = {
        "full_name": full,
        "license_spdx": meta.license_spdx,
        "license_name": meta.license_name,
        "default_branch": meta.default_branch,
        "commit_sha": sha,
        "redirected_from": f"{owner}/{name}" if renamed else None,
        "archived": meta.archived,
        "paths": paths[:MAX_PATHS],
        **codepaths.classify(paths),
        "truncated": truncated or len(paths) > MAX_PATHS,
        "tree_truncated": truncated,
        "readme_mentions": mentions,
        "_partial": partial,
    }
    return LinkStatus.OK, facts, github.web_url(full, sha)


# --- Hub datasets and models ----------------------------------------------------------------------
def _hub(ref: LinkRef, token: str | None, self_id: str | None) -> Followed:
    kind = "dataset" if ref.kind is LinkKind.HUB_DATASET else "model"
    page = f"{hubnet.endpoint()}/{'datasets/' if kind == 'dataset' else ''}{ref.key}"
    try:
        info = repo_info(kind, ref.key, token)
    except NetFailure as exc:
        if exc.failure.kind is not FailKind.GATED:
            raise
        facts = {
            "id": ref.key,
            "exists": True,
            "gated": True,
            "private": None,
            "disabled": None,
            "license": None,
            "sha": None,
            "card_license": None,
        }
        return LinkStatus.OK, facts, page
    card = card_of(info)
    tags: list[Any] = info["tags"] if isinstance(info.get("tags"), list) else []
    tag_license = next((t.split(":", 1)[1] for t in tags if isinstance(t, str) and t.startswith("license:")), None)
    sha = info.get("sha") if isinstance(info.get("sha"), str) else None
    facts = {
        "id": info.get("id") if isinstance(info.get("id"), str) else ref.key,
        "exists": True,
        "gated": info.get("gated"),
        "private": info.get("private"),
        "disabled": bool(info.get("disabled")),
        "license": tag_license if tag_license is not None else card.get("license"),
        "sha": sha,
        "card_license": card.get("license"),
    }
    return LinkStatus.OK, facts, f"{page}/tree/{sha}" if sha else page


# --- papers -------------------------------------------------------------------------------------
def _paper(ref: LinkRef, token: str | None, self_id: str | None) -> Followed:
    if ref.key.startswith("arxiv:"):
        arxiv_id = ref.url.rsplit("/abs/", 1)[1]
        key = f"HEAD {papers.arxiv_base()}/abs/{arxiv_id}"
        return _cached(
            key,
            lambda: (
                LinkStatus.OK,
                {"id": arxiv_id, "exists": True, "final_url": papers.arxiv(arxiv_id)},
                papers.arxiv_abs(arxiv_id),
            ),
        )
    if ref.key.startswith("doi:"):
        doi = ref.url.split("doi.org/", 1)[1]
        key = f"GET {papers.doi_base()}/api/handles/{doi}"
        return _cached(
            key, lambda: (LinkStatus.OK, {"id": doi, "exists": True, "final_url": papers.doi(doi)}, papers.doi_url(doi))
        )
    return _cached(
        f"HEAD {ref.url}",
        lambda: (LinkStatus.OK, {"id": None, "exists": True, "final_url": papers.document(ref.url)}, ref.url),
    )


_FOLLOWERS = {
    LinkKind.GITHUB_REPO: _github,
    LinkKind.HUB_DATASET: _hub,
    LinkKind.HUB_MODEL: _hub,
    LinkKind.PAPER: _paper,
}
