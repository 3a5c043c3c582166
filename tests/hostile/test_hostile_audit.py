"""Every hostile fixture repo audits to completion (sources -> collect -> probes, offline) with the
hostile thing reported, and no probe crashing into an ``error`` finding."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_builders import (
    CARD,
    PICKLE_CASES,
    build_pickle_case,
    build_repo_case,
    finding_text,
    make_repo,
    p_global,
    run_pipeline,
    safetensors_file,
    st_ok,
)

from openaudit.base.parse import ParseCode
from openaudit.model import Outcome, ScanCode

NA, FAIL, PASS = Outcome.NOT_AVAILABLE, Outcome.FAIL, Outcome.PASS


@pytest.fixture(autouse=True)
def _no_hang():
    """A FIFO or a blocking read must never hang the audit: fail the test after 60 s instead."""

    def boom(*_):
        raise TimeoutError("audit hung (blocking read?)")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _no_errors(findings):
    errs = {k: v.message for k, v in findings.items() if v.outcome is Outcome.ERROR}
    assert not errs, errs


@pytest.mark.parametrize("name", sorted(PICKLE_CASES))
def test_dangerous_pickles_are_failed_findings(tmp_path, name):
    root, expected = build_pickle_case(tmp_path / name, name)
    snap, fs = run_pipeline(root)
    _no_errors(fs)
    f = fs["weights.no_dangerous_pickles"]
    assert f.outcome is FAIL, finding_text(f)
    assert expected in finding_text(f)
    assert any(s.get("status") == "dangerous" for s in snap.scans.values())


HEADER_CASES = {
    "st_huge_header_len": "over the 100 MiB cap",
    "st_header_beyond_eof": "beyond the end of the file",
    "st_bad_dtype": "unknown dtype",
    "st_duplicate_keys": "duplicate key",
    "st_not_json": "invalid JSON",
    "st_shape_mismatch": "needs 36 bytes",
    "st_truncated_file": "shorter than its 8-byte",
    "st_deep_json": "nesting",
}


@pytest.mark.parametrize("name", sorted(HEADER_CASES))
def test_malformed_safetensors_reported(tmp_path, name):
    _snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    f = fs["weights.params_known"]
    assert f.outcome in (FAIL, NA), finding_text(f)
    assert HEADER_CASES[name] in finding_text(f)


@pytest.mark.parametrize("name", ["st_overlap", "st_out_of_bounds"])
def test_inconsistent_offsets_recorded(tmp_path, name):
    from openaudit.collect import collect_all

    snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    problems = " ".join(p for _, p in collect_all(snap)["weights"].header_problems)
    assert ("overlaps" if name == "st_overlap" else "beyond") in problems


@pytest.mark.parametrize(
    "name,module",
    [
        ("remote_code", "modeling_evil"),
        ("remote_code_broken_py", "modeling_x"),
        ("config_duplicate_keys", "duplicate key"),
    ],
)
def test_remote_code_flagged(tmp_path, name, module):
    _snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    f = fs["code.no_remote_code"]
    # a config the strict parser refuses is never a pass (here json.loads sees an empty auto_map: not_available)
    assert f.outcome is (NA if name == "config_duplicate_keys" else FAIL) and module in finding_text(f)
    assert "modeling_evil" not in sys.modules and "modeling_x" not in sys.modules


# Each case must be refused with a problem (never parsed, never a crash). The expected typed codes are
# behaviour, not wording: PyYAML >= 6.0.4 enforces its own nesting limit before openaudit's, so deep
# nesting may be refused by either (TOO_DEEP from our event check, SYNTAX from libyaml's scanner).
@pytest.mark.parametrize(
    "name,codes",
    [
        ("yaml_billion_laughs", {ParseCode.ALIAS}),
        ("yaml_deep_nesting", {ParseCode.TOO_DEEP, ParseCode.SYNTAX}),
        ("yaml_duplicate_keys", {ParseCode.DUPLICATE_KEY}),
        ("yaml_python_tag", {ParseCode.UNSAFE_TAG}),
        ("yaml_merge_key", {ParseCode.MERGE_KEY, ParseCode.ALIAS}),  # `<<: *base` needs an anchor too
        ("yaml_unclosed", {ParseCode.SYNTAX}),
    ],
)
def test_hostile_card_yaml_is_a_problem_not_a_crash(tmp_path, name, codes):
    from openaudit.collect import collect_all

    snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    card = collect_all(snap)["card"]
    assert card.metadata == {} and len(card.problems) == 1, card.problems
    assert ParseCode(card.problem_codes[0]) in codes, (card.problem_codes, card.problems)
    assert fs["docs.model_card"].outcome is not PASS


@pytest.mark.parametrize(
    "name", ["card_latin1", "card_lone_surrogate", "card_binary", "card_huge", "card_utf16_no_bom"]
)
def test_undecodable_or_huge_cards_are_not_available(tmp_path, name):
    snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    if name == "card_utf16_no_bom" and "README.md" in snap.texts:
        return  # decoded: fine too
    assert "README.md" not in snap.texts
    assert fs["docs.model_card"].outcome is NA
    assert any("README.md" in n.message for n in snap.notes)


def test_utf16_card_with_bom_is_read(tmp_path):
    snap, fs = run_pipeline(build_repo_case(tmp_path / "u", "card_utf16_bom"))
    _no_errors(fs)
    assert snap.texts["README.md"].lstrip("\ufeff").startswith("---\nlicense: mit")


@pytest.mark.parametrize(
    "name", ["config_nan_deep", "config_binary", "yaml_binary_bad_date", "card_bidi_controls", "empty_weights"]
)
def test_broken_configs_and_odd_cards_complete(tmp_path, name):
    _snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    if name == "empty_weights":
        assert fs["weights.no_dangerous_pickles"].outcome is not PASS


@pytest.mark.parametrize(
    "name,code",
    [
        ("zip_bomb_ckpt", ScanCode.ZIP_BOMB),
        ("encrypted_ckpt", ScanCode.ENCRYPTED),
        ("corrupt_zip_ckpt", ScanCode.CORRUPT_CONTAINER),
        ("garbage_bin", ScanCode.UNKNOWN_FORMAT),
    ],
)
def test_unscannable_checkpoints_never_clean(tmp_path, name, code):
    snap, fs = run_pipeline(build_repo_case(tmp_path / name, name))
    _no_errors(fs)
    scan = snap.scans["pytorch_model.bin"]
    assert scan["status"] == "unscannable" and scan["code"] == code, scan
    assert fs["weights.no_dangerous_pickles"].outcome is NA


def test_control_and_bidi_characters_in_file_names(tmp_path):
    snap, fs = run_pipeline(build_repo_case(tmp_path / "b", "bidi_file_names"))
    _no_errors(fs)
    assert fs["weights.no_dangerous_pickles"].outcome is FAIL
    for note in (n.message for n in snap.notes):
        assert "\x1b" not in note and "\u202e" not in note and "\n" not in note


# ---- file-system guards (sources) ---------------------------------------------------------------


def test_symlink_escapes_are_not_followed(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("SECRET-OUTSIDE-CONTENT\n")
    (tmp_path / "outside" / "evil.bin").write_bytes(p_global("os", "system"))
    root = make_repo(tmp_path / "repo", {"config.json": "{}"})
    os.symlink(secret, root / "LICENSE")
    os.symlink("../outside/secret.txt", root / "notes.md")
    os.symlink(tmp_path / "outside", root / "linked_dir")
    os.symlink("/etc/passwd", root / "passwd.txt")
    os.symlink("loop_a", root / "loop_b")
    os.symlink("loop_b", root / "loop_a")
    os.symlink("does-not-exist", root / "dangling.md")
    snap, fs = run_pipeline(root)
    _no_errors(fs)
    assert not any("SECRET-OUTSIDE-CONTENT" in t for t in snap.texts.values())
    assert not any("root:" in t for t in snap.texts.values())
    assert (
        not any(p.startswith("linked_dir/") and p in snap.scans for p in snap.texts)
        and "linked_dir/evil.bin" not in snap.scans
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_like_weights_and_card_does_not_block(tmp_path):
    root = make_repo(tmp_path / "repo", {"config.json": "{}"}, card=None)
    os.mkfifo(root / "README.md")
    os.mkfifo(root / "pytorch_model.bin")
    snap, fs = run_pipeline(root)  # the alarm fixture fails the test if this blocks
    _no_errors(fs)
    assert "README.md" not in snap.texts
    assert any(f.path == "pytorch_model.bin" and f.kind == "special" for f in snap.files)


def test_huge_sparse_files(tmp_path):
    root = make_repo(tmp_path / "repo", {"config.json": "{}"})
    with open(root / "pytorch_model.bin", "wb") as f:
        f.truncate(8 << 30)  # 8 GiB of zeros, sparse
    hdr = safetensors_file(st_ok())
    with open(root / "model.safetensors", "wb") as f:
        f.write(hdr)
        f.truncate(len(hdr) + (8 << 30))  # valid header, data region far too long
    with open(root / "notes.md", "wb") as f:
        f.truncate(1 << 30)
    snap, fs = run_pipeline(root)
    _no_errors(fs)
    assert snap.scans["pytorch_model.bin"]["status"] == "unscannable"
    assert "notes.md" not in snap.texts


def test_many_files(tmp_path):
    root = make_repo(tmp_path / "repo", {"config.json": "{}"})
    for i in range(60):
        d = root / f"d{i}"
        d.mkdir()
        for j in range(50):
            (d / f"f{j}.txt").write_text("x")
    snap, fs = run_pipeline(root)
    _no_errors(fs)
    assert len(snap.files) >= 3000


def test_card_default_is_fine(tmp_path):
    """Control: a benign repo audits with the pickle probe passing."""
    root = make_repo(
        tmp_path / "ok",
        {"config.json": '{"model_type": "bert"}', "model.safetensors": safetensors_file(st_ok(), b"\x00" * 16)},
        card=CARD,
    )
    _snap, fs = run_pipeline(root)
    _no_errors(fs)
    assert fs["weights.no_dangerous_pickles"].outcome is PASS
    assert fs["weights.params_known"].outcome is PASS
