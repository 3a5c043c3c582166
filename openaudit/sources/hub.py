"""Read a Hub model repo's metadata with huggingface_hub: model info, recursive tree, refs, the card
and small text files, and safetensors headers by HTTP Range request. Never downloads weights.

Everything is fetched at the commit sha the revision resolves to. Every HTTP call is counted
(netio.Meter) into Snapshot.network.
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any

from openaudit.errors import AuthError, NetworkError, TargetNotFound
from openaudit.model import FileEntry, NetworkStats, Snapshot, SourceKind, Target
from openaudit.sources import select
from openaudit.sources.local import safetensors_header
from openaudit.sources.netio import Failure, Meter, TruncatedBody, classify, with_retries
from openaudit.sources.select import escape

RANGE_FIRST = 16 * select.KIB  # first range request of a safetensors file (most headers fit)
MAX_HUB_TEXTS = 300  # text files fetched from the Hub per audit (one request each)
MAX_HEAD_FILES = 32  # small binary files (<= 64 KiB) fetched whole for head_bytes
MAX_FILE_FAILURES = 2  # transient failures on file reads before the rest are skipped


def endpoint_now() -> str:
    """HF_ENDPOINT as set now (huggingface_hub reads it once at import; we read it per call)."""
    from huggingface_hub import constants

    return os.environ.get("HF_ENDPOINT", constants.ENDPOINT).rstrip("/")


def _jsonable(v: Any) -> Any:
    if isinstance(v, (_dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if hasattr(v, "to_dict"):
        return _jsonable(v.to_dict())
    if hasattr(v, "__dataclass_fields__"):
        return {k: _jsonable(getattr(v, k)) for k in v.__dataclass_fields__}
    return v


def _api_fields(info) -> dict[str, Any]:
    """ModelInfo -> the Hub API's own field names (what the JSON said)."""
    card = info.card_data.to_dict() if info.card_data is not None else None
    fields = {
        "id": info.id,
        "author": info.author,
        "sha": info.sha,
        "private": info.private,
        "gated": info.gated,
        "disabled": info.disabled,
        "downloads": info.downloads,
        "likes": info.likes,
        "library_name": info.library_name,
        "pipeline_tag": info.pipeline_tag,
        "tags": info.tags,
        "cardData": card,
        "config": info.config,
        "transformersInfo": info.transformers_info,
        "safetensors": info.safetensors,
        "gguf": info.gguf,
        "securityStatus": info.security_repo_status,
        "lastModified": info.last_modified,
        "createdAt": info.created_at,
        "model-index": info.model_index,
        "spaces": info.spaces,
    }
    return {k: _jsonable(v) for k, v in fields.items() if v is not None}


def _raise_for(f: Failure, repo_id: str, revision: str | None, endpoint: str) -> None:
    if f.kind in ("auth", "gated"):
        raise AuthError(f"{repo_id}: access denied by the Hub ({f.detail}, HTTP {f.status}); "
                        "it may be private, gated or not exist")
    if f.kind == "revision":
        raise TargetNotFound(f"{repo_id}: revision {revision!r} not found on the Hub")
    if f.kind == "missing":
        raise TargetNotFound(f"{repo_id}: no such model repository on the Hub")
    if f.kind == "transient":
        raise NetworkError(f"{repo_id}: could not read from {endpoint}: {f.detail} (after retries)")
    raise NetworkError(f"{repo_id}: unexpected answer from {endpoint}: {f.detail}")


def _get_bytes(url: str, headers: dict[str, str], limit: int) -> bytes:
    """GET ``url`` streaming at most ``limit`` bytes (a server that ignores Range cannot make us
    read more); raises on HTTP errors and on a body shorter than its Content-Length."""
    from huggingface_hub import get_session
    from huggingface_hub.utils import hf_raise_for_status

    with get_session().stream("GET", url, headers=headers) as r:
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


def read_hub(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    max_text_bytes: int = select.TOTAL_TEXT_CAP,
    timeout: float = 10.0,
) -> Snapshot:
    from huggingface_hub import HfApi, hf_hub_url
    from huggingface_hub.utils import build_hf_headers

    endpoint = endpoint_now()
    token = token or os.environ.get("HF_TOKEN") or None
    api = HfApi(endpoint=endpoint, token=token)
    notes: list[str] = []
    meter = Meter(timeout)
    with meter:
        try:
            info = with_retries(lambda: api.model_info(repo_id, revision=revision, files_metadata=True,
                                                       securityStatus=True, timeout=timeout))
        except Exception as exc:
            _raise_for(classify(exc), repo_id, revision, endpoint)
        sha = info.sha
        if not sha:
            raise NetworkError(f"{repo_id}: the Hub did not report a commit sha for revision {revision or 'main'}")
        api_fields = _api_fields(info)
        files = _tree(api, repo_id, sha, info, notes)
        refs = _refs(api, repo_id, notes)
        headers = build_hf_headers(token=token)
        headers["Accept-Encoding"] = "identity"

        def fetch(path: str, limit: int, start: int = 0) -> bytes:
            url = hf_hub_url(repo_id, path, revision=sha, endpoint=endpoint)
            h = dict(headers)
            if start or limit < (sizes.get(path) or limit + 1):
                h["Range"] = f"bytes={start}-{start + limit - 1}"
            return with_retries(lambda: _get_bytes(url, h, limit))

        sizes = {f.path: f.size for f in files}
        texts, st_headers, heads = _read_files(fetch, files, max_text_bytes, notes, info)
    if any(select.family(f.path) in select.SCAN_FAMILIES for f in files):
        notes.append("pickle-family files on the Hub were not scanned: their bytes are not downloaded")
    return Snapshot(
        target=Target(id=repo_id, source=SourceKind.HUB, revision=revision),
        commit_sha=sha,
        files=tuple(files),
        texts=texts,
        safetensors_headers=st_headers,
        head_bytes=heads,
        api=api_fields,
        refs=refs,
        offline=False,
        network=NetworkStats(requests=meter.requests, bytes=meter.bytes),
        notes=tuple(notes),
        base_url=f"{endpoint}/{repo_id}",
    )


def _list_tree(api, repo_id: str, sha: str) -> list:
    """The recursive tree at ``sha``, page by page (the same route and parsing as
    ``HfApi.list_repo_tree``, whose internal http_backoff would retry for ~20 s; we retry with
    our own bounded policy instead)."""
    from urllib.parse import quote

    from huggingface_hub import get_session
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import hf_raise_for_status

    url: str | None = f"{api.endpoint}/api/models/{repo_id}/tree/{quote(sha, safe='')}"
    params: dict | None = {"recursive": True, "expand": False}
    headers = api._build_hf_headers()
    out: list = []
    pages = 0
    while url is not None:
        def page(u=url, p=params):
            r = get_session().get(u, params=p, headers=headers)
            hf_raise_for_status(r)
            return r.json(), r.links.get("next", {}).get("url")

        items, url = with_retries(page)
        params = None  # the next link carries its own query
        out.extend(RepoFile(**i) for i in items if isinstance(i, dict) and i.get("type") == "file")
        pages += 1
        if pages > 1000:
            raise NetworkError(f"{repo_id}: the file tree has more than 1000 pages")
    return out


def _tree(api, repo_id: str, sha: str, info, notes: list[str]) -> list[FileEntry]:
    try:
        items = _list_tree(api, repo_id, sha)
        files = [
            FileEntry(path=i.path, size=i.size, sha256=i.lfs.sha256 if i.lfs else None, blob_id=i.blob_id,
                      lfs=i.lfs is not None)
            for i in items
        ]
    except Exception as exc:
        f = classify(exc)
        notes.append(f"file tree could not be listed ({f.detail}); using the model info's file list")
        files = [
            FileEntry(path=s.rfilename, size=s.size, sha256=s.lfs.sha256 if s.lfs else None, blob_id=s.blob_id,
                      lfs=s.lfs is not None)
            for s in (info.siblings or [])
        ]
    return sorted(files, key=lambda f: f.path)


def _refs(api, repo_id: str, notes: list[str]) -> tuple[str, ...]:
    try:
        refs = with_retries(lambda: api.list_repo_refs(repo_id))
    except Exception as exc:
        notes.append(f"branches and tags could not be listed ({classify(exc).detail})")
        return ()
    return tuple(sorted({r.name for r in list(refs.branches) + list(refs.tags)}))


def _read_files(fetch, files: list[FileEntry], max_text_bytes: int, notes: list[str], info):
    texts: dict[str, str] = {}
    st_headers: dict[str, bytes] = {}
    state = {"failures": 0, "blocked": None}

    def attempt(path: str, what: str, fn):
        if state["blocked"] is not None:
            return None
        try:
            return fn()
        except Exception as exc:
            f = classify(exc)
            if f.kind in ("auth", "gated"):
                state["blocked"] = f
                gated = f" (gated: {info.gated})" if info.gated else ""
                notes.append(f"files could not be read: access denied (HTTP {f.status}){gated}; "
                             "only what the API exposes was used")
            elif f.kind == "entry" or f.kind == "missing":
                notes.append(f"{what} {escape(path)} is listed but could not be fetched (not found)")
            else:
                state["failures"] += 1
                notes.append(f"{what} {escape(path)} could not be fetched: {f.detail}")
                if state["failures"] >= MAX_FILE_FAILURES:
                    state["blocked"] = f
                    notes.append("too many failed file reads: the remaining files were not fetched")
            return None

    to_read, text_notes = select.plan_texts([(f.path, f.size) for f in files], max_text_bytes)
    notes.extend(text_notes)
    if len(to_read) > MAX_HUB_TEXTS:
        notes.append(f"{len(to_read) - MAX_HUB_TEXTS} more text files were not fetched "
                     f"(at most {MAX_HUB_TEXTS} per Hub audit)")
        to_read = to_read[:MAX_HUB_TEXTS]
    by_path = {f.path: f for f in files}
    for path in to_read:
        size = by_path[path].size
        data = attempt(path, "text file", lambda p=path, s=size: fetch(p, (s if s is not None else select.TEXT_FILE_CAP) + 1))
        if data is None:
            continue
        text = select.decode_text(data)
        if text is None:
            notes.append(f"{escape(path)} is not decodable text (utf-8/utf-16): not read")
        else:
            texts[path] = text
    heads: dict[str, bytes] = {}
    small_binaries = [f for f in files if select.family(f.path) in select.HEAD_FAMILIES
                      and f.size is not None and 0 < f.size <= select.HEAD_BYTES][:MAX_HEAD_FILES]
    for f in small_binaries:  # small enough to read whole: their first bytes are their content
        data = attempt(f.path, "file", lambda f=f: fetch(f.path, f.size + 1))
        if data is not None:
            heads[f.path] = data[: select.HEAD_BYTES]
    for f in files:
        if select.family(f.path) != "safetensors":
            continue
        hdr = attempt(f.path, "safetensors header of", lambda f=f: _st_header(fetch, f, notes))
        if hdr is not None:
            st_headers[f.path] = hdr
    return texts, st_headers, heads


def _st_header(fetch, f: FileEntry, notes: list[str]) -> bytes | None:
    first_len = RANGE_FIRST if f.size is None else min(RANGE_FIRST, f.size)
    first = fetch(f.path, first_len)

    def read(n: int, off: int) -> bytes:
        if off + n <= len(first):
            return first[off:off + n]
        have = first[off:] if off < len(first) else b""
        start = off + len(have)
        return have + fetch(f.path, n - len(have), start)

    return safetensors_header(read, f.size, f.path, notes)
