"""openaudit.base.files.write_atomic: the one atomic file write (reports, the pre-parsed shipped YAML,
Hub cache refs). A failed write keeping the old file is tested through ``render.output.write_atomic``
(tests/render/test_render_cli.py)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from openaudit.base.files import write_atomic


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_new_file_is_0644_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_atomic(target, "line 1\nline 2\n")
    assert target.read_bytes() == b"line 1\nline 2\n"
    assert _mode(target) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_replacing_keeps_the_old_mode_unless_one_is_given(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new" and _mode(target) == 0o600
    write_atomic(target, "newer", mode=0o644)
    assert target.read_text(encoding="utf-8") == "newer" and _mode(target) == 0o644


def test_a_missing_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path / "missing" / "out.txt", "x")
