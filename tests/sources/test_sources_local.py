"""Local folders, HF cache layout, file-system guards and the selection policy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openaudit.base.formats import family_of
from openaudit.errors import TargetNotFound, UsageError
from openaudit.model import Condition, SourceKind, Target
from openaudit.sources import resolve, select
from openaudit.sources.local import read_folder


def _w(p: Path, data: bytes | str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def test_minilm_folder_resolves_with_safetensors_header(minilm):
    snap = resolve(str(minilm))
    assert snap.target.source is SourceKind.LOCAL and snap.offline
    hdr = json.loads(snap.safetensors_headers["model.safetensors"])
    raw = snap.safetensors_headers["model.safetensors"]
    end = max(t["data_offsets"][1] for k, t in hdr.items() if k != "__metadata__")
    # the header alone accounts for the whole file: 8-byte length + header + tensor data
    assert 8 + len(raw) + end == snap.file("model.safetensors").size
    params = sum(_numel(t["shape"]) for k, t in hdr.items() if k != "__metadata__" and t["dtype"] != "I64")
    assert params == 22_713_216  # all-MiniLM-L6-v2's parameter count (I64 position_ids buffer excluded)
    assert "README.md" in snap.texts and "config.json" in snap.texts
    assert "tokenizer.json" not in snap.texts and snap.file("tokenizer.json").size > 0
    assert snap.file("config.json").sha256 and len(snap.file("config.json").sha256) == 64


def test_symlink_escape_and_inside(tmp_path):
    root, outside = tmp_path / "repo", tmp_path / "secret.txt"
    _w(outside, "TOP SECRET")
    _w(root / "README.md", "# card")
    os.symlink(outside, root / "LICENSE")
    os.symlink("README.md", root / "MODEL_CARD.md")
    os.symlink(tmp_path, root / "up")
    snap = resolve(str(root))
    assert snap.file("LICENSE").kind == "symlink" and "LICENSE" not in snap.texts
    assert not any("TOP SECRET" in t for t in snap.texts.values())
    assert any("LICENSE points outside" in n.message for n in snap.notes)
    assert snap.file("MODEL_CARD.md").kind == "symlink" and snap.texts["MODEL_CARD.md"] == "# card"
    assert snap.file("up").kind == "symlink" and snap.file("up/secret.txt") is None


def test_fifo_listed_never_opened(tmp_path):
    _w(tmp_path / "README.md", "x")
    os.mkfifo(tmp_path / "weights.bin")  # would block forever if opened for reading
    os.mkfifo(tmp_path / "notes.txt")
    snap = resolve(str(tmp_path))
    assert snap.file("weights.bin").kind == "special" and snap.file("notes.txt").kind == "special"
    assert "notes.txt" not in snap.texts and "weights.bin" not in snap.head_bytes
    assert any("special file" in n.message for n in snap.notes)


def test_huge_sparse_files(tmp_path):
    with open(tmp_path / "big.txt", "wb") as fh:
        fh.truncate(5 * 1024**3)  # 5 GiB sparse
    with open(tmp_path / "model.safetensors", "wb") as fh:
        fh.write((10**12).to_bytes(8, "little"))  # header length claims 1 TB
        fh.truncate(3 * 1024**3)
    snap = resolve(str(tmp_path))
    assert snap.file("big.txt").size == 5 * 1024**3 and snap.file("big.txt").sha256 is None
    assert "big.txt" not in snap.texts and any("big.txt not read" in n.message for n in snap.notes)
    assert "model.safetensors" not in snap.safetensors_headers
    assert any("over the 100 MiB cap" in n.message for n in snap.notes)


def test_header_beyond_file_end(tmp_path):
    _w(tmp_path / "a.safetensors", (1000).to_bytes(8, "little") + b"{}")
    _w(tmp_path / "b.safetensors", b"abc")
    snap = resolve(str(tmp_path))
    assert not snap.safetensors_headers
    assert any("beyond the end" in n.message for n in snap.notes) and any(
        "shorter than" in n.message for n in snap.notes
    )


def test_too_many_files(tmp_path):
    for i in range(30):
        _w(tmp_path / f"f{i:03d}.txt", "x")
    snap = read_folder(tmp_path, Target(id="t", source=SourceKind.LOCAL), max_files=10)
    assert len(snap.files) == 10 and any("more than 10 files" in n.message for n in snap.notes)


def test_control_characters_in_names(tmp_path):
    name = "evil\x1b[31mname\n.txt"
    _w(tmp_path / name, "hello")
    snap = resolve(str(tmp_path))
    assert snap.file(name) is not None and snap.texts[name] == "hello"
    note = next(n.message for n in snap.notes if n.code is Condition.BAD_NAME)
    assert "\x1b" not in note and "\\x1b" in note and "\n" not in note


def test_git_skipped_and_decoding(tmp_path):
    _w(tmp_path / ".git" / "config", "[core]")
    _w(tmp_path / "bom.md", b"\xef\xbb\xbf# BOM card")
    _w(tmp_path / "u16.txt", "\ufeffhi \u00e9".encode("utf-16-be"))
    _w(tmp_path / "latin1.txt", "caf\u00e9".encode("latin-1"))
    snap = resolve(str(tmp_path))
    assert not any(f.path.startswith(".git/") for f in snap.files)
    assert snap.texts["bom.md"] == "# BOM card" and snap.texts["u16.txt"] == "hi \u00e9"
    assert "latin1.txt" not in snap.texts and any("latin1.txt is not decodable" in n.message for n in snap.notes)


def test_pickle_sniffed_by_bytes_and_scanner(tmp_path):
    import pickle

    _w(tmp_path / "weights", pickle.dumps({"a": [1.0]}, protocol=4))  # no extension, pickle bytes
    _w(tmp_path / "LICENSE", b"cbuiltins\neval\n(Vx\ntR.")  # a protocol-0 pickle is text too
    _w(tmp_path / "notes.txt", b"\x80\x04\x95" + b"\x00" * 100)  # a loader stops at byte 11: not a pickle
    _w(tmp_path / "model.bin", b"\x80\x02}q\x00.")
    _w(tmp_path / "README.md", "# card\n")
    snap = resolve(str(tmp_path))
    assert snap.head_bytes["weights"].startswith(b"\x80\x04")
    assert "model.bin" in snap.head_bytes
    assert set(snap.scans) == {"weights", "model.bin", "LICENSE"}
    assert snap.scans["LICENSE"]["status"] == "dangerous" and snap.scans["weights"]["status"] == "clean"


def test_cache_layout_blob_symlinks(tmp_path):
    repo = tmp_path / "hub" / "models--org--name"
    sha = "a" * 40
    blob = "b" * 64
    _w(repo / "blobs" / blob, "# cached card")
    _w(repo / "refs" / "main", sha)
    snap_dir = repo / "snapshots" / sha
    snap_dir.mkdir(parents=True)
    os.symlink(f"../../blobs/{blob}", snap_dir / "README.md")
    os.symlink(tmp_path / "elsewhere", snap_dir / "escape.txt")
    _w(tmp_path / "elsewhere", "no")
    snap = resolve(str(snap_dir))
    assert snap.target.source is SourceKind.CACHE and snap.target.id == "org/name"
    assert snap.commit_sha == sha and snap.refs == ("main",)
    f = snap.file("README.md")
    assert f.kind == "file" and f.sha256 == blob and snap.texts["README.md"] == "# cached card"
    assert snap.file("escape.txt").kind == "symlink" and "escape.txt" not in snap.texts
    assert snap.url_for("README.md").endswith(f"org/name/blob/{sha}/README.md")


@pytest.mark.parametrize("bad", ["./does/not/exist", "/nope/nope", "a/b/c", "bad id!", "~/missing-folder-xyz"])
def test_missing_paths_are_target_not_found(bad):
    with pytest.raises(TargetNotFound):
        resolve(bad)


def test_bad_arguments(tmp_path):
    with pytest.raises(UsageError):
        resolve("")
    with pytest.raises(UsageError):
        resolve("a\x00b")
    with pytest.raises(UsageError):
        resolve(str(tmp_path), timeout=0)
    f = _w(tmp_path / "file.txt", "x")
    with pytest.raises(TargetNotFound, match="is a file"):
        resolve(str(f))


def test_select_policy():
    assert select.family("x/model.safetensors") == "safetensors" and select.family("a.PTH") == "pickle"
    assert family_of(b"PK\x03\x04rest") == "zip" and family_of(b"GGUF\x03") == "gguf"
    assert family_of(b"\x80\x05\x95") == "pickle" and family_of(b"plain text here") is None
    paths, notes = select.plan_texts([("train.py", 10), ("README.md", 10), ("LICENSE", 10), ("big.md", 10**7)])
    assert paths == ["README.md", "LICENSE", "train.py"] and any(n.path == "big.md" for n in notes)
    paths, notes = select.plan_texts([("README.md", 600), ("a.md", 600)], total_cap=1000)
    assert paths == ["README.md"] and any("total text cap" in n.message for n in notes)
    assert select.decode_text(b"\xff\xfeh\x00i\x00") == "hi" and select.decode_text(b"a\x00b") is None
    assert select.escape("a\u202eb\x07") == "a\\u202eb\\x07"
