"""`openaudit snapshot` capture: round trip, refusal to clobber, tamper detection, CLI exit codes."""

from __future__ import annotations

import dataclasses
import json

import pytest
from fakehub.repos import big_repo

from openaudit.cli.main import main
from openaudit.errors import InvalidInput, UsageError
from openaudit.sources import resolve
from openaudit.sources.capture import MANIFEST, read_capture, write_capture


def test_hub_capture_round_trip(fakehub, tmp_path, monkeypatch):
    fakehub.add(big_repo())
    snap = resolve("acme/big-model", revision="main")
    out = tmp_path / "cap"
    write_capture(snap, out)
    fakehub.stop()  # reading back needs no network
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    back = resolve(str(out), capture=True)
    assert back.target.path == str(out)  # marked as read from the capture
    assert dataclasses.replace(back, target=dataclasses.replace(back.target, path=None)) == snap
    assert back.target.source.value == "hub" and back.commit_sha == snap.commit_sha


def test_capture_of_local_folder_and_overwrite(minilm, tmp_path):
    snap = resolve(str(minilm))
    out = tmp_path / "cap"
    write_capture(snap, out)
    write_capture(snap, out)  # a previous capture may be replaced
    assert read_capture(out).safetensors_headers == snap.safetensors_headers
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cap.")]  # no temp leftovers


def test_refuses_non_empty_user_folder(tmp_path, minilm):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError):
        write_capture(resolve(str(minilm)), user)
    assert (user / "precious.txt").read_text() == "keep me" and len(list(user.iterdir())) == 1
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UsageError):
        write_capture(resolve(str(minilm)), f)


def test_tampered_or_malformed_capture(tmp_path, minilm):
    out = tmp_path / "cap"
    write_capture(resolve(str(minilm)), out)
    m = json.loads((out / MANIFEST).read_text())
    blob = out / m["texts"]["README.md"]["blob"]
    blob.write_text("changed")
    with pytest.raises(InvalidInput, match="size|sha256"):
        resolve(str(out), capture=True)
    blob.write_bytes(b"x" * m["texts"]["README.md"]["size"])
    with pytest.raises(InvalidInput, match="sha256"):
        resolve(str(out), capture=True)
    m["texts"]["README.md"]["blob"] = "../../etc/passwd"
    (out / MANIFEST).write_text(json.dumps(m))
    with pytest.raises(InvalidInput, match="outside"):
        read_capture(out)
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(InvalidInput):
        read_capture(out)
    (out / MANIFEST).write_text(json.dumps({"format": "openaudit-capture", "version": 99}))
    with pytest.raises(InvalidInput, match="version"):
        read_capture(out)
    (out / MANIFEST).write_text(json.dumps({"format": "openaudit-capture", "version": 1, "target": {}}))
    with pytest.raises(InvalidInput, match="malformed"):
        read_capture(out)


def test_cli_snapshot(fakehub, tmp_path, capsys):
    fakehub.add(big_repo())
    out = tmp_path / "cap"
    assert main(["snapshot", "acme/big-model", "-o", str(out), "--revision", "step1000"]) == 0
    captured = capsys.readouterr()
    assert str(out) in captured.out and "requests" in captured.err
    assert read_capture(out).target.revision == "step1000"
    user = tmp_path / "user"
    user.mkdir()
    (user / "a").write_text("x")
    n_before = len(fakehub.log)
    assert main(["snapshot", "acme/big-model", "-o", str(user)]) == 2
    assert len(fakehub.log) == n_before  # refused before any network work
    assert main(["snapshot", "acme/missing", "-o", str(tmp_path / "c2")]) == 2
    assert "error:" in capsys.readouterr().err and not (tmp_path / "c2").exists()


def test_capture_is_read_only_when_asked_and_checked_against_its_files(tmp_path, minilm):
    """Issue 11 rule 4: a forged manifest beside a pickle is just a file of the folder; a capture is
    read only with --capture, must be exactly what `snapshot` wrote, and a symlinked manifest is refused."""
    from openaudit.model import Condition

    out = tmp_path / "cap"
    write_capture(resolve(str(minilm)), out)
    plain = resolve(str(out))  # no --capture: a plain folder that happens to hold a manifest
    assert plain.target.source.value == "local" and plain.file(MANIFEST) is not None
    assert plain.notes_with(Condition.CAPTURE_IGNORED)
    (out / "evil.bin").write_bytes(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.")
    with pytest.raises(InvalidInput, match="does not account for"):
        resolve(str(out), capture=True)
    (out / "evil.bin").unlink()
    (out / "files" / "999999").write_bytes(b"extra")
    with pytest.raises(InvalidInput, match="does not account for"):
        resolve(str(out), capture=True)
    (out / "files" / "999999").unlink()
    resolve(str(out), capture=True)  # pristine again
    # a manifest that is a symlink (out of the folder) is refused, never followed
    other = tmp_path / "other"
    write_capture(resolve(str(minilm)), other)
    (out / MANIFEST).unlink()
    (out / MANIFEST).symlink_to(other / MANIFEST)
    with pytest.raises(InvalidInput, match="symlink"):
        resolve(str(out), capture=True)
    with pytest.raises(UsageError, match="not a capture"):
        resolve(str(minilm), capture=True)


def test_cli_capture_flag(tmp_path, minilm, capsys):
    out = tmp_path / "cap"
    write_capture(resolve(str(minilm)), out)
    assert main(["audit", "--capture", str(out), "-f", "json", "--no-timestamp"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["target"]["source"] == "local" and rep["target"]["id"] == resolve(str(minilm)).target.id
    assert main(["audit", str(out), "-f", "json", "--no-timestamp"]) == 0  # audited as a plain folder
    rep = json.loads(capsys.readouterr().out)
    assert rep["target"]["id"] == "cap"
    assert main(["audit", "--capture", str(minilm), "-f", "json"]) == 2
    assert "not a capture" in capsys.readouterr().err
