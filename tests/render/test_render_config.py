"""Configuration: openaudit.toml / [tool.openaudit], validated; unknown keys name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from openaudit.config import load_config
from openaudit.errors import InvalidDocument, InvalidInput


def test_no_config_is_empty(tmp_path: Path) -> None:
    assert load_config(tmp_path) == {}


def test_pyproject_section_and_openaudit_toml_precedence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.openaudit]\nrubric = "mof-1.0"\noffline = true\n[tool.openaudit.batch]\njobs = 4\n',
        encoding="utf-8",
    )
    assert load_config(tmp_path) == {"rubric": "mof-1.0", "offline": True, "batch": {"jobs": 4}}
    (tmp_path / "openaudit.toml").write_text('format = "markdown"\ntoken_env = "MY_HF_TOKEN"\n', encoding="utf-8")
    assert load_config(tmp_path) == {"format": "markdown", "token_env": "MY_HF_TOKEN"}


def test_pyproject_without_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(tmp_path) == {}


@pytest.mark.parametrize(
    "body,needle",
    [
        ('rubric = "openaudit"\ncolour = "red"\n', "unknown key 'colour'"),
        ("[batch]\njobs = 2\nthreads = 3\n", "unknown key 'batch.threads'"),
        ('format = "pdf"\n', "key 'format'"),
        ("[batch]\njobs = 0\n", "key 'batch.jobs'"),
        ('offline = "yes"\n', "key 'offline'"),
        ('token_env = "hf_abc def"\n', "key 'token_env'"),
        ("rubric = \n", "not valid TOML"),
    ],
)
def test_invalid_configs_name_the_key(tmp_path: Path, body: str, needle: str) -> None:
    (tmp_path / "openaudit.toml").write_text(body, encoding="utf-8")
    with pytest.raises(InvalidDocument) as exc:
        load_config(tmp_path)
    assert needle in exc.value.message and "openaudit.toml" in exc.value.message


def test_explicit_config_path_and_bad_files(tmp_path: Path) -> None:
    cfg = tmp_path / "ci.toml"
    cfg.write_text('policy = "policy.yaml"\n', encoding="utf-8")
    assert load_config(tmp_path / "elsewhere", cfg) == {"policy": "policy.yaml"}
    with pytest.raises(InvalidInput):
        load_config(tmp_path, tmp_path / "missing.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InvalidInput):
        load_config(tmp_path, binary)


def test_the_pyproject_form_is_accepted_in_openaudit_toml(tmp_path: Path) -> None:
    """The docs' `[tool.openaudit]` example copied into openaudit.toml works (issue 10 item 7)."""
    (tmp_path / "openaudit.toml").write_text(
        '[tool.openaudit]\nrubric = "mof-1.0"\n[tool.openaudit.batch]\njobs = 3\n', encoding="utf-8"
    )
    assert load_config(tmp_path) == {"rubric": "mof-1.0", "batch": {"jobs": 3}}
    (tmp_path / "openaudit.toml").write_text('format = "json"\n[tool.openaudit]\nrubric = "x"\n', encoding="utf-8")
    with pytest.raises(InvalidDocument, match="unknown key 'tool'"):  # mixing both forms is still an error
        load_config(tmp_path)


def test_batch_reads_its_configuration(tmp_path: Path, monkeypatch, capsys) -> None:
    from openaudit.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "openaudit.toml").write_text('[batch]\nout = "from-config"\njobs = 1\n', encoding="utf-8")
    (tmp_path / "t.txt").write_text(f"{tmp_path / 'missing-model'}\n", encoding="utf-8")
    assert main(["batch", "t.txt", "--offline"]) == 2
    assert (tmp_path / "from-config" / "state.jsonl").is_file()
    assert "1 target: 0 audited, 1 error" in capsys.readouterr().out
