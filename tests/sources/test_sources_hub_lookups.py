"""Hub lookups for the audit: declared datasets' availability, base models' licenses, static scans of
remote pickle-family files by Range reads, the Hub's own security scan; offline makes no lookups.
All against the fake Hub with the real huggingface_hub client."""

from __future__ import annotations

import pytest
from fakehub.checkpoints import CLEAN_PICKLE, OS_SYSTEM_PICKLE, torch_zip
from fakehub.datasets import FakeDataset
from fakehub.repos import CARD, small_repo
from fakehub.server import FakeRepo, Fault

from openaudit.base.net import http as netio
from openaudit.model import Condition, Outcome, SourceKind
from openaudit.sources import hub, hub_lookups, resolve

MB = 1_000_000


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch):
    monkeypatch.setattr(netio, "BASE_BACKOFF", 0.01)


def _repo(repo_id="acme/m", card_data=None, files=None, **kw) -> FakeRepo:
    return FakeRepo(repo_id, files or {"README.md": b"# model\n", "config.json": b"{}"}, card_data=card_data, **kw)


def _dataset_requests(hub_) -> list[str]:
    return [p for _m, p, _s in hub_.log if p.startswith("/api/datasets/")]


def _probe(snap, probe_id: str):
    from openaudit import collect, probes

    facts = collect.collect_all(snap)
    return probes.run_probes(probes.ProbeContext(snapshot=snap, facts=facts, extra={}))[probe_id]


def test_datasets_available_gated_missing_and_error(fakehub):
    fakehub.add_dataset(FakeDataset("acme/open-data", card_data={"license": "cc-by-4.0"}))
    fakehub.add_dataset(FakeDataset("acme/gated-data", card_data={"license": "other"}, gated="manual"))
    fakehub.add_dataset(FakeDataset("acme/flaky", faults=[Fault("info", status=503)]))
    fakehub.add_dataset(FakeDataset("acme/deleted", faults=[Fault("info", status=404)]))
    fakehub.add_dataset(FakeDataset("acme/forbidden", faults=[Fault("info", status=403)]))
    fakehub.add_dataset(FakeDataset("acme/terms", faults=[Fault("info", status=403, error_code="GatedRepo")]))
    fakehub.add(
        _repo(
            card_data={
                "datasets": [
                    "acme/open-data",
                    "acme/gated-data",
                    "acme/never-existed",
                    "acme/flaky",
                    "acme/deleted",
                    "https://example.org/corpus",
                    "my private crawl",
                    7,
                    "acme/forbidden",
                    "acme/terms",
                ]
            }
        )
    )
    snap = resolve("acme/m")
    info = snap.api["datasets_info"]
    assert set(info) == {
        "acme/open-data",
        "acme/gated-data",
        "acme/never-existed",
        "acme/deleted",
        "acme/forbidden",
        "acme/terms",
    }
    assert info["acme/forbidden"]["status"] == "missing" and info["acme/forbidden"]["reason"] == "access_denied"
    assert info["acme/terms"]["status"] == "gated" and info["acme/terms"]["http_status"] == 403
    assert info["acme/open-data"] == {
        "exists": True,
        "gated": False,
        "private": False,
        "disabled": False,
        "license": "cc-by-4.0",
        "status": "available",
        "http_status": 200,
    }
    assert info["acme/gated-data"]["status"] == "gated" and info["acme/gated-data"]["gated"] == "manual"
    assert info["acme/never-existed"]["status"] == "missing" and not info["acme/never-existed"]["exists"]
    assert info["acme/never-existed"]["reason"] == "missing_or_private"
    assert info["acme/never-existed"]["http_status"] == 401
    assert info["acme/deleted"]["reason"] == "not_found" and info["acme/deleted"]["http_status"] == 404
    # a server error after retries is "unknown", never "missing": kept apart from the answers
    err = snap.api["datasets_info_errors"]["acme/flaky"]
    assert err["status"] == "error" and err["http_status"] == 503
    assert any(n.code is Condition.LOOKUP_INCOMPLETE and "acme/flaky" in n.message for n in snap.notes)
    flaky = [p for p in _dataset_requests(fakehub) if "acme/flaky" in p]
    assert len(flaky) == netio.MAX_TRIES
    assert all("expand=" in p for p in _dataset_requests(fakehub))  # no file lists fetched
    assert snap.network.requests == len(fakehub.log)
    assert _probe(snap, "data.available").outcome is Outcome.PARTIAL


def test_all_datasets_public_passes_and_all_errors_stay_unknown(fakehub):
    fakehub.add_dataset(FakeDataset("acme/a", card_data={"license": "mit"}))
    fakehub.add_dataset(FakeDataset("b-data"))
    fakehub.add(_repo("acme/open", card_data={"datasets": ["acme/a", "b-data"]}))
    snap = resolve("acme/open")
    assert {v["status"] for v in snap.api["datasets_info"].values()} == {"available"}
    assert _probe(snap, "data.available").outcome is Outcome.PASS

    down = [Fault("info", status=500)]
    for name in ("acme/x1", "acme/x2", "acme/x3"):
        fakehub.add_dataset(FakeDataset(name, faults=down))
    fakehub.add(_repo("acme/down", card_data={"datasets": ["acme/x1", "acme/x2", "acme/x3"]}))
    fakehub.log.clear()
    snap = resolve("acme/down")
    assert snap.api["datasets_info"] == {}
    errors = snap.api["datasets_info_errors"]
    assert set(errors) == {"acme/x1", "acme/x2", "acme/x3"}
    assert "skipped" in errors["acme/x3"]["reason"]  # two failures in a row: the rest is not tried
    assert not [p for p in _dataset_requests(fakehub) if "acme/x3" in p]
    assert _probe(snap, "data.available").outcome is Outcome.NOT_AVAILABLE


def test_dataset_ids_from_front_matter_single_string_and_cap(fakehub, monkeypatch):
    fakehub.add_dataset(FakeDataset("wikitext", card_data={"license": "cc-by-sa-3.0"}))
    fakehub.add(small_repo())  # cardData has no datasets: the card's front matter declares wikitext
    snap = resolve("acme/small")
    assert snap.api["datasets_info"]["wikitext"]["license"] == "cc-by-sa-3.0"

    fakehub.add(_repo("acme/one", card_data={"datasets": "wikitext"}))
    assert set(resolve("acme/one").api["datasets_info"]) == {"wikitext"}

    monkeypatch.setattr(hub_lookups, "MAX_DATASET_LOOKUPS", 4)
    fakehub.add(_repo("acme/many", card_data={"datasets": [f"org/d{i}" for i in range(9)]}))
    fakehub.log.clear()
    snap = resolve("acme/many")
    assert list(snap.api["datasets_info"]) == ["org/d0", "org/d1", "org/d2", "org/d3"]
    assert len(_dataset_requests(fakehub)) == 4
    assert any("9 datasets declared: only the first 4" in n.message for n in snap.notes)


def test_declared_ids_parsing():
    assert hub.declared_ids(
        "datasets", {"datasets": ["a/b", " c ", "a/b", "http://x.org/y", "two words", None]}, None
    ) == ["a/b", "c"]
    assert hub.declared_ids("base_model", {"license": "mit"}, "---\nbase_model: org/base\n---\n# x") == ["org/base"]
    assert hub.declared_ids("datasets", None, "\ufeff---\ndatasets:\n- org/d\n---\nbody") == ["org/d"]
    assert hub.declared_ids("datasets", None, "---\ndatasets: [unclosed\n---\n") == []  # broken YAML: nothing
    assert hub.declared_ids("datasets", None, "---\na: &x [1]\nb: *x\ndatasets: org/d\n---\n") == []  # aliases refused
    assert hub.declared_ids("datasets", None, "no front matter") == []
    assert hub.declared_ids("datasets", {"datasets": {"name": "x"}}, None) == []
    assert hub.declared_ids("datasets", None, None) == []


def test_base_model_license_captured_and_capped(fakehub):
    fakehub.add(
        _repo(
            "meta/base",
            card_data={"license": "llama2", "license_name": "llama-2-community", "license_link": "LICENSE.txt"},
            gated="manual",
        )
    )
    fakehub.add(_repo("acme/mid", card_data={"license": "apache-2.0", "base_model": "meta/base"}))
    fakehub.add(
        _repo(
            "acme/ft", card_data={"license": "mit", "base_model": ["acme/mid", "meta/base", "acme/gone", "acme/fourth"]}
        )
    )
    fakehub.log.clear()
    snap = resolve("acme/ft")
    bases = snap.api["base_models_info"]
    assert list(bases) == ["acme/mid", "meta/base", "acme/gone"]
    assert bases["meta/base"] == {
        "exists": True,
        "license": "llama2",
        "license_name": "llama-2-community",
        "license_link": "LICENSE.txt",
        "gated": "manual",
        "private": False,
        "base_model": None,
        "status": "gated",
        "http_status": 200,
    }
    assert bases["acme/mid"]["license"] == "apache-2.0" and bases["acme/mid"]["base_model"] == "meta/base"
    assert bases["acme/gone"]["status"] == "missing" and bases["acme/gone"]["reason"] == "missing_or_private"
    assert any("4 base models declared: only the first 3" in n.message for n in snap.notes)
    base_calls = [p for _m, p, _s in fakehub.log if p.startswith(("/api/models/acme/mid", "/api/models/meta/base"))]
    assert len(base_calls) == 2 and all("expand=cardData" in p for p in base_calls)


def test_base_model_network_error_is_error_not_missing(fakehub):
    fakehub.add(_repo("org/base", card_data={"license": "mit"}, faults=[Fault("info", status=502)]))
    fakehub.add(_repo("acme/ft", card_data={"base_model": "org/base"}))
    entry = resolve("acme/ft").api["base_models_info"]["org/base"]
    assert entry["status"] == "error" and entry["http_status"] == 502 and "exists" not in entry


def test_dangerous_remote_pickle_found_with_under_1mb(fakehub):
    ckpt = torch_zip(OS_SYSTEM_PICKLE, 400 * MB)
    fakehub.add(
        _repo(
            "acme/evil",
            files={
                "README.md": CARD.encode(),
                "pytorch_model.bin": ckpt,
                "training_args.bin": CLEAN_PICKLE,
                "optimizer.pt": torch_zip(CLEAN_PICKLE, 5 * MB),
            },
        )
    )
    snap = resolve("acme/evil")
    scan = snap.scans["pytorch_model.bin"]
    assert scan["status"] == "dangerous" and scan["format"] == "torch-zip" and "os.system" in scan["dangerous"]
    assert 0 < scan["bytes_read"] < 100_000
    assert snap.scans["optimizer.pt"]["status"] == "clean"
    small = snap.scans["training_args.bin"]  # 40 bytes: scanned from the bytes already read, no extra request
    assert small["status"] == "clean" and small["bytes_read"] == 0
    assert ckpt.size > 400 * MB and snap.network.bytes < MB
    assert snap.network.requests == len(fakehub.log)
    assert not any("not scanned" in n.message for n in snap.notes)
    finding = _probe(snap, "weights.no_dangerous_pickles")
    assert finding.outcome is Outcome.FAIL and "os.system" in finding.message


def test_scan_budgets_give_unscannable_or_note_never_clean(fakehub, monkeypatch):
    from fakehub.server import Virtual

    monkeypatch.setattr(hub, "SCAN_FILE_BUDGET", 128 * 1024)
    monkeypatch.setattr(hub, "MAX_REMOTE_SCANS", 2)
    files = {
        "README.md": b"# m\n",
        "a.pkl": Virtual(b"\x80\x04\x95" + b"\xff" * 8 + b"(", 50 * MB),  # a pickle far longer than the budget
        "b.ckpt": torch_zip(OS_SYSTEM_PICKLE, 2 * MB),
        "c.pt": torch_zip(CLEAN_PICKLE, 2 * MB),
    }
    fakehub.add(_repo("acme/budget", files=files))
    snap = resolve("acme/budget")
    assert snap.scans["a.pkl"]["status"] == "unscannable"
    assert snap.scans["a.pkl"]["bytes_read"] <= 128 * 1024
    assert snap.scans["b.ckpt"]["status"] == "dangerous"
    assert "c.pt" not in snap.scans
    assert any(n.code is Condition.SCAN_INCOMPLETE and "c.pt" in n.message for n in snap.notes)


def test_legacy_pickle_and_numpy_settle_on_first_bytes_and_cut_pickles_are_not_clean(fakehub, monkeypatch):
    import struct

    monkeypatch.setattr(hub, "SCAN_FILE_BUDGET", 256 * 1024)  # keeps the opcode walks short

    from fakehub.server import Virtual

    # legacy (non-zip) torch layout: complete pickles, then raw storage bytes
    legacy = Virtual(CLEAN_PICKLE + CLEAN_PICKLE, 30 * MB)
    npy_header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (7500000,), }"
    npy_header += b" " * (-(len(npy_header) + 11) % 64) + b"\n"
    npy = Virtual(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy_header)) + npy_header, 30 * MB)
    # a clean pickle, then one whose 3 MB string argument runs past the scan window and hides os.system
    long_arg = b"\x80\x02X" + struct.pack("<I", 3 * MB) + b"a" * (3 * MB) + b"0cos\nsystem\n)R."
    cut = Virtual(CLEAN_PICKLE + long_arg, 40 * MB)
    # ... and one made of many small opcodes (EMPTY_LIST, then BININT1 + APPEND a million times)
    many_ops = Virtual(CLEAN_PICKLE + b"\x80\x02]" + b"K\x01a" * MB + b"0cos\nsystem\n)R.", 40 * MB)
    ggml = Virtual(b"lmgg" + bytes(range(256)) * 4, 50 * MB)  # a .bin that is no pickle at all
    fakehub.add(
        _repo(
            "acme/legacy",
            files={
                "README.md": b"# m\n",
                "pytorch_model.bin": legacy,
                "emb.npy": npy,
                "tricky.pkl": cut,
                "tricky2.pkl": many_ops,
                "ggml-model.bin": ggml,
            },
        )
    )
    snap = resolve("acme/legacy")
    assert snap.scans["pytorch_model.bin"]["status"] == "clean"
    assert snap.scans["pytorch_model.bin"]["bytes_read"] <= hub.FIRST_SCAN_BYTES
    assert snap.scans["ggml-model.bin"]["status"] == "unscannable"
    assert snap.scans["ggml-model.bin"]["bytes_read"] <= hub.FIRST_SCAN_BYTES
    assert snap.scans["emb.npy"]["status"] == "not_pickle"
    assert snap.scans["emb.npy"]["bytes_read"] <= hub.FIRST_SCAN_BYTES
    for name in ("tricky.pkl", "tricky2.pkl"):  # cut off by the scan window: never "clean"
        assert snap.scans[name]["status"] == "unscannable", snap.scans[name]
        assert snap.scans[name]["bytes_read"] == hub.SCAN_FILE_BUDGET
    assert snap.scans["tricky2.pkl"]["code"] == "budget", snap.scans["tricky2.pkl"]  # typed: the window ran out
    assert snap.network.bytes < 2 * hub.SCAN_FILE_BUDGET + 300_000


def test_failed_range_read_is_unscannable_and_gated_repo_is_noted(fakehub):
    repo = _repo(
        "acme/flaky",
        files={"README.md": b"# m\n", "model.bin": torch_zip(CLEAN_PICKLE, 3 * MB)},
        faults=[Fault("resolve", path="model.bin", status=500)],
    )
    fakehub.add(repo)
    scan = resolve("acme/flaky").scans["model.bin"]
    assert scan["status"] == "unscannable" and "could not be read" in scan["reason"]

    def crash(size, read, budget):
        raise TypeError("scanner bug")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("openaudit.safety.pickles.scan_ranged", crash)
        fakehub.add(
            _repo(
                "acme/crash",
                files={"README.md": b"# m\n", "model.bin": torch_zip(CLEAN_PICKLE, 3 * MB), "empty.pt": b""},
            )
        )
        snap = resolve("acme/crash")
    assert snap.scans["model.bin"]["status"] == "unscannable" and "TypeError" in snap.scans["model.bin"]["reason"]
    assert snap.scans["empty.pt"]["status"] == "unscannable"  # empty: nothing to vouch for, never clean

    fakehub.add_dataset(FakeDataset("acme/d"))
    gated = _repo(
        "acme/gated",
        files={"README.md": b"# m\n", "model.bin": torch_zip(OS_SYSTEM_PICKLE, 3 * MB)},
        card_data={"datasets": ["acme/d"]},
        gated="auto",
    )
    fakehub.add(gated)
    snap = resolve("acme/gated")
    assert snap.scans == {}
    assert any("could not be scanned: access denied" in n.message for n in snap.notes)
    assert snap.api["datasets_info"]["acme/d"]["status"] == "available"  # metadata still looked up


def test_hub_security_scan_recorded(fakehub):
    status = {"scansDone": True, "filesWithIssues": [{"path": "pytorch_model.bin", "level": "unsafe"}]}
    fakehub.add(_repo("acme/sec", info={"securityRepoStatus": status}))
    snap = resolve("acme/sec")
    assert snap.api["securityStatus"] == status


def test_offline_makes_no_lookups(fakehub, tmp_path, monkeypatch):
    fakehub.add_dataset(FakeDataset("acme/d"))
    fakehub.add(
        _repo(
            "acme/cached",
            card_data={"datasets": ["acme/d"], "base_model": "acme/base"},
            files={
                "README.md": b"---\ndatasets: [acme/d]\nbase_model: acme/base\n---\n# m\n",
                "model.bin": torch_zip(OS_SYSTEM_PICKLE, MB),
            },
        )
    )
    sha = fakehub.repos["acme/cached"].sha_of("main")
    repo_dir = tmp_path / "hf_home" / "hub" / "models--acme--cached"
    snap_dir = repo_dir / "snapshots" / sha
    snap_dir.mkdir(parents=True)
    (snap_dir / "README.md").write_bytes(fakehub.repos["acme/cached"].files["README.md"])
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(sha)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fakehub.log.clear()
    snap = resolve("acme/cached")
    assert snap.target.source is SourceKind.CACHE
    assert fakehub.log == []
    assert "datasets_info" not in snap.api and "base_models_info" not in snap.api
    assert _probe(snap, "data.available").outcome is Outcome.NOT_AVAILABLE


def test_pickles_under_other_names_are_judged_by_their_bytes_on_the_hub(fakehub):
    """As on a local folder: a pickle named like text (read whole as a text file), a protocol-0 pickle
    that decodes as text, and one with no known extension (sniffed by a small Range read) are scanned."""
    proto0 = b"cos\nsystem\n(S'id'\ntR."
    files = {
        "README.md": CARD.encode(),
        "notes.txt": OS_SYSTEM_PICKLE,
        "LICENSE": proto0,
        "weights": OS_SYSTEM_PICKLE + b"\x00" * 100_000,
        "config.json": b'{"model_type": "bert"}',
        "tokenizer.model": b"\x0a\x0bnot a pickle" * 10,
    }
    fakehub.add(_repo("acme/hidden", files=files))
    snap = resolve("acme/hidden")
    for path in ("notes.txt", "LICENSE", "weights"):
        assert snap.scans[path]["status"] == "dangerous", (path, snap.scans.get(path))
    assert "config.json" not in snap.scans and "README.md" not in snap.scans and "tokenizer.model" not in snap.scans
    finding = _probe(snap, "weights.no_dangerous_pickles")
    assert finding.outcome is Outcome.FAIL and "os.system" in finding.message
    assert snap.network.requests == len(fakehub.log)


def test_files_beyond_the_sniff_cap_keep_the_pickle_verdict_open(fakehub, monkeypatch):
    monkeypatch.setattr(hub, "MAX_SNIFFS", 1)
    files = {"README.md": CARD.encode(), "a.dat": b"\x00" * 5000, "b.dat": OS_SYSTEM_PICKLE}
    fakehub.add(_repo("acme/many", files=files))
    snap = resolve("acme/many")
    assert any(n.code is Condition.SCAN_INCOMPLETE and "b.dat" in n.message for n in snap.notes)
    assert _probe(snap, "weights.no_dangerous_pickles").outcome is not Outcome.PASS
