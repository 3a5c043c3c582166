"""The links a rater follows, found in a model card: linked GitHub repositories, Hub datasets and
models (front matter ``datasets:`` / ``base_model:`` and huggingface.co links), and papers (arXiv
abs/pdf links and ``arXiv:`` ids, DOIs, other PDF links).

Pure text work: regexes over the raw card text plus its front matter (``openaudit.base.parse``); no
network. ``sources.follow`` follows what is found here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from openaudit.base.net.github import valid_name as github_name
from openaudit.base.parse import ParseProblem, load_yaml, split_front_matter
from openaudit.model import LinkKind
from openaudit.sources import looks_like_repo_id as hub_id

MAX_FOUND = 24  # links listed per kind and card (beyond: counted, not listed)

_URL = re.compile(r"https?://[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
_TRAIL = ".,;:!?*_~'\""
_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_PATH = re.compile(rf"^/(?:abs|pdf|html)/({_ARXIV_ID})(?:\.pdf)?/?$", re.IGNORECASE)
_ARXIV_TEXT = re.compile(
    rf"\barxiv\s*:\s*({_ARXIV_ID})\b|\beprint\s*=\s*[{{\"]\s*(\d{{4}}\.\d{{4,5}}(?:v\d+)?)", re.IGNORECASE
)
_DOI = r"10\.\d{4,9}/[^\s\"'<>{}\[\]|\\^`]+"
_DOI_TEXT = re.compile(rf"\bdoi\s*[:=]\s*[{{\"]?\s*({_DOI})", re.IGNORECASE)
_VERSION = re.compile(r"v\d+$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")

_GITHUB_HOSTS = {"github.com", "www.github.com", "raw.githubusercontent.com"}
_GITHUB_RESERVED = {
    "about",
    "apps",
    "collections",
    "contact",
    "customer-stories",
    "enterprise",
    "events",
    "explore",
    "features",
    "issues",
    "join",
    "login",
    "marketplace",
    "new",
    "notifications",
    "orgs",
    "organizations",
    "pricing",
    "pulls",
    "search",
    "security",
    "settings",
    "site",
    "sponsors",
    "team",
    "topics",
    "trending",
    "users",
    "codespaces",
    "resources",
    "solutions",
    "readme",
    "git-guides",
    "signup",
}
_HUB_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
_HUB_RESERVED = {
    "datasets",
    "spaces",
    "docs",
    "blog",
    "papers",
    "models",
    "collections",
    "organizations",
    "settings",
    "join",
    "login",
    "pricing",
    "learn",
    "tasks",
    "api",
    "new",
    "posts",
    "chat",
    "enterprise",
    "changelog",
    "billing",
    "terms-of-service",
    "privacy",
    "inference-endpoints",
    "hub",
    "welcome",
    "search",
    "notifications",
    "course",
    "support",
    "brand",
    "security",
    "code-of-conduct",
    "content-guidelines",
    "new-dataset",
    "new-space",
    "oauth",
}
_HUB_SUBPAGES = {
    "blob",
    "tree",
    "resolve",
    "viewer",
    "discussions",
    "commits",
    "commit",
    "raw",
    "edit",
    "refs",
    "community",
    "settings",
    "files",
    "upload",
    "delete",
}
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
_DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
_KIND_ORDER = (LinkKind.GITHUB_REPO, LinkKind.HUB_DATASET, LinkKind.HUB_MODEL, LinkKind.PAPER)


@dataclass(frozen=True)
class LinkRef:
    """One link found in a card. ``key`` identifies what it points to (``owner/repo``, a Hub id,
    ``arxiv:ID``, ``doi:10...``, or the URL of a PDF); ``url`` is the normalised link."""

    kind: LinkKind
    key: str
    url: str
    line: int | None = None  # 1-based line of the card where it was first found
    context: str = "text"  # "text" | "code" (inside a fenced code block) | "front_matter"


# --- front matter ------------------------------------------------------------------------------
def front_matter(card_text: str | None) -> dict:
    """The card's YAML front matter (hardened safe loader), {} when absent or broken."""
    yaml_text = split_front_matter(card_text)[0] if card_text else None
    if yaml_text is None:
        return {}
    try:
        meta = load_yaml(yaml_text, source="README.md")
    except ParseProblem:
        return {}
    return meta if isinstance(meta, dict) else {}


def declared_ids(key: str, card_data: dict | None, card_text: str | None) -> list[str]:
    """Hub ids ("name" or "org/name") declared under ``key`` (str or list) in the API's cardData,
    else in the card's front matter; other entries (URLs, prose) are left out."""
    meta = card_data if isinstance(card_data, dict) and key in card_data else front_matter(card_text)
    v = meta.get(key)
    out: list[str] = []
    for it in v if isinstance(v, list) else [v]:
        s = it.strip() if isinstance(it, str) else ""
        if s and hub_id(s) and s not in out:
            out.append(s)
    return out


# --- URLs in the text ----------------------------------------------------------------------------
def _clean(url: str) -> str:
    url = url.split("#", 1)[0]
    while url and url[-1] in _TRAIL + ")":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.split("/") if s]


def _github(host: str, segs: list[str]) -> LinkRef | None:
    if len(segs) < 2 or segs[0].lower() in _GITHUB_RESERVED:
        return None
    owner, repo = segs[0], segs[1].removesuffix(".git")
    if not github_name(owner, repo):
        return None
    return LinkRef(LinkKind.GITHUB_REPO, f"{owner}/{repo}".lower(), f"https://github.com/{owner}/{repo}")


def _hub(segs: list[str], web: str) -> LinkRef | None:
    if not segs:
        return None
    if segs[0] == "papers" and len(segs) >= 2 and re.fullmatch(_ARXIV_ID, segs[1], re.IGNORECASE):
        return _arxiv(segs[1])
    if segs[0] == "datasets" and len(segs) >= 2:
        parts = segs[1:3] if len(segs) >= 3 and segs[2] not in _HUB_SUBPAGES else segs[1:2]
        rid = "/".join(parts)
        return LinkRef(LinkKind.HUB_DATASET, rid, f"{web}/datasets/{rid}") if hub_id(rid) else None
    if segs[0].lower() in _HUB_RESERVED or len(segs) < 2 or segs[1] in _HUB_SUBPAGES:
        return None
    rid = f"{segs[0]}/{segs[1]}"
    return LinkRef(LinkKind.HUB_MODEL, rid, f"{web}/{rid}") if hub_id(rid) else None


def _arxiv(arxiv_id: str) -> LinkRef:
    base = _VERSION.sub("", arxiv_id)
    return LinkRef(LinkKind.PAPER, f"arxiv:{base.lower()}", f"https://arxiv.org/abs/{arxiv_id}")


def _doi(doi: str) -> LinkRef:
    doi = doi.rstrip(_TRAIL + ")")
    if doi.lower().startswith("10.48550/arxiv."):
        return _arxiv(doi[len("10.48550/arxiv.") :])
    return LinkRef(LinkKind.PAPER, f"doi:{doi.lower()}", f"https://doi.org/{doi}")


def classify_url(url: str, web: str = "https://huggingface.co") -> LinkRef | None:
    """The link a URL stands for, or None when it is none of the kinds followed."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    segs = _segments(parts.path)
    if host in _GITHUB_HOSTS:
        return _github(host, segs)
    if host in _HUB_HOSTS:
        return _hub(segs, web)
    if host in _ARXIV_HOSTS:
        m = _ARXIV_PATH.match(parts.path)
        return _arxiv(m.group(1)) if m else None
    if host in _DOI_HOSTS:
        doi = unquote(parts.path.lstrip("/"))
        return _doi(doi) if re.fullmatch(_DOI, doi) else None
    if parts.path.lower().endswith(".pdf"):
        return LinkRef(LinkKind.PAPER, url, url)
    return None


def _code_lines(lines: list[str]) -> set[int]:
    """0-based indexes of lines inside fenced code blocks."""
    inside, fence, out = False, "", set()
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m and (not inside or m.group(1) == fence):
            inside, fence = not inside, m.group(1)
            continue
        if inside:
            out.add(i)
    return out


def find_links(
    card_text: str | None,
    card_data: dict | None = None,
    *,
    self_id: str | None = None,
    web: str = "https://huggingface.co",
) -> tuple[list[LinkRef], int]:
    """(links, how many more were found beyond MAX_FOUND per kind) in a card: GitHub repositories, Hub
    datasets (``datasets:`` first), Hub models (``base_model:`` first), then papers; each kind in
    order of first appearance, each target once. ``self_id`` (the audited repo) is left out."""
    text = card_text or ""
    lines = text.split("\n")
    fm_end = split_front_matter(text)[2] - 1 if text else 0  # lines before the body
    code = _code_lines(lines)
    found: dict[LinkKind, dict[str, LinkRef]] = {k: {} for k in _KIND_ORDER}
    skip = {self_id.lower()} if self_id else set()

    def add(ref: LinkRef | None, line: int | None, context: str | None = None) -> None:
        if ref is None or ref.key.lower() in skip or ref.key in found[ref.kind]:
            return
        if context is None:
            context = (
                "front_matter"
                if line is not None and line <= fm_end
                else "code"
                if line is not None and line - 1 in code
                else "text"
            )
        found[ref.kind][ref.key] = LinkRef(ref.kind, ref.key, ref.url, line, context)

    def line_of(needle: str) -> int | None:
        for i, ln in enumerate(lines[:fm_end] if fm_end else lines):
            if needle in ln:
                return i + 1
        return None

    for key, kind, to_url in (
        ("datasets", LinkKind.HUB_DATASET, lambda i: f"{web}/datasets/{i}"),
        ("base_model", LinkKind.HUB_MODEL, lambda i: f"{web}/{i}"),
    ):
        for rid in declared_ids(key, card_data, card_text):
            add(LinkRef(kind, rid, to_url(rid)), line_of(rid), "front_matter")
    for n, line in enumerate(lines, 1):
        for m in _URL.finditer(line):
            add(classify_url(_clean(m.group(0)), web), n)
        for m in _ARXIV_TEXT.finditer(line):
            add(_arxiv(m.group(1) or m.group(2)), n)
        for m in _DOI_TEXT.finditer(line):
            add(_doi(m.group(1)), n)
    refs = [r for k in _KIND_ORDER for r in list(found[k].values())[:MAX_FOUND]]
    return refs, sum(max(0, len(found[k]) - MAX_FOUND) for k in _KIND_ORDER)
