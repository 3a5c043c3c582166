"""Read a Hub model repo's metadata with huggingface_hub: model info, recursive tree, refs, the card
and small text files, safetensors headers by HTTP Range request, static scans of pickle-family files
by capped Range reads, and the declared datasets' and base models' own Hub info. Never downloads weights.

Everything is fetched at the commit sha the revision resolves to. All HTTP goes through
``openaudit.base.net`` and is counted (``Meter``) into Snapshot.network; the card's links are then
followed (``sources.follow``) inside the same meter.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from openaudit.base.net import FailKind, Failure, Meter, RangeReader, classify, with_retries
from openaudit.base.net import hub as hubnet
from openaudit.base.text import terminal_safe as escape
from openaudit.errors import AuthError, NetworkError, TargetNotFound
from openaudit.model import Condition, FileEntry, NetworkStats, Note, Snapshot, SourceKind, Target
from openaudit.safety.roles import wanted
from openaudit.sources import follow, select, token_or_env
from openaudit.sources.hub_lookups import declared_ids, lookup_declared  # noqa: F401  (declared_ids: re-exported)
from openaudit.sources.local import safetensors_header

RANGE_FIRST = 16 * select.KIB  # first range request of a safetensors file (most headers fit)
MAX_HUB_TEXTS = 300  # text files fetched from the Hub per audit (one request each)
MAX_HEAD_FILES = 32  # small binary files (<= 64 KiB) fetched whole for head_bytes
MAX_FILE_FAILURES = 2  # transient failures on file reads before the rest are skipped
SCAN_FILE_BUDGET = 2 * select.MIB  # bytes read by Range requests to scan one pickle-family file
SCAN_TOTAL_BUDGET = 8 * select.MIB  # ... and for all of them together
FIRST_SCAN_BYTES = 64 * select.KIB  # budget of the first, short scan pass
MAX_REMOTE_SCANS = 16  # pickle-family files scanned by Range requests per audit
MAX_SNIFFS = 64  # files of no known format (not read as text) whose first bytes are fetched to sniff them
SNIFF_BYTES = 4 * select.KIB  # first bytes fetched to sniff such a file


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
    if f.kind in (FailKind.AUTH, FailKind.GATED):
        raise AuthError(
            f"{repo_id}: access denied by the Hub ({f.detail}, HTTP {f.status}); it may be private, gated or not exist"
        )
    if f.kind is FailKind.REVISION:
        raise TargetNotFound(f"{repo_id}: revision {revision!r} not found on the Hub")
    if f.kind in (FailKind.NOT_FOUND, FailKind.ENTRY):
        raise TargetNotFound(f"{repo_id}: no such model repository on the Hub")
    if f.transient:
        raise NetworkError(f"{repo_id}: could not read from {endpoint}: {f.detail} (after retries)")
    raise NetworkError(f"{repo_id}: unexpected answer from {endpoint}: {f.detail}")


def read_hub(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    max_text_bytes: int = select.TOTAL_TEXT_CAP,
    timeout: float = 10.0,
    follow_links: bool = True,
) -> Snapshot:
    endpoint = hubnet.endpoint()
    token = token_or_env(token)
    api = hubnet.client(token)
    notes: list[Note] = []
    meter = Meter(timeout)
    with meter:
        try:
            info = with_retries(
                lambda: api.model_info(
                    repo_id, revision=revision, files_metadata=True, securityStatus=True, timeout=timeout
                )
            )
        except Exception as exc:
            _raise_for(classify(exc), repo_id, revision, endpoint)
        sha = info.sha
        if not sha:
            raise NetworkError(f"{repo_id}: the Hub did not report a commit sha for revision {revision or 'main'}")
        api_fields = _api_fields(info)
        files = _tree(api, repo_id, sha, info, notes)
        refs = _refs(api, repo_id, notes)
        headers = hubnet.headers(token)
        headers["Accept-Encoding"] = "identity"

        def fetch(path: str, limit: int, start: int = 0) -> bytes:
            url = hubnet.file_url(repo_id, path, revision=sha)
            h = dict(headers)
            if start or limit < (sizes.get(path) or limit + 1):
                h["Range"] = f"bytes={start}-{start + limit - 1}"
            return with_retries(lambda: hubnet.get_bytes(url, h, limit))

        sizes = {f.path: f.size for f in files}
        texts, st_headers, heads, fetched = _read_files(fetch, files, max_text_bytes, notes, info)
        scans = scan_remote(fetch, files, heads, notes, fetched)
        card_data = api_fields.get("cardData")
        api_fields.update(lookup_declared(card_data, texts.get("README.md"), notes, token))
        links = (
            follow.follow_card_links(
                texts.get("README.md"), card_data, meter=meter, token=token, notes=notes, self_id=repo_id
            )
            if follow_links
            else ()
        )
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
        scans=scans,
        base_url=f"{endpoint}/{repo_id}",
        links=links,
    )


def _tree(api, repo_id: str, sha: str, info, notes: list[Note]) -> list[FileEntry]:
    try:
        items = hubnet.list_tree(api, repo_id, sha)
        files = [
            FileEntry(
                path=i.path,
                size=i.size,
                sha256=i.lfs.sha256 if i.lfs else None,
                blob_id=i.blob_id,
                lfs=i.lfs is not None,
            )
            for i in items
        ]
    except Exception as exc:
        f = classify(exc)
        notes.append(
            Note(
                Condition.TREE_UNLISTED, f"file tree could not be listed ({f.detail}); using the model info's file list"
            )
        )
        files = [
            FileEntry(
                path=s.rfilename,
                size=s.size,
                sha256=s.lfs.sha256 if s.lfs else None,
                blob_id=s.blob_id,
                lfs=s.lfs is not None,
            )
            for s in (info.siblings or [])
        ]
    return sorted(files, key=lambda f: f.path)


def _refs(api, repo_id: str, notes: list[Note]) -> tuple[str, ...]:
    try:
        refs = with_retries(lambda: api.list_repo_refs(repo_id))
    except Exception as exc:
        notes.append(Note(Condition.REFS_UNLISTED, f"branches and tags could not be listed ({classify(exc).detail})"))
        return ()
    return tuple(sorted({r.name for r in list(refs.branches) + list(refs.tags)}))


def _read_files(fetch, files: list[FileEntry], max_text_bytes: int, notes: list[Note], info):
    """Texts, safetensors headers, head bytes, and the bytes of files read whole or sniffed that a pickle
    loader would act on (judged by their bytes, whatever their names: a pickle named ``notes.txt``)."""
    texts: dict[str, str] = {}
    fetched: dict[str, bytes] = {}  # path -> bytes the scanner must see (the whole file, or its first bytes)
    st_headers: dict[str, bytes] = {}
    state = {"failures": 0, "blocked": None}

    def attempt(path: str, what: str, fn):
        if state["blocked"] is not None:
            return None
        try:
            return fn()
        except Exception as exc:
            f = classify(exc)
            if f.kind in (FailKind.AUTH, FailKind.GATED):
                state["blocked"] = f
                gated = f" (gated: {info.gated})" if info.gated else ""
                notes.append(
                    Note(
                        Condition.ACCESS_DENIED,
                        f"files could not be read: access denied (HTTP {f.status}){gated}; "
                        "only what the API exposes was used",
                    )
                )
            elif f.kind in (FailKind.ENTRY, FailKind.NOT_FOUND):
                notes.append(
                    Note(
                        Condition.FILE_UNREADABLE,
                        f"{what} {escape(path)} is listed but could not be fetched (not found)",
                        path,
                    )
                )
            else:
                state["failures"] += 1
                notes.append(
                    Note(Condition.FILE_UNREADABLE, f"{what} {escape(path)} could not be fetched: {f.detail}", path)
                )
                if state["failures"] >= MAX_FILE_FAILURES:
                    state["blocked"] = f
                    notes.append(
                        Note(
                            Condition.READS_STOPPED, "too many failed file reads: the remaining files were not fetched"
                        )
                    )
            return None

    to_read, text_notes = select.plan_texts([(f.path, f.size) for f in files], max_text_bytes)
    notes.extend(text_notes)
    if len(to_read) > MAX_HUB_TEXTS:
        notes.append(
            Note(
                Condition.TEXT_SKIPPED,
                f"{len(to_read) - MAX_HUB_TEXTS} more text files were not fetched "
                f"(at most {MAX_HUB_TEXTS} per Hub audit)",
            )
        )
        to_read = to_read[:MAX_HUB_TEXTS]
    by_path = {f.path: f for f in files}
    for path in to_read:
        size = by_path[path].size
        data = attempt(
            path, "text file", lambda p=path, s=size: fetch(p, (s if s is not None else select.TEXT_FILE_CAP) + 1)
        )
        if data is None:
            continue
        whole = size is not None and len(data) >= size
        if wanted(path, data[: select.HEAD_BYTES], whole):
            fetched[path] = data
        text = select.decode_text(data)
        if text is None:
            notes.append(
                Note(Condition.TEXT_SKIPPED, f"{escape(path)} is not decodable text (utf-8/utf-16): not read", path)
            )
        else:
            texts[path] = text
    read = set(to_read)
    unknown = [f for f in files if select.family(f.path) is None and f.path not in read and f.size]
    for f in unknown[:MAX_SNIFFS]:  # no known format and not read as text: sniff its first bytes
        data = attempt(f.path, "file", lambda f=f: fetch(f.path, min(SNIFF_BYTES, f.size)))
        if data is not None and wanted(f.path, data, len(data) >= f.size):
            fetched[f.path] = data
    if len(unknown) > MAX_SNIFFS:
        notes.append(
            Note(
                Condition.SCAN_INCOMPLETE,
                f"{len(unknown) - MAX_SNIFFS} file(s) of no known format were not "
                f"sniffed for pickles (at most {MAX_SNIFFS} per Hub audit), e.g. "
                f"{escape(unknown[MAX_SNIFFS].path)}",
            )
        )
    heads: dict[str, bytes] = {p: d[: select.HEAD_BYTES] for p, d in fetched.items()}
    small_binaries = [
        f
        for f in files
        if select.family(f.path) in select.HEAD_FAMILIES and f.size is not None and 0 < f.size <= select.HEAD_BYTES
    ][:MAX_HEAD_FILES]
    for f in small_binaries:  # small enough to read whole: their first bytes are their content
        data = attempt(f.path, "file", lambda f=f: fetch(f.path, f.size + 1))
        if data is not None:
            heads[f.path] = data[: select.HEAD_BYTES]
            if f.path in fetched:
                fetched[f.path] = data
    for f in files:
        if select.family(f.path) != "safetensors":
            continue
        hdr = attempt(f.path, "safetensors header of", lambda f=f: _st_header(fetch, f, notes))
        if hdr is not None:
            st_headers[f.path] = hdr
    return texts, st_headers, heads, fetched


def _st_header(fetch, f: FileEntry, notes: list[Note]) -> bytes | None:
    first_len = RANGE_FIRST if f.size is None else min(RANGE_FIRST, f.size)
    first = fetch(f.path, first_len)

    def read(n: int, off: int) -> bytes:
        if off + n <= len(first):
            return first[off : off + n]
        have = first[off:] if off < len(first) else b""
        start = off + len(have)
        return have + fetch(f.path, n - len(have), start)

    return safetensors_header(read, f.size, f.path, notes)


# --- pickle-family files: static scan by capped Range reads ------------------------------------
class _ReadFailed(Exception):
    """A Range read failed; carries the classified failure past the scanner's own error handling."""

    def __init__(self, failure: Failure):
        super().__init__(failure.detail)
        self.failure = failure


def _unscannable(reason: str) -> dict:
    return {
        "format": "unknown",
        "status": "unscannable",
        "globals": [],
        "dangerous": [],
        "suspicious": [],
        "reason": reason,
    }


def scan_remote(
    fetch, files: list[FileEntry], heads: dict[str, bytes], notes: list[Note], fetched: dict[str, bytes] | None = None
) -> dict[str, dict]:
    """Scan pickle-family files statically (never unpickled): small ones from their head bytes, the
    others with ``openaudit.safety.pickles.scan_ranged`` reading HTTP Ranges via ``fetch(path, n, start)``,
    at most SCAN_FILE_BUDGET bytes each and SCAN_TOTAL_BUDGET in all. Each result carries
    ``bytes_read`` (0 when the head bytes sufficed). ``fetched`` holds files of other names whose bytes a
    pickle loader would act on (read whole as text, or sniffed): they are scanned the same way."""
    from openaudit.safety.pickles import scan_bytes, scan_ranged

    scans: dict[str, dict] = {}
    left, remote, skipped = SCAN_TOTAL_BUDGET, 0, []
    fetched = fetched or {}
    for f in files:
        if select.family(f.path) not in select.SCAN_FAMILIES and f.path not in fetched:
            continue
        head = fetched.get(f.path) or heads.get(f.path, b"" if f.size == 0 else None)
        if head is not None and f.size is not None and len(head) >= f.size:
            scans[f.path] = {**scan_bytes(head), "bytes_read": 0}
            continue
        if not f.size or remote >= MAX_REMOTE_SCANS or left < 64 * select.KIB:
            skipped.append(f.path)
            continue

        def fetch_range(n: int, off: int, path: str = f.path) -> bytes:
            try:
                return fetch(path, n, off)
            except Exception as exc:
                raise _ReadFailed(classify(exc)) from exc

        remote += 1
        budget = min(SCAN_FILE_BUDGET, left)
        reader = RangeReader(fetch_range, keep=budget)
        try:  # a short pass first: most pickles (and numeric .npy headers) are settled by their first bytes
            res = dict(scan_ranged(f.size, reader, budget=min(FIRST_SCAN_BYTES, budget)))
            if not reader.settles(res, f.size) and budget > FIRST_SCAN_BYTES:
                res = dict(scan_ranged(f.size, reader, budget=budget))
            if res["status"] == "clean" and not reader.settles(res, f.size):
                res = _unscannable(
                    f"a pickle may continue past the {len(reader.prefix)} bytes read; "
                    f"not provably clean ({res['reason']})"
                )
        except _ReadFailed as exc:
            fl = exc.failure
            if fl.kind in (FailKind.AUTH, FailKind.GATED):
                notes.append(
                    Note(
                        Condition.SCAN_INCOMPLETE,
                        f"pickle-family files could not be scanned: access denied (HTTP {fl.status})",
                    )
                )
                return scans
            res = _unscannable(f"could not be read from the Hub: {fl.detail}")
        except Exception as exc:  # a scanner failure makes the file unscannable, never clean
            res = _unscannable(f"scan failed: {type(exc).__name__}")
        left -= reader.used
        scans[f.path] = {**res, "bytes_read": reader.used}
    if skipped:
        notes.append(
            Note(
                Condition.SCAN_INCOMPLETE,
                f"{len(skipped)} pickle-family file(s) were not scanned (size unknown, or beyond "
                f"{MAX_REMOTE_SCANS} files / {SCAN_TOTAL_BUDGET // select.MIB} MiB of Range reads), "
                f"e.g. {escape(skipped[0])}",
            )
        )
    return scans
