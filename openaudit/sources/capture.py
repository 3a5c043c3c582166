"""Write a Snapshot to a folder (``openaudit snapshot``) and read it back, so an audit of the folder
sees exactly the same evidence offline.

Layout: ``DIR/.openaudit-capture.json`` (manifest) and ``DIR/files/<n>`` holding the stored bytes
(texts as utf-8, safetensors headers and head bytes raw). Stored names are numbered, never taken
from repo paths, so a hostile path cannot land outside DIR. Each blob's sha256 is checked on read.
The folder is written as a temporary sibling and renamed into place; an existing DIR is replaced
only when it is empty or a previous capture.

A capture is read only when the user asks for it (``audit --capture DIR``): the audited repository
never configures its own audit, so a manifest found in a folder being audited is just a file there.
Read back, the capture must be exactly what ``snapshot`` wrote: the manifest and ``files/`` are no
symlinks, every blob is a regular file inside ``files/`` matching its recorded size and sha256, and
the folder holds nothing the manifest does not account for.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from openaudit.errors import InvalidInput, UsageError
from openaudit.model import (
    Condition,
    FileEntry,
    LinkKind,
    LinkLookup,
    LinkStatus,
    NetworkStats,
    Note,
    Snapshot,
    SourceKind,
    Target,
)

MANIFEST = ".openaudit-capture.json"
FORMAT = "openaudit-capture"
VERSION = 1
_MANIFEST_CAP = 256 * 1024 * 1024


def is_capture(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def _regular(path: Path, what: str, folder: Path) -> None:
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise InvalidInput(f"capture {folder}: {what} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise InvalidInput(f"capture {folder}: {what} is a symlink: refused (a capture holds only its own files)")
    if not (stat.S_ISREG(st.st_mode) or (what == "files/" and stat.S_ISDIR(st.st_mode))):
        raise InvalidInput(f"capture {folder}: {what} is not a regular file: refused")


def _check_inventory(folder: Path, blobs: set[str]) -> None:
    """The folder holds the manifest, ``files/`` and the blobs the manifest names — nothing else."""
    extra = sorted(p.name for p in folder.iterdir() if p.name not in (MANIFEST, "files"))
    files_dir = folder / "files"
    if files_dir.exists():
        _regular(files_dir, "files/", folder)
        extra += sorted(f"files/{p.name}" for p in files_dir.iterdir() if f"files/{p.name}" not in blobs)
    if extra:
        raise InvalidInput(
            f"capture {folder}: holds files its manifest does not account for ({', '.join(extra[:3])}): "
            "not a capture written by `openaudit snapshot`; audit it without --capture"
        )


def check_output(out_dir: Path) -> None:
    """Raise UsageError unless ``out_dir`` is absent, an empty folder or a previous capture."""
    out_dir = Path(out_dir)
    if out_dir.exists() or out_dir.is_symlink():
        if out_dir.is_symlink() or not out_dir.is_dir():
            raise UsageError(f"{out_dir} exists and is not a folder: not overwritten")
        if any(out_dir.iterdir()) and not is_capture(out_dir):
            raise UsageError(f"{out_dir} is not empty and is not an openaudit capture: not overwritten")


def write_capture(snap: Snapshot, out_dir: Path) -> Path:
    """Write ``snap`` under ``out_dir`` atomically; refuse a non-empty folder that is not a capture."""
    out_dir = Path(out_dir)
    check_output(out_dir)
    parent = out_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    try:
        _write_into(snap, tmp)
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _swap_in(tmp: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(tmp, out_dir)
        return
    if not any(out_dir.iterdir()):
        out_dir.rmdir()
        os.rename(tmp, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.absolute().parent))
    old.rmdir()
    os.rename(out_dir, old)  # the previous capture, kept until the new one is in place
    try:
        os.rename(tmp, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_into(snap: Snapshot, folder: Path) -> None:
    blobs_dir = folder / "files"
    blobs_dir.mkdir()
    counter = [0]

    def store(data: bytes) -> dict[str, Any]:
        counter[0] += 1
        name = f"{counter[0]:06d}"
        with open(blobs_dir / name, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return {"blob": f"files/{name}", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    t = snap.target
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "target": {"id": t.id, "source": t.source.value, "revision": t.revision, "path": t.path},
        "commit_sha": snap.commit_sha,
        "offline": snap.offline,
        "base_url": snap.base_url,
        "network": {"requests": snap.network.requests, "bytes": snap.network.bytes},
        "refs": list(snap.refs),
        "notes": [n.to_dict() for n in snap.notes],
        "api": snap.api,
        "scans": snap.scans,
        "links": [link.to_dict() for link in snap.links],
        "files": [
            {"path": f.path, "size": f.size, "sha256": f.sha256, "blob_id": f.blob_id, "lfs": f.lfs, "kind": f.kind}
            for f in snap.files
        ],
        "texts": {p: store(v.encode("utf-8")) for p, v in sorted(snap.texts.items())},
        "safetensors_headers": {p: store(bytes(v)) for p, v in sorted(snap.safetensors_headers.items())},
        "head_bytes": {p: store(bytes(v)) for p, v in sorted(snap.head_bytes.items())},
    }
    # ASCII JSON: file names that are not UTF-8 (kept as surrogate escapes) round-trip as \udcXX escapes
    data = json.dumps(manifest, ensure_ascii=True, sort_keys=True, indent=1, default=str).encode("ascii")
    with open(folder / MANIFEST, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _load_blob(folder: Path, ref: Any, key: str) -> bytes:
    if not isinstance(ref, dict) or not isinstance(ref.get("blob"), str) or not isinstance(ref.get("sha256"), str):
        raise InvalidInput(f"capture {folder}: bad entry for {key!r} in {MANIFEST}")
    path = (folder / ref["blob"]).resolve()
    if not path.is_relative_to(folder.resolve() / "files") or not path.is_file():
        raise InvalidInput(f"capture {folder}: blob of {key!r} is missing or outside the capture")
    _regular(folder / ref["blob"], f"blob of {key!r}", folder)
    size = ref.get("size")
    if isinstance(size, int) and path.stat().st_size != size:
        raise InvalidInput(f"capture {folder}: blob of {key!r} does not have its recorded size (modified?)")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != ref["sha256"]:
        raise InvalidInput(f"capture {folder}: blob of {key!r} does not match its sha256 (modified?)")
    return data


def read_capture(folder: Path) -> Snapshot:
    """The Snapshot stored in ``folder`` (same evidence as when captured; read with no network)."""
    folder = Path(folder)
    mpath = folder / MANIFEST
    _regular(mpath, MANIFEST, folder)
    try:
        if mpath.stat().st_size > _MANIFEST_CAP:
            raise InvalidInput(f"capture manifest {mpath} is larger than {_MANIFEST_CAP} bytes")
        m = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"capture manifest {mpath} cannot be read: {exc}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise InvalidInput(f"{mpath} is not an openaudit capture manifest")
    if m.get("version") != VERSION:
        raise InvalidInput(f"{mpath}: capture version {m.get('version')!r} is not supported (expected {VERSION})")
    try:
        t = m["target"]
        target = Target(id=str(t["id"]), source=SourceKind(t["source"]), revision=t.get("revision"), path=t.get("path"))
        files = tuple(
            FileEntry(
                path=str(f["path"]),
                size=f.get("size"),
                sha256=f.get("sha256"),
                blob_id=f.get("blob_id"),
                lfs=bool(f.get("lfs")),
                kind=str(f.get("kind", "file")),
            )
            for f in m["files"]
        )
        texts = {}
        for p, ref in m.get("texts", {}).items():
            try:
                texts[p] = _load_blob(folder, ref, p).decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(f"capture {folder}: text of {p!r} is not utf-8") from None
        headers = {p: _load_blob(folder, r, p) for p, r in m.get("safetensors_headers", {}).items()}
        heads = {p: _load_blob(folder, r, p) for p, r in m.get("head_bytes", {}).items()}
        _check_inventory(
            folder,
            {
                str(r.get("blob"))
                for key in ("texts", "safetensors_headers", "head_bytes")
                for r in (m.get(key) or {}).values()
                if isinstance(r, dict)
            },
        )
        net = m.get("network") or {}
        return Snapshot(
            target=target,
            commit_sha=m.get("commit_sha"),
            files=files,
            texts=texts,
            safetensors_headers=headers,
            head_bytes=heads,
            api=m.get("api") or {},
            refs=tuple(m.get("refs") or ()),
            offline=bool(m.get("offline", False)),
            network=NetworkStats(requests=int(net.get("requests", 0)), bytes=int(net.get("bytes", 0))),
            notes=tuple(Note(Condition(n["code"]), str(n["message"]), n.get("path")) for n in m.get("notes") or ()),
            scans={str(k): dict(v) for k, v in (m.get("scans") or {}).items()},
            base_url=m.get("base_url"),
            links=tuple(_link(d) for d in m.get("links") or ()),
        )
    except InvalidInput:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"{mpath}: malformed capture manifest ({type(exc).__name__}: {exc})") from None


def _link(d: dict[str, Any]) -> LinkLookup:
    facts = d.get("facts") or {}
    if not isinstance(facts, dict):
        raise TypeError("link facts are not an object")
    return LinkLookup(
        url=str(d["url"]),
        kind=LinkKind(d["kind"]),
        status=LinkStatus(d["status"]),
        facts=facts,
        evidence_url=d.get("evidence_url"),
        requests=int(d.get("requests", 0)),
        detail=str(d.get("detail", "")),
    )
