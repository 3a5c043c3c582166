"""Static pickle scanning: real artifacts (torch, numpy, joblib) and hand-made hostile opcodes."""

from __future__ import annotations

import io
import os
import pickle
import struct
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from hostile_builders import (
    npy_object,
    p_clean,
    p_global,
    p_inst,
    p_memo_obfuscated,
    p_stack_global,
    p_unresolvable,
    torch_zip,
)

from openaudit.base.formats import sniff
from openaudit.model import ScanCode
from openaudit.safety.globals_policy import classify
from openaudit.safety.pickles import scan_bytes, scan_path, scan_ranged

KEYS = {"format", "status", "code", "globals", "dangerous", "suspicious", "reason"}


class _Evil:  # pickled (never loaded) to get genuine opcodes naming os.system
    def __reduce__(self):
        return (os.system, ("true",))


# ---- sniff ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head,fmt",
    [
        (struct.pack("<Q", 20) + b'{"__metadata__":{}}', "safetensors"),
        (pickle.dumps([1, 2], protocol=2), "pickle"),
        (pickle.dumps({"a": 1}, protocol=5), "pickle"),
        (pickle.dumps({"a": (1, "x")}, protocol=0), "pickle"),
        (torch_zip(p_clean())[:200], "torch-zip"),
        (b"PK\x03\x04" + b"\x00" * 22 + b"\x05\x00\x00\x00a.txt", "zip"),
        (b"GGUF\x03\x00\x00\x00", "gguf"),
        (b"\x93NUMPY\x01\x00", "numpy"),
        (b"\x89HDF\r\n\x1a\n\x00", "hdf5"),
        (b"\x08\x07\x12\x07pytorch\x1a\x03", "onnx"),
        (b"hello world, this is text", "unknown"),
        (b"", "unknown"),
        (b"\x00" * 64, "unknown"),
        (struct.pack("<Q", 1 << 40) + b"{", "unknown"),  # header length over the cap
    ],
)
def test_sniff_formats(head, fmt):
    assert sniff(head) == fmt


def test_sniff_rejects_non_bytes():
    assert sniff("not bytes") == "unknown"  # type: ignore[arg-type]


# ---- clean real artifacts ----------------------------------------------------------------------------


def test_real_torch_checkpoints_are_clean(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.zeros(3, 4), "b": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "m.pt")
    torch.save({"w": torch.zeros(3)}, tmp_path / "legacy.bin", _use_new_zipfile_serialization=False)
    z = scan_path(tmp_path / "m.pt")
    assert set(z) >= KEYS
    assert (z["format"], z["status"]) == ("torch-zip", "clean")
    assert "torch._utils._rebuild_tensor_v2" in z["globals"]
    legacy = scan_path(tmp_path / "legacy.bin")
    assert (legacy["format"], legacy["status"]) == ("pickle", "clean")
    assert legacy["code"] == ScanCode.OK and legacy["pickles"] == 5  # raw storages after the 5 legacy pickles
    assert legacy["data_from"] > 0
    # the same checkpoints through range reads (Hub path), within a small budget
    for name in ("m.pt", "legacy.bin"):
        data = (tmp_path / name).read_bytes()
        reads = []

        def read(off, n, data=data, reads=reads):
            reads.append(n)
            return data[off : off + n]

        r = scan_ranged(len(data), read)
        assert r["status"] == "clean", r
        assert sum(reads) <= 4 * 1024 * 1024


def test_full_module_pickle_is_not_clean(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(torch.nn.Linear(2, 2), tmp_path / "full.pt")
    r = scan_path(tmp_path / "full.pt")
    assert r["status"] == "unscannable"
    assert r["suspicious"] == ["torch.nn.modules.linear.Linear"]


def test_numpy_and_joblib(tmp_path):
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    np.save(tmp_path / "num.npy", np.arange(10, dtype=np.float32))
    assert scan_path(tmp_path / "num.npy")["status"] == "not_pickle"
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    r = scan_path(tmp_path / "obj.npy")
    assert (r["format"], r["status"]) == ("numpy", "clean")
    # joblib interleaves raw array bytes with the pickle stream: the scanner must skip them
    joblib.dump(
        {"x": np.arange(1000.0), "s": np.array(["ab", "c"]), "o": np.array([1, "x"], dtype=object)},
        tmp_path / "m.joblib",
    )
    assert scan_path(tmp_path / "m.joblib")["status"] == "clean"
    joblib.dump({"x": np.arange(1000.0), "evil": _Evil()}, tmp_path / "e.joblib")
    e = scan_path(tmp_path / "e.joblib")
    assert e["status"] == "dangerous" and any(g.endswith(".system") for g in e["dangerous"])


# ---- dangerous -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,name",
    [
        (pickle.dumps(_Evil(), protocol=2), "system"),
        (pickle.dumps(_Evil(), protocol=4), "system"),
        (pickle.dumps(_Evil(), protocol=0), "system"),
        (p_global("builtins", "eval"), "builtins.eval"),
        (p_global("__builtin__", "getattr"), "builtins.getattr"),
        (p_global("nt", "system"), "nt.system"),
        (p_stack_global("subprocess", "Popen"), "subprocess.Popen"),
        (p_memo_obfuscated("os", "system"), "os.system"),
        (p_unresolvable(), "STACK_GLOBAL"),
        (p_inst("subprocess", "call"), "subprocess.call"),
        (p_global("os.path", "join"), "os.path.join"),
        (p_stack_global("torch", "serialization.load"), "torch.serialization.load"),
        (p_global("pickle", "loads"), "pickle.loads"),
        (p_clean() + p_global("os", "system"), "os.system"),  # evil second pickle
        (torch_zip(p_global("shutil", "rmtree")), "shutil.rmtree"),
        (npy_object(p_global("os", "system")), "os.system"),
    ],
)
def test_dangerous(data, name):
    r = scan_bytes(data)
    assert r["status"] == "dangerous", r
    assert any(name in d for d in r["dangerous"]), r


def test_extension_registry_is_not_clean():
    r = scan_bytes(b"\x80\x02\x82\x01)R.")  # EXT1 code 1, call it
    assert r["status"] == "dangerous" and "extension" in r["dangerous"][0]


def test_classify_allow_deny_unknown():
    assert classify("torch._utils", "_rebuild_tensor_v2") == "safe"
    assert classify("collections", "OrderedDict") == "safe"
    assert classify("os", "system") == "dangerous"
    assert classify("subprocess", "run") == "dangerous"
    assert classify("builtins", "__import__") == "dangerous"
    assert classify("mypackage", "MyModel") == "unknown"
    assert classify("torch.nn.modules.linear", "Linear") == "unknown"
    assert classify("__builtin__", "eval") == "dangerous"  # Python 2 names map like fix_imports does
    assert classify("numpy.dtypes", "Float32DType") == "safe"


@pytest.mark.parametrize(
    "module,name",
    [
        ("numpy.dtypes", "__builtins__.get"),  # an allowlisted prefix plus a dunder step
        ("torch._utils", "__builtins__.get"),
        ("collections", "OrderedDict.__init__.__globals__"),
        ("copyreg", "__newobj__.__globals__"),
        ("torch._utils", "_rebuild_tensor_v2.x"),  # an unlisted attribute step past an allowed name
        ("collections", "abc.__builtins__"),
    ],
)
def test_dotted_names_resolve_step_by_step(module, name):
    assert classify(module, name) == "dangerous"


# ---- unscannable ---------------------------------------------------------------------------------


def _zip_bytes(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


_ANY = set(ScanCode)


@pytest.mark.parametrize(
    "data,codes",
    [
        (pickle.dumps({"a": list(range(100))}, protocol=4)[:-20], {ScanCode.TRUNCATED}),
        (b"\x80\x04\x95" + b"\xff" * 40, {ScanCode.MALFORMED}),
        (os.urandom(256), _ANY),
        (b"plain text that is not a pickle at all", {ScanCode.TRUNCATED, ScanCode.UNKNOWN_FORMAT}),
        (torch_zip(p_clean())[:-30], {ScanCode.CORRUPT_CONTAINER}),
        (_zip_bytes({"archive/data.pkl": b"\x80\x02" + b"N" * 5_000_000 + b"."}), {ScanCode.ZIP_BOMB}),
        (b"\x80\x02cmypkg\nMyClass\n)R.", {ScanCode.UNKNOWN_GLOBAL}),
        (b"\x80\x02(.", {ScanCode.MALFORMED}),  # STOP with a MARK on the stack
        (b"\x80\x02h\x05.", {ScanCode.MALFORMED}),  # memo read before write
        (b"\x80\x020.", {ScanCode.MALFORMED}),  # POP on an empty stack
        (b"", {ScanCode.EMPTY}),
    ],
)
def test_unscannable(data, codes):
    r = scan_bytes(data)
    assert r["status"] == "unscannable", r
    assert ScanCode(r["code"]) in codes, r


def test_encrypted_member_is_unscannable():
    data = bytearray(torch_zip(p_clean()))
    # set the "encrypted" flag on every central-directory entry of data.pkl
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        data[i + 8] |= 1
        i = data.find(b"PK\x01\x02", i + 4)
    r = scan_bytes(bytes(data))
    assert r["status"] == "unscannable" and r["code"] == ScanCode.ENCRYPTED


def test_torchscript_code_is_not_clean():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("m/data.pkl", p_clean())
        z.writestr("m/code/__torch__/model.py", "def forward(self, x):\n    return x\n")
    r = scan_bytes(buf.getvalue())
    assert r["status"] == "unscannable" and r["code"] == ScanCode.TORCHSCRIPT


class _Scripted:  # a module torch.jit.script can compile (it reads this file's source)
    @staticmethod
    def build():
        import torch

        class Tiny(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(2, 2)
                self.sizes = [1, 2, 3]

            def forward(self, x):
                return self.lin(x) * len(self.sizes)

        return torch.jit.script(Tiny())


def test_a_real_torchscript_archive_is_not_checked_not_dangerous(tmp_path):
    """torch.jit.save's pickles call torch.jit._pickle's list builders (each returns its argument): the
    archive is unscannable for its TorchScript code, not dangerous; a dangerous global beside it still is."""
    pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    _Scripted.build().save(str(path))
    r = scan_path(str(path))
    assert r["status"] == "unscannable" and r["code"] == ScanCode.TORCHSCRIPT, r
    assert classify("torch.jit._pickle", "build_intlist") == "safe"
    assert classify("torch.jit", "load") == "dangerous" and classify("torch.jit._pickle", "other") == "dangerous"
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as z:
        for name in src.namelist():
            z.writestr(name, p_global("os", "system", "true") if name.endswith("/constants.pkl") else src.read(name))
    assert scan_bytes(buf.getvalue())["code"] == ScanCode.DANGEROUS_GLOBAL


def test_non_pickle_formats():
    assert scan_bytes(struct.pack("<Q", 2) + b"{}")["status"] == "not_pickle"
    assert scan_bytes(b"GGUF" + b"\x00" * 20)["status"] == "not_pickle"
    assert scan_bytes(_zip_bytes({"config.json": b"{}"}))["status"] == "not_pickle"


def test_scan_ranged_budget_and_bad_reads():
    big = torch_zip(p_clean() + b"")
    assert scan_ranged(len(big), lambda o, n: big[o : o + n], budget=100)["status"] == "unscannable"
    assert scan_ranged(len(big), lambda o, n: big[o : o + n], budget=100)["code"] == ScanCode.BUDGET
    assert scan_ranged(len(big), lambda o, n: b"")["status"] == "unscannable"  # short reads
    assert scan_ranged(0, lambda o, n: b"")["status"] == "unscannable"
    evil = torch_zip(p_global("os", "system"))
    assert scan_ranged(len(evil), lambda o, n: evil[o : o + n])["status"] == "dangerous"
    longpkl = pickle.dumps(list(range(200_000)), protocol=4)
    r = scan_ranged(len(longpkl), lambda o, n: longpkl[o : o + n], budget=10_000)
    assert r["status"] == "unscannable" and r["code"] == ScanCode.BUDGET


def test_scan_path_streams_without_reading_whole_file(tmp_path):
    p = tmp_path / "sparse.bin"
    with open(p, "wb") as f:  # a 4 GiB sparse file of zeros: not a pickle
        f.truncate(4 << 30)
    r = scan_path(p)
    assert r["status"] == "unscannable"


def test_caps_make_files_unscannable_not_slow(monkeypatch):
    from openaudit.safety import opcodes

    monkeypatch.setattr(opcodes, "MAX_OPS", 1000)
    r = scan_bytes(b"\x80\x02" + b"N0" * 2000 + b"N.")
    assert r["status"] == "unscannable" and r["code"] == ScanCode.CAP_REACHED
    from openaudit.safety import reader

    monkeypatch.setattr(reader, "MAX_LINE", 10_000)
    r = scan_bytes(b"\x80\x02c" + b"a" * 50_000 + b"\nb\n.")
    assert r["status"] == "unscannable" and r["code"] == ScanCode.CAP_REACHED
    # a line over the cap inside a LATER pickle is not "data": the real loader reads on
    r = scan_bytes(p_clean() + b"\x80\x02S'" + b"a" * 50_000 + b"'\n0" + p_global("os", "system")[2:])
    assert r["status"] in ("unscannable", "dangerous") and r["status"] != "clean"
    big_len = b"\x80\x04\x8e" + (1 << 62).to_bytes(8, "little") + b"x"  # BINBYTES8 claiming 4 EiB
    assert scan_bytes(big_len)["status"] == "unscannable"


def test_ranged_scan_never_clean_when_the_budget_cuts_a_later_pickle():
    """Regression: a clean first pickle followed by a dangerous one that the byte budget cuts off
    must not come out clean (found by the Hub-scan work)."""
    import pickle as _p

    from openaudit.safety.pickles import scan_ranged

    first = _p.dumps(list(range(30000)), protocol=2)  # building bytes only; nothing is loaded
    evil = b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00idq\x00\x85q\x01Rq\x02."
    data = first + evil

    def read(off: int, n: int) -> bytes:
        return data[off : off + n]

    for extra in (1, 5, 10):
        assert scan_ranged(len(data), read, budget=len(first) + extra)["status"] == "unscannable"
    assert scan_ranged(len(data), read, budget=len(data) + 64)["status"] == "dangerous"
