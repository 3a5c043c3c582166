"""Issue 10 #13: a local walk skips virtualenvs, VCS metadata and tool caches (and says so with a typed
note the safety verdicts carry as evidence); long walks report progress; a cache snapshot (a Hub
listing) is never pruned; the listing cap is a parameter and a capped listing never passes."""

from __future__ import annotations

import os
from pathlib import Path

from openaudit import api
from openaudit.model import Condition, SourceKind, Target
from openaudit.sources import local, resolve
from openaudit.sources.local import read_folder

EVIL = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R."


def _w(p: Path, data: bytes | str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def _checkout(root: Path) -> Path:
    _w(root / "README.md", "---\nlicense: mit\n---\n# m\n")
    _w(root / "config.json", '{"model_type": "bert"}')
    _w(root / "model.safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    _w(root / ".venv" / "pyvenv.cfg", "home = /usr/bin\n")
    for i in range(30):
        _w(root / ".venv" / "lib" / f"pkg{i}" / "data.pkl", EVIL)  # a library's own test pickles
    _w(root / "env2" / "pyvenv.cfg", "home = /usr\n")  # a virtualenv under any name
    _w(root / "env2" / "x.bin", EVIL)
    _w(root / ".git" / "objects" / "ab" / "cdef", b"x\x9c\x03\x00")
    _w(root / "src" / "__pycache__" / "m.cpython-311.pyc", b"\x00" * 16)
    _w(root / "node_modules" / "x" / "index.js", "module.exports = 1\n")
    _w(root / ".tox" / "py311" / "log.txt", "x")
    _w(root / "src" / "train.py", "print('train')\n")
    return root


def test_venv_vcs_and_caches_are_skipped_and_named(tmp_path):
    snap = resolve(str(_checkout(tmp_path / "repo")))
    paths = {f.path for f in snap.files}
    assert paths == {"README.md", "config.json", "model.safetensors", "src/train.py"}
    notes = snap.notes_with(Condition.DIRS_SKIPPED)
    assert len(notes) == 1
    for name in (".venv/", "env2/", ".git/", "src/__pycache__/", "node_modules/", ".tox/"):
        assert name in notes[0].message, notes[0].message
    assert "virtualenv" in notes[0].message and not snap.scans


def test_skipped_folders_are_evidence_of_the_safety_verdicts(tmp_path):
    report = api.audit(str(_checkout(tmp_path / "repo")), timestamp=False)
    for probe in ("weights.no_dangerous_pickles", "code.no_remote_code"):
        f = next(f for d in report["dimensions"] for f in d["findings"] if f["probe"] == probe)
        assert f["outcome"] == "pass", f
        assert any(".venv/" in (e.get("snippet") or "") for e in f["evidence"]), f


def test_only_what_no_loader_reads_is_skipped(tmp_path):
    """Folders merely named like tools, model folders named venv, and pickles beside a pyvenv.cfg
    FILE at the root are all walked."""
    root = tmp_path / "repo"
    _w(root / "README.md", "# m")
    _w(root / "venv" / "pytorch_model.bin", EVIL)  # no pyvenv.cfg: not a virtualenv
    _w(root / "cache" / "model.pkl", EVIL)
    _w(root / "pyvenv.cfg", "home = /usr\n")  # the audited folder itself is never skipped
    snap = resolve(str(root))
    assert {"venv/pytorch_model.bin", "cache/model.pkl"} <= set(snap.scans)
    assert not snap.notes_with(Condition.DIRS_SKIPPED)


def test_cache_snapshots_are_never_pruned(tmp_path):
    repo = tmp_path / "hub" / "models--org--name"
    sha = "c" * 40
    snap_dir = repo / "snapshots" / sha
    _w(snap_dir / "__pycache__" / "evil.pkl", EVIL)
    _w(repo / "refs" / "main", sha)
    snap = resolve(str(snap_dir))
    assert snap.target.source is SourceKind.CACHE
    assert "__pycache__/evil.pkl" in snap.scans and not snap.notes_with(Condition.DIRS_SKIPPED)


def test_progress_is_reported_for_long_walks(tmp_path):
    root = tmp_path / "many"
    for i in range(2500):
        _w(root / f"d{i // 100}" / f"f{i}.txt", "x")
    calls: list[tuple[int, int | None]] = []
    read_folder(root, Target(id="m", source=SourceKind.LOCAL), progress=lambda done, total: calls.append((done, total)))
    assert (1000, None) in calls and (2000, None) in calls  # while listing
    assert (1000, 2500) in calls and (2000, 2500) in calls  # while reading


def test_listing_cap_is_a_parameter_and_never_passes(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    _w(root / "README.md", "---\nlicense: mit\n---\n# m\n")
    _w(root / "config.json", '{"model_type": "bert"}')
    for i in range(6):
        _w(root / f"a{i}.txt", "x")
    _w(root / "zz_model.bin", EVIL)
    report = api.audit(str(root), timestamp=False, max_files=5)
    fs = {f["probe"]: f for d in report["dimensions"] for f in d["findings"]}
    assert fs["weights.no_dangerous_pickles"]["outcome"] == "not_available"
    assert fs["code.no_remote_code"]["outcome"] == "not_available"
    monkeypatch.setattr(local, "MAX_FILES", 5)  # the module cap is read at call time
    assert resolve(str(root)).notes_with(Condition.LISTING_CAPPED)


def test_cli_shows_progress_only_on_a_terminal(tmp_path):
    """Piped stderr gets no progress lines without -v (the terminal case is rich's live line)."""
    import subprocess
    import sys

    root = tmp_path / "many"
    for i in range(1200):
        _w(root / f"f{i}.txt", "x")
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "openaudit", "audit", str(root), "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0 and "listing:" not in proc.stderr and "reading:" not in proc.stderr


def test_cli_shows_live_progress_on_a_terminal(tmp_path):
    import pty
    import subprocess
    import sys

    root = tmp_path / "many"
    for i in range(2100):
        _w(root / f"f{i}.txt", "x")
    master, slave = pty.openpty()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TERM="xterm")
    proc = subprocess.run(
        [sys.executable, "-m", "openaudit", "audit", str(root), "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        timeout=120,
    )
    os.close(slave)
    seen = b""
    try:
        while chunk := os.read(master, 65536):
            seen += chunk
    except OSError:  # EIO once the child has gone
        pass
    os.close(master)
    assert proc.returncode == 0
    assert b"listing: 1,000 files" in seen and b"reading: 2,000/2,100 files" in seen, seen[-500:]
    assert proc.stdout.startswith(b"{")  # the report itself is untouched on stdout
