"""Hugging Face Hub access: the one place that calls huggingface_hub.

Every call goes through huggingface_hub's shared client (metered, see ``http.install``) with our
bounded retries; failures reach callers as :class:`~openaudit.base.net.failures.NetFailure` carrying a
typed :class:`~openaudit.base.net.failures.FailKind` (callers map kinds to their own messages, or use
``failures.to_error``). File downloads use ``hf_hub_download`` (resumable, into the Hugging Face cache),
whose own retry of its metadata request is the library's.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from openaudit.base.net import cache
from openaudit.base.net.failures import FailKind, Failure, NetFailure, TruncatedBody, classify, is_network_error
from openaudit.base.net.http import active_meter, call, guard, install, with_retries

if TYPE_CHECKING:  # imported where used, at run time (start-up)
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

DEFAULT_ENDPOINT = "https://huggingface.co"
META_FIELDS = ("cardData", "gated", "private", "disabled", "sha", "tags")  # `expand`: no file list
MAX_TREE_PAGES = 1000


def endpoint() -> str:
    """HF_ENDPOINT as set now (huggingface_hub reads it once at import; we read it per call)."""
    if os.environ.get("HF_ENDPOINT"):
        return os.environ["HF_ENDPOINT"].rstrip("/")
    from huggingface_hub import constants

    return str(constants.ENDPOINT or DEFAULT_ENDPOINT).rstrip("/")


def offline_mode() -> bool:
    """huggingface_hub's offline switch (HF_HUB_OFFLINE at import, or :func:`set_offline`)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def set_offline() -> None:
    """Turn huggingface_hub's offline mode on in this process and in the processes it starts."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from huggingface_hub import constants

    constants.HF_HUB_OFFLINE = True


def hub_cache_dir() -> Path:
    """The hub cache folder, read from the environment now (HF_HUB_CACHE, then HF_HOME/hub),
    falling back to huggingface_hub's default."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.path.expanduser(os.path.expandvars(os.environ["HF_HUB_CACHE"])))
    if os.environ.get("HF_HOME"):
        return Path(os.path.expanduser(os.path.expandvars(os.environ["HF_HOME"]))) / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def repo_folder(repo_id: str, repo_type: str = "model") -> str:
    """The cache folder name of a repo (``models--org--name``)."""
    from huggingface_hub.file_download import repo_folder_name

    return str(repo_folder_name(repo_id=repo_id, repo_type=repo_type))


def client(token: str | None = None) -> HfApi:
    """An ``HfApi`` on the current endpoint (metered)."""
    install()
    from huggingface_hub import HfApi

    return HfApi(endpoint=endpoint(), token=token)


def headers(token: str | None = None) -> dict[str, str]:
    """The Hub's request headers for ``token`` (None: HF_TOKEN or the stored login)."""
    from huggingface_hub.utils import build_hf_headers

    return dict(build_hf_headers(token=token))


def file_url(repo_id: str, path: str, revision: str, repo_type: str | None = None) -> str:
    from huggingface_hub import hf_hub_url

    return str(hf_hub_url(repo_id, path, revision=revision, repo_type=repo_type, endpoint=endpoint()))


def get_bytes(url: str, hdrs: dict[str, str], limit: int) -> bytes:
    """GET ``url`` streaming at most ``limit`` bytes (a server that ignores Range cannot make us
    read more); raises on HTTP errors and on a body shorter than its Content-Length."""
    install()
    from huggingface_hub import get_session, hf_raise_for_status

    with get_session().stream("GET", url, headers=hdrs) as r:
        if r.status_code >= 400:
            r.read()
        hf_raise_for_status(r)
        buf = bytearray()
        for chunk in r.iter_raw():
            buf += chunk
            if len(buf) >= limit:
                return bytes(buf[:limit])
        declared = r.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) != len(buf):
            raise TruncatedBody(f"body of {len(buf)} bytes, {declared} declared")
        return bytes(buf)


def _pages(url: str, params: dict[str, Any] | None, hdrs: dict[str, str], what: str) -> Iterator[Any]:
    """The JSON list items of a paginated Hub listing (``Link: <...>; rel="next"``), each page retried
    with our bounded policy (huggingface_hub's own paging would retry each page for ~20 s)."""
    install()
    from huggingface_hub import get_session, hf_raise_for_status

    next_url: str | None = url
    pages = 0
    while next_url is not None:

        def page(u: str = next_url, p: dict[str, Any] | None = params) -> tuple[Any, str | None]:
            r = get_session().get(u, params=p, headers=hdrs)
            hf_raise_for_status(r)
            return r.json(), r.links.get("next", {}).get("url")

        items, next_url = with_retries(page)
        params = None  # the next link carries its own query
        if not isinstance(items, list):
            raise NetFailure(Failure(FailKind.MALFORMED, 200, f"malformed response ({what} is not a list)"))
        yield from items
        pages += 1
        if pages > MAX_TREE_PAGES:
            raise NetFailure(Failure(FailKind.OTHER, None, f"the {what} has more than {MAX_TREE_PAGES} pages"))


def list_tree(api: HfApi, repo_id: str, sha: str, repo_type: str = "model") -> list[RepoFile]:
    """The files (``RepoFile``) of the recursive tree at ``sha``, page by page (the route and parsing
    of ``HfApi.list_repo_tree``)."""
    from huggingface_hub.hf_api import RepoFile

    url = f"{api.endpoint}/api/{repo_type}s/{repo_id}/tree/{quote(sha, safe='')}"
    items = _pages(url, {"recursive": True, "expand": False}, api._build_hf_headers(), "file tree")
    # huggingface_hub leaves RepoFile.__init__(self, **kwargs) unannotated: the one untyped call here
    return [RepoFile(**i) for i in items if isinstance(i, dict) and i.get("type") == "file"]  # type: ignore[no-untyped-call]


def repo_meta(
    kind: str, repo_id: str, *, token: str | None = None, fields: tuple[str, ...] = META_FIELDS
) -> dict[str, Any]:
    """The Hub's info JSON of a ``model`` or ``dataset`` repo, only ``fields`` (a few hundred bytes,
    no file list), retried. Definite answers (the JSON; missing, private or gated) are kept in the
    lookup cache, keyed by URL and token fingerprint, so a second lookup makes no request; within one
    metered session every answer (a network failure too) is asked once. Raises NetFailure."""
    if kind not in ("model", "dataset"):
        raise ValueError(f"not a repo kind: {kind!r}")
    url = f"{endpoint()}/api/{kind}s/{repo_id}"
    hdrs = headers(token)
    key = f"GET {url}?expand={','.join(fields)} {cache.auth_key(hdrs.get('authorization'))}"
    meter = active_meter()
    memo = meter.memo if meter is not None else {}
    if key in memo:
        if isinstance(memo[key], Failure):
            raise NetFailure(memo[key])
        return dict(memo[key])
    try:
        data = _repo_meta(url, key, hdrs, fields)
    except NetFailure as exc:
        memo[key] = exc.failure
        raise
    memo[key] = data
    return dict(data)


def _repo_meta(url: str, key: str, hdrs: dict[str, str], fields: tuple[str, ...]) -> dict[str, Any]:
    hit = cache.get(key)
    if isinstance(hit, dict) and isinstance(hit.get("json"), dict):
        return dict(hit["json"])
    if isinstance(hit, dict) and hit.get("failure") in {k.value for k in FailKind if k.definite}:
        raise NetFailure(Failure(FailKind(hit["failure"]), hit.get("status"), str(hit.get("detail", ""))))
    install()
    from huggingface_hub import get_session, hf_raise_for_status

    def get() -> Any:
        r = get_session().get(url, params={"expand": list(fields)}, headers=hdrs)
        hf_raise_for_status(r)
        return r.json()

    try:
        data = call(get)
    except NetFailure as exc:
        f = exc.failure
        if f.kind.definite:
            cache.put(key, {"failure": f.kind.value, "status": f.status, "detail": f.detail})
        raise
    if not isinstance(data, dict):
        raise NetFailure(Failure(FailKind.MALFORMED, 200, "malformed response (not a JSON object)"))
    cache.put(key, {"json": data})
    return data


def download(
    repo_id: str,
    filename: str,
    *,
    repo_type: str = "model",
    revision: str | None = None,
    token: str | None = None,
    local_only: bool = False,
) -> Path:
    """Local path of one repo file: from the Hugging Face cache, else downloaded into it
    (``hf_hub_download``; an already cached commit makes no request). Raises NetFailure: OFFLINE
    when offline (or ``local_only``) and not cached, ENTRY when the repo has no such file."""
    install()
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(
            hf_hub_download(
                repo_id,
                filename,
                repo_type=repo_type,
                revision=revision,
                token=token,
                cache_dir=hub_cache_dir(),
                local_files_only=local_only,
            )
        )
    except LocalEntryNotFoundError as exc:
        if local_only or offline_mode():
            raise NetFailure(Failure(FailKind.OFFLINE, None, "offline and not in the local cache")) from None
        cause = exc.__cause__ or exc.__context__
        f = classify(cause) if cause is not None else None
        if f is not None and f.kind.definite:  # the Hub answered (missing, private, gated ...)
            raise NetFailure(f) from None
        raise NetFailure(Failure(FailKind.CONNECTION, None, f.detail if f is not None else "no answer")) from None
    except Exception as exc:
        if not is_network_error(exc):
            raise
        raise NetFailure(classify(exc)) from None


def dataset_listing(repo_id: str, revision: str | None = None, token: str | None = None) -> tuple[str, list[str]]:
    """(commit sha, every file path) of a Hub dataset at ``revision``: the commit is pinned first,
    then the tree is listed at that commit. Raises NetFailure."""
    api = client(token)
    info = call(lambda: api.dataset_info(repo_id, revision=revision, expand=["sha"]))
    sha = info.sha
    if not sha:
        raise NetFailure(Failure(FailKind.MALFORMED, None, "the Hub did not say which commit the dataset is at"))
    files = guard(lambda: list_tree(api, repo_id, sha, repo_type="dataset"))
    return sha, [f.path for f in files]


def list_models(author: str, *, token: str | None = None, limit: int | None = None) -> list[str]:
    """Model ids of a Hub author or organisation (the listing API, paginated; at most ``limit``).
    Raises NetFailure."""
    params: dict[str, Any] = {"author": author}
    if limit is not None:
        params["limit"] = min(limit, 1000)
    ids: list[str] = []

    def walk() -> None:
        for item in _pages(f"{endpoint()}/api/models", params, headers(token), "model listing"):
            rid = item.get("id") or item.get("modelId") if isinstance(item, dict) else None
            if isinstance(rid, str):
                ids.append(rid)
            if limit is not None and len(ids) >= limit:
                return

    guard(walk)
    return ids
