"""Issue 11's hostile repositories, one builder per variant, grouped by class.

Every payload, when loaded by the real loader named in ``Case.loader``, runs
``open('MARKER','w').write('pwned')`` — it writes a marker file in the working directory and does
nothing else. The test suite proves that in a subprocess inside the test's temp dir (so the loader
really would run it) and then checks that openaudit neither passes nor crashes on the repository.
Nothing here is ever loaded by the test process itself.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import struct
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

CODE = "open('MARKER','w').write('pwned')"
CARD = "---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# A model\n\nA model card.\n"
CONFIG = '{"model_type": "bert", "architectures": ["BertModel"]}'
W, R = "weights.no_dangerous_pickles", "code.no_remote_code"


@dataclass
class Case:
    cls: str  # the class of issue 11 this variant belongs to
    files: dict[str, bytes]
    loader: str | None  # python run in the repo folder by the real loader; must write MARKER
    probe: str = W  # the probe that must never pass
    outcomes: tuple[str, ...] = ("fail", "not_available")  # what that probe may answer
    needs: tuple[str, ...] = ()  # modules the loader needs
    symlinks: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # name -> (file beside the repo, its bytes)
    max_files: int | None = None

    def build(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        for rel, (target, data) in self.symlinks.items():
            (root.parent / target).write_bytes(data)
            os.symlink(root.parent / target, root / rel)
        return root


# ---- payloads (opcode bytes; never loaded here) ---------------------------------------------------


def _bu(s: str) -> bytes:  # BINUNICODE
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def _sbu(s: str) -> bytes:  # SHORT_BINUNICODE + MEMOIZE
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b + b"\x94"


def exec_ops(code: str = CODE) -> bytes:
    """Opcodes (no PROTO/STOP) that call builtins.exec(code) and leave its result on the stack."""
    return b"cbuiltins\nexec\n" + _bu(code) + b"\x85R"


def p2(code: str = CODE) -> bytes:
    return b"\x80\x02" + exec_ops(code) + b"."


def p0(code: str = CODE) -> bytes:
    """A protocol-0 pickle: plain ASCII text."""
    return f"cbuiltins\nexec\n(V{code}\ntR.".encode()


def dotted(module: str, name: str) -> bytes:
    """Protocol 4: STACK_GLOBAL module + dotted name -> a getter; getter('exec') -> exec; exec(CODE)."""
    return b"\x80\x04" + _sbu(module) + _sbu(name) + b"\x93" + _sbu("exec") + b"\x85R" + _sbu(CODE) + b"\x85R."


def unknown_global(module: str, name: str, *args: str) -> bytes:
    """A callable outside the allowlist and the denylist that still touches the disk."""
    return b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"(" + b"".join(_bu(a) for a in args) + b"tR."


def npy(descr: str, payload: bytes, shape: str = "(1,)") -> bytes:
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + payload


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


def tar_of(members: list[tuple[str, bytes]], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _dtype_u1() -> bytes:
    """numpy.dtype('u1') as protocol-2 opcodes (REDUCE + BUILD), no memo."""
    return (
        b"cnumpy\ndtype\n"
        + _bu("u1")
        + b"\x89\x88\x87R"
        + b"(K\x03"
        + _bu("|")
        + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    )


def joblib_wrapper(n: int, align: bytes) -> bytes:
    """joblib's NumpyArrayWrapper for a uint8 array of ``n`` elements, built and BUILT (joblib reads
    the array bytes right after). ``align``: the opcode(s) of numpy_array_alignment_bytes."""
    state = (
        b"}("
        + _bu("subclass")
        + b"cnumpy\nndarray\n"
        + _bu("shape")
        + b"K"
        + bytes([n])
        + b"\x85"
        + _bu("order")
        + _bu("C")
        + _bu("dtype")
        + _dtype_u1()
        + _bu("allow_mmap")
        + b"\x89"
        + _bu("numpy_array_alignment_bytes")
        + align
        + b"u"
    )
    return b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81" + state + b"b"


MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."  # torch's legacy MAGIC_NUMBER pickle


def _joblib_padding_none() -> bytes:
    evil = exec_ops() + b"0"  # exec(...), POP
    data = bytes([len(evil) - 1]) + b"\x00" * 15  # an old scanner reading a padding byte skips exactly `evil`
    return b"\x80\x02" + joblib_wrapper(16, b"N") + data + evil + b"."


def _plain_reads_wrapper_bytes() -> bytes:
    """pickle.load builds the wrapper without reading any array: the 'array bytes' are opcodes."""
    evil = exec_ops() + b"0"
    return b"\x80\x02" + joblib_wrapper(len(evil), b"N") + evil + b"."


def _legacy_second_pickle_long_line() -> bytes:
    """torch legacy: magic, then a protocol pickle whose 2 MiB text argument hides exec."""
    return MAGIC + b"\x80\x02S'" + b"a" * (2 << 20) + b"'\n0" + exec_ops() + b"0K\x01."


def _legacy_second_pickle_model_limit() -> bytes:
    """torch legacy: magic, then a pickle with a joblib wrapper whose shape is not static (a scanner
    that calls that 'unparsable' and the rest 'data' misses the exec a plain unpickler runs)."""
    wrapper = b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}(" + _bu("shape") + b"cbuiltins\ntuple\n)R" + b"ub"
    return MAGIC + b"\x80\x02" + wrapper + b"0" + exec_ops() + b"0K\x01."


def _legacy_tar(first: str, pickle_member: bytes, storages: bytes | None = None) -> bytes:
    return tar_of(
        [
            (first, b"x"),
            ("storages", storages or pickle.dumps(0, protocol=2) + pickle.dumps([], protocol=2)),
            ("tensors", pickle.dumps(0, protocol=2)),
            ("pickle", pickle_member),
        ]
    )


def _nemo(compress: bool) -> bytes:
    members = [
        ("./model_config.yaml", b"target: nemo.collections.asr.models.EncDecCTCModel\n"),
        ("./model_weights.ckpt", p2()),
    ]
    return tar_of(members, "w:gz" if compress else "w")


def _forged_manifest() -> bytes:
    return json.dumps(
        {
            "format": "openaudit-capture",
            "version": 1,
            "target": {"id": "trusted-org/blessed-model", "source": "hub", "revision": None, "path": None},
            "commit_sha": "0" * 40,
            "offline": True,
            "base_url": None,
            "network": {"requests": 0, "bytes": 0},
            "refs": [],
            "notes": [],
            "api": {},
            "scans": {},
            "files": [],
            "texts": {},
            "safetensors_headers": {},
            "head_bytes": {},
        }
    ).encode()


PICKLE_LOAD = "import pickle; pickle.load(open({path!r}, 'rb'))"
TORCH_LOAD = "import torch; torch.load({path!r}, weights_only=False)"
NP_LOAD = "import numpy; numpy.load({path!r}, allow_pickle=True)"
JOBLIB_LOAD = "import joblib; joblib.load({path!r})"


def _pl(path: str) -> str:
    return PICKLE_LOAD.format(path=path)


def _evil_card(**extra: bytes) -> dict[str, bytes]:
    return {"README.md": CARD.encode(), "config.json": CONFIG.encode(), **extra}


CASES: dict[str, Case] = {
    # -- the repo configures its own audit: a forged capture manifest beside a pickle -------------
    "capture_forged": Case(
        "capture manifest trusted",
        _evil_card(**{".openaudit-capture.json": _forged_manifest(), "pytorch_model.bin": p2()}),
        _pl("pytorch_model.bin"),
    ),
    "capture_symlinked": Case(
        "capture manifest trusted",
        _evil_card(**{"pytorch_model.bin": p2()}),
        _pl("pytorch_model.bin"),
        symlinks={".openaudit-capture.json": ("elsewhere.json", _forged_manifest())},
    ),
    # -- allowlist by prefix / dotted names ---------------------------------------------------------
    "prefix_numpy_dtypes": Case(
        "allowlist by prefix",
        _evil_card(**{"model.pkl": dotted("numpy.dtypes", "__builtins__.get")}),
        _pl("model.pkl"),
        needs=("numpy",),
    ),
    "prefix_torch_utils": Case(
        "allowlist by prefix",
        _evil_card(**{"model.pkl": dotted("torch._utils", "__builtins__.get")}),
        _pl("model.pkl"),
        needs=("torch",),
    ),
    "dunder_collections": Case(
        "allowlist by prefix", _evil_card(**{"model.pkl": dotted("collections", "__builtins__.get")}), _pl("model.pkl")
    ),
    "unlisted_step_pathlib": Case(
        "allowlist by prefix",
        _evil_card(
            **{
                "model.pkl": b"\x80\x04"
                + _sbu("pathlib")
                + _sbu("os.system")
                + b"\x93"
                + _sbu("touch MARKER")
                + b"\x85R."
            }
        ),
        _pl("model.pkl"),
    ),
    # -- content sniffing fooled -----------------------------------------------------------------------
    "gguf_looking_pickle": Case(
        "content sniffing fooled",
        _evil_card(**{"model.gguf": b"GGUF" + b"\x03\x00\x00\x00\x00" + p2()}),
        _pl("model.gguf"),
    ),
    "safetensors_looking_pickle": Case(
        "content sniffing fooled",
        _evil_card(**{"model.safetensors": b"G\x00\x10\x00\x00\x00\x00\x00{" + p2()}),
        _pl("model.safetensors"),
    ),
    "npy_object_lowercase": Case(
        "content sniffing fooled",
        _evil_card(**{"emb.npy": npy("object", p2())}),
        NP_LOAD.format(path="emb.npy"),
        needs=("numpy",),
    ),
    "npy_structured_object": Case(
        "content sniffing fooled",
        _evil_card(**{"emb.npy": npy("i4,O", p2())}),
        NP_LOAD.format(path="emb.npy"),
        needs=("numpy",),
    ),
    "npz_member_no_suffix": Case(
        "content sniffing fooled",
        _evil_card(**{"arrays.npz": zip_of({"arr": npy("|O", p2())})}),
        "import numpy; numpy.load('arrays.npz', allow_pickle=True)['arr']",
        needs=("numpy",),
    ),
    "npz_member_odd_suffix": Case(
        "content sniffing fooled",
        _evil_card(**{"arrays.npz": zip_of({"w.bin": npy("|O", p2()), "ok.npy": npy("<f4", b"\x00" * 4)})}),
        "import numpy; numpy.load('arrays.npz', allow_pickle=True)['w.bin']",
        needs=("numpy",),
    ),
    "torch_zip_npy_member": Case(
        "content sniffing fooled",
        _evil_card(
            **{
                "pytorch_model.bin": zip_of(
                    {
                        "archive/data.pkl": pickle.dumps({}, protocol=2),
                        "archive/version": b"3\n",
                        "archive/extra": npy("|O", p2()),
                    }
                )
            }
        ),
        "import numpy; numpy.load('pytorch_model.bin', allow_pickle=True)['archive/extra']",
        needs=("numpy",),
    ),
    "joblib_padding_none": Case(
        "content sniffing fooled",
        _evil_card(**{"model.joblib": _joblib_padding_none()}),
        JOBLIB_LOAD.format(path="model.joblib"),
        needs=("joblib", "numpy"),
    ),
    "joblib_bytes_read_by_pickle": Case(
        "content sniffing fooled",
        _evil_card(**{"model.pkl": _plain_reads_wrapper_bytes()}),
        _pl("model.pkl"),
        needs=("joblib", "numpy"),
    ),
    "joblib_gzip": Case(
        "content sniffing fooled",
        _evil_card(**{"model.joblib": gzip.compress(p2())}),
        JOBLIB_LOAD.format(path="model.joblib"),
        needs=("joblib",),
    ),
    # -- stop at the first pickle ----------------------------------------------------------------------
    "second_pickle_long_line": Case(
        "stop at the first pickle",
        _evil_card(**{"pytorch_model.bin": _legacy_second_pickle_long_line()}),
        TORCH_LOAD.format(path="pytorch_model.bin"),
        needs=("torch",),
    ),
    "second_pickle_model_limit": Case(
        "stop at the first pickle",
        _evil_card(**{"pytorch_model.bin": _legacy_second_pickle_model_limit()}),
        TORCH_LOAD.format(path="pytorch_model.bin"),
        needs=("torch", "joblib"),
    ),
    "second_pickle_loop_loader": Case(
        "stop at the first pickle",
        _evil_card(
            **{
                "shards.pkl": pickle.dumps([1], protocol=2)
                + b"\x80\x02S'"
                + b"b" * (2 << 20)
                + b"'\n0"
                + exec_ops()
                + b"."
            }
        ),
        "import pickle; f = open('shards.pkl', 'rb'); pickle.load(f); pickle.load(f)",
    ),
    "legacy_tar_odd_first_name": Case(
        "stop at the first pickle",
        _evil_card(**{"pytorch_model.bin": _legacy_tar("(N.", p2())}),
        TORCH_LOAD.format(path="pytorch_model.bin"),
        needs=("torch",),
    ),
    "legacy_tar_evil_storages": Case(
        "stop at the first pickle",
        _evil_card(
            **{
                "pytorch_model.bin": _legacy_tar(
                    "N.",
                    pickle.dumps({}, protocol=2),
                    storages=b"\x80\x02" + exec_ops() + b"0K\x00." + pickle.dumps([], protocol=2),
                )
            }
        ),
        TORCH_LOAD.format(path="pytorch_model.bin"),
        needs=("torch",),
    ),
    # -- files never scanned ---------------------------------------------------------------------------
    "nemo_archive": Case(
        "files never scanned",
        _evil_card(**{"model.nemo": _nemo(False)}),
        "import tarfile, torch; tarfile.open('model.nemo').extractall('x', filter='data'); "
        "torch.load('x/model_weights.ckpt', weights_only=False)",
        needs=("torch",),
    ),
    "nemo_archive_gz": Case(
        "files never scanned",
        _evil_card(**{"model.nemo": _nemo(True)}),
        "import tarfile, torch; tarfile.open('model.nemo').extractall('x', filter='data'); "
        "torch.load('x/model_weights.ckpt', weights_only=False)",
        needs=("torch",),
    ),
    "tar_of_weights": Case(
        "files never scanned",
        _evil_card(**{"weights.tar": tar_of([("pytorch_model.bin", p2())])}),
        "import tarfile, pickle; pickle.load(tarfile.open('weights.tar').extractfile('pytorch_model.bin'))",
    ),
    "tar_any_name": Case(
        "files never scanned",
        _evil_card(**{"weights.dat": tar_of([("w.pkl", p2())])}),
        "import tarfile, pickle; pickle.load(tarfile.open('weights.dat').extractfile('w.pkl'))",
    ),
    "zip_any_name": Case(
        "files never scanned",
        _evil_card(**{"weights.dat": zip_of({"archive/data.pkl": p2(), "archive/version": b"3\n"})}),
        TORCH_LOAD.format(path="weights.dat"),
        needs=("torch",),
    ),
    "pickle_txt_extension": Case("files never scanned", _evil_card(**{"notes.txt": p0()}), _pl("notes.txt")),
    "pickle_license_name": Case("files never scanned", _evil_card(**{"LICENSE": p0()}), _pl("LICENSE")),
    "pickle_notice_md": Case("files never scanned", _evil_card(**{"NOTICE.md": p0()}), _pl("NOTICE.md")),
    "pickle_vocab_txt": Case("files never scanned", _evil_card(**{"vocab.txt": p0()}), _pl("vocab.txt")),
    "pickle_no_extension": Case("files never scanned", _evil_card(**{"weights": p2()}), _pl("weights")),
    "training_args_unscannable": Case(
        "files never scanned",
        _evil_card(**{"training_args.bin": unknown_global("zipfile", "ZipFile", "MARKER", "w")}),
        _pl("training_args.bin"),
        outcomes=("not_available",),
    ),
    "optimizer_pt_unscannable": Case(
        "files never scanned",
        _evil_card(
            **{
                "optimizer.pt": zip_of(
                    {"archive/data.pkl": unknown_global("sqlite3", "connect", "MARKER"), "archive/version": b"3\n"}
                )
            }
        ),
        TORCH_LOAD.format(path="optimizer.pt"),
        outcomes=("not_available",),
        needs=("torch",),
    ),
    "beyond_listing_cap": Case(
        "files never scanned",
        _evil_card(**{f"a{i:02d}.txt": b"filler\n" for i in range(8)}, **{"zz.bin": p2()}),
        _pl("zz.bin"),
        outcomes=("not_available",),
        max_files=6,
    ),
    # -- remote code hidden --------------------------------------------------------------------------------
    "auto_map_escaped_nan": Case(
        "remote code hidden",
        {
            "README.md": CARD.encode(),
            "config.json": b'{"model_type": "bert", "auto\\u005fmap": {"AutoModel": "modeling_evil.Evil"}, "x": NaN}',
            "modeling_evil.py": b"import os\nos.system('true')\n",
        },
        "import json; c = json.loads(open('config.json').read()); 'auto_map' in c and open('MARKER', 'w').write('pwned')",
        probe=R,
        outcomes=("fail",),
    ),
    "auto_map_duplicate_last": Case(
        "remote code hidden",
        {
            "README.md": CARD.encode(),
            "config.json": b'{"auto_map": {}, "model_type": "bert", "auto_map": {"AutoModel": "m.M"}}',
            "m.py": b"class M: pass\n",
        },
        "import json; c = json.loads(open('config.json').read()); c['auto_map'] and open('MARKER', 'w').write('pwned')",
        probe=R,
        outcomes=("fail",),
    ),
    "auto_map_duplicate_first": Case(
        "remote code hidden",
        {
            "README.md": CARD.encode(),
            "config.json": b'{"auto_map": {"AutoModel": "m.M"}, "model_type": "bert", "auto_map": {}}',
        },
        None,
        probe=R,
        outcomes=("not_available",),
    ),
    "auto_map_deep_config": Case(
        "remote code hidden",
        {"README.md": CARD.encode(), "config.json": b'{"model_type": "bert", "n": ' + b"[" * 1200 + b"]" * 1200 + b"}"},
        None,
        probe=R,
        outcomes=("not_available",),
    ),
    "tokenizer_auto_map_escaped": Case(
        "remote code hidden",
        {
            "README.md": CARD.encode(),
            "config.json": CONFIG.encode(),
            "tokenizer_config.json": b'{"auto\\u005fmap": {"AutoTokenizer": ["tok.T", null]}, "a": Infinity}',
        },
        "import json; c = json.loads(open('tokenizer_config.json').read()); 'auto_map' in c and open('MARKER', 'w').write('pwned')",
        probe=R,
        outcomes=("fail",),
    ),
}


def build(name: str, root: Path) -> Path:
    return CASES[name].build(root)
