"""Start-up performance changes keep behaviour: shipped YAML fast paths give exactly what the hardened
loader gives, lazy imports still load when needed, and a local-folder audit stays off heavy modules."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from openaudit import resources
from openaudit.base.parse import load_yaml
from openaudit.errors import InvalidDocument

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted(resources.rubrics_dir().glob("*.yaml"))


def _types(obj):
    if isinstance(obj, dict):
        return {k: _types(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_types(v) for v in obj]
    return type(obj).__name__


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_yaml_paths_equal_hardened_loader(path, monkeypatch):
    text = path.read_text(encoding="utf-8")
    want = load_yaml(text, source=str(path))
    cached = resources.parse_shipped_yaml(text, str(path))
    monkeypatch.setattr(resources, "_shipped_cache", dict)
    libyaml = resources.parse_shipped_yaml(text, str(path))
    for got in (cached, libyaml):
        assert got == want
        assert _types(got) == _types(want)  # 1, 1.0 and True compare equal; their types must not differ


def test_shipped_cache_is_not_used_for_edited_text():
    path = resources.rubrics_dir() / "openaudit.yaml"
    text = path.read_text(encoding="utf-8")
    original = resources.parse_shipped_yaml(text, str(path))
    edited = text.replace(f"name: {original['name']}", "name: Edited name", 1)
    assert edited != text
    assert resources.parse_shipped_yaml(edited, str(path))["name"] == "Edited name"


def test_shipped_yaml_calls_return_fresh_objects():
    path = resources.rubrics_dir() / "licenses.yaml"
    text = path.read_text(encoding="utf-8")
    first = resources.parse_shipped_yaml(text, str(path))
    first["licenses"].clear()
    assert resources.parse_shipped_yaml(text, str(path))["licenses"]


@pytest.mark.parametrize("bad", ["a: [1, 2\n", "x: !!python/object:os.system {}\n", "\x00: 1\n"])
def test_broken_shipped_yaml_gives_the_hardened_error(bad):
    with pytest.raises(InvalidDocument) as hardened:
        load_yaml(bad, source="rubrics/x.yaml")
    with pytest.raises(InvalidDocument) as fast:
        resources.parse_shipped_yaml(bad, "rubrics/x.yaml")
    assert str(fast.value) == str(hardened.value)


def test_build_shipped_cache_writes_round_trippable_json(tmp_path):
    out = resources.build_shipped_cache(tmp_path / "shipped.json")
    try:
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["format"] == 1
        assert set(data["files"]) == {p.name for p in SHIPPED}
        for p in SHIPPED:
            blob = data["documents"][data["files"][p.name]]
            assert json.loads(blob) == load_yaml(p.read_text(encoding="utf-8"), source=str(p))
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        assert [x.name for x in tmp_path.iterdir()] == ["shipped.json"]  # no temp file left behind
    finally:
        resources._shipped_cache.cache_clear()


def test_packaged_cache_is_valid_json():
    path = resources.data_dir() / resources.SHIPPED_CACHE
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 1 and isinstance(data["documents"], dict)
    # A stale copy is never used (only slower), but shipping one means rubrics/ changed without
    # `python -m openaudit.resources` being run: fail so the pre-parsed copy is rebuilt.
    assert resources.stale_shipped_files() == [], "rebuild with: python -m openaudit.resources"


def test_write_atomic_writes_through_a_fifo(tmp_path):
    from openaudit.render.output import write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_atomic(fifo, "report\n")
    reader.join(timeout=10)
    assert got == ["report\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a pipe, not replaced by a regular file


def test_write_atomic_regular_file_still_atomic(tmp_path):
    from openaudit.render.output import write_atomic

    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["r.json"]


_PROBE = """
import json, sys
from openaudit.cli.main import main
rc = main(["audit", sys.argv[1], "-f", "json", "-o", sys.argv[2]])
print(json.dumps({"rc": rc, "modules": sorted(sys.modules)}))
"""


def _audit_modules(folder: Path, tmp_path: Path) -> tuple[int, set[str], dict]:
    out = tmp_path / "report.json"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(folder), str(out)],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return res["rc"], set(res["modules"]), json.loads(out.read_text(encoding="utf-8"))


def test_local_audit_without_license_file_stays_light(minilm, tmp_path):
    rc, mods, report = _audit_modules(minilm, tmp_path)
    assert rc == 0 and report["license"]["spdx"] == "Apache-2.0"
    heavy = {"torch", "ray", "datasketch", "pyarrow", "numpy", "jsonschema"}
    assert not heavy & {m.split(".")[0] for m in mods}
    # No LICENSE file: the identification index and its normaliser are never loaded.
    assert not {"openaudit.licenses.identify", "openaudit.licenses.index", "openaudit.licenses.normalize"} & mods
    # Only safetensors and text: no pickle was scanned, so the opcode walker was never imported.
    assert not {"pickletools", "openaudit.safety.opcodes"} & mods
    # No config file in the working directory: no TOML parser.
    assert "tomllib" not in mods


def test_local_audit_with_license_file_still_identifies_it(tmp_path):
    rc, mods, report = _audit_modules(REPO / "examples" / "tiny-open", tmp_path)
    assert rc == 0
    assert "openaudit.licenses.identify" in mods
    snippets = [e.get("snippet") for e in report["license"]["evidence"]]
    assert "identified as Apache-2.0 (confidence 1.00)" in snippets


def test_sniff_of_classic_pickle_loads_the_opcode_walker_on_demand():
    code = (
        "import sys\nfrom openaudit.base.formats import sniff\n"
        "a = sniff(b'\\x80\\x04\\x95' + b'\\x00' * 61)\n"
        "before = 'pickletools' in sys.modules\n"
        "b = sniff(b'(lp0\\nI1\\naI2\\na.')\n"
        "print(a, before, b, 'pickletools' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["pickle", "False", "pickle", "True"]
