"""Hostile fixture repositories, built at test time in tmp_path.

Payloads are inert opcode bytes: the pickles *name* os.system / builtins.eval / subprocess.call with
the argument "true", and nothing in the test suite ever loads them. Each builder writes one repo
folder and returns (path, expectation) where the expectation says which finding must report it.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from pathlib import Path

CARD = "---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# Hostile fixture\n\nA model card.\n"


# ---- pickle payloads (hand-assembled opcodes) ---------------------------------------------------


def p_global(module: str, name: str, arg: str = "true", proto: int = 2) -> bytes:
    """GLOBAL module.name, call it with one string: ``module.name(arg)`` when unpickled."""
    a = arg.encode()
    return (
        bytes([0x80, proto]) + b"c" + f"{module}\n{name}\n".encode() + b"X" + struct.pack("<I", len(a)) + a + b"\x85R."
    )


def p_stack_global(module: str, name: str, arg: str = "true") -> bytes:
    def s(x: str) -> bytes:
        b = x.encode()
        return b"\x8c" + bytes([len(b)]) + b + b"\x94"  # SHORT_BINUNICODE + MEMOIZE

    return b"\x80\x04" + s(module) + s(name) + b"\x93" + s(arg) + b"\x85R."


def p_memo_obfuscated(module: str, name: str) -> bytes:
    """Operands stored in the memo first, unrelated values pushed and popped, then fetched with GET."""
    m, n = module.encode(), name.encode()
    return (
        b"\x80\x04"
        + b"\x8c"
        + bytes([len(m)])
        + m
        + b"q\x07"
        + b"0"  # BINPUT 7, POP
        + b"\x8c"
        + bytes([len(n)])
        + n
        + b"q\x09"
        + b"0"
        + b"K\x01"
        + b"0"
        + b"h\x07"
        + b"h\x09"
        + b"\x93"
        + b"\x8c\x04true\x85R."
    )


def p_unresolvable() -> bytes:
    """STACK_GLOBAL whose module operand is computed by a call (str('os')): not a static string."""
    return (
        b"\x80\x04"
        + b"\x8c\x08builtins\x8c\x03str\x93"
        + b"\x8c\x02os\x85R"
        + b"\x8c\x06system\x93"
        + b"\x8c\x04true\x85R."
    )


def p_inst(module: str, name: str) -> bytes:
    """Protocol 0 INST opcode."""
    return b"(S'true'\ni" + f"{module}\n{name}\n".encode() + b"."


def p_clean() -> bytes:
    import pickle

    return pickle.dumps({"weights": [1.0, 2.0], "step": 3}, protocol=4)


def torch_zip(pkl: bytes, root: str = "archive") -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{root}/data.pkl", pkl)
        z.writestr(f"{root}/version", "3\n")
        z.writestr(f"{root}/data/0", b"\x00" * 16)
    return buf.getvalue()


def npy_object(pkl: bytes) -> bytes:
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + pkl


def safetensors_file(header: dict | bytes, data: bytes = b"", declared: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if declared is None else declared
    return struct.pack("<Q", n) + raw + data


def st_ok() -> dict:
    return {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}


# ---- repo writers -------------------------------------------------------------------------------


def make_repo(root: Path, files: dict[str, bytes | str], card: str | bytes | None = CARD) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if card is not None:
        (root / "README.md").write_bytes(card.encode() if isinstance(card, str) else card)
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


CONFIG = json.dumps({"architectures": ["BertModel"], "model_type": "bert"})

# name -> (files, expected dangerous global or None)
PICKLE_CASES: dict[str, tuple[dict[str, bytes], str]] = {
    "global_os_system": ({"pytorch_model.bin": p_global("os", "system")}, "os.system"),
    "global_posix_system": ({"model.pt": p_global("posix", "system")}, "posix.system"),
    "builtins_eval": ({"model.ckpt": p_global("builtins", "eval", "1+1")}, "builtins.eval"),
    "py2_builtin_exec": ({"model.pkl": p_global("__builtin__", "exec", "pass")}, "builtins.exec"),
    "builtins_getattr": ({"model.pth": p_global("builtins", "getattr")}, "builtins.getattr"),
    "subprocess_stack_global": ({"model.bin": p_stack_global("subprocess", "check_output")}, "subprocess.check_output"),
    "memo_obfuscated": ({"model.bin": p_memo_obfuscated("os", "system")}, "os.system"),
    "unresolvable_stack_global": ({"model.bin": p_unresolvable()}, "STACK_GLOBAL"),
    "inst_protocol0": ({"model.bin": p_inst("subprocess", "call")}, "subprocess.call"),
    "runpy": ({"model.bin": p_global("runpy", "run_path", "x.py")}, "runpy.run_path"),
    "nested_torch_load": ({"model.bin": p_global("torch.serialization", "load", "x.pt")}, "torch.serialization.load"),
    "torch_zip_bin": ({"pytorch_model.bin": torch_zip(p_global("os", "system"))}, "os.system"),
    "torch_zip_nested_dir": (
        {"ckpt/model.pt": torch_zip(p_stack_global("socket", "create_connection"), "x/y")},
        "socket.create_connection",
    ),
    "npy_object": ({"embeddings.npy": npy_object(p_global("os", "system"))}, "os.system"),
    "npz_object": ({"arrays.npz": b""}, "os.system"),  # filled in by build_pickle_case
    "safetensors_name_pickle_bytes": ({"model.safetensors": p_global("os", "system")}, "os.system"),
    "no_extension_pickle": ({"weights_file": p_global("os", "system")}, "os.system"),
    "concatenated_second_evil": ({"model.pkl": p_clean() + p_global("os", "system")}, "os.system"),
    "shell_webbrowser": ({"model.joblib": p_global("webbrowser", "open", "http://127.0.0.1/")}, "webbrowser.open"),
}


def build_pickle_case(root: Path, name: str) -> tuple[Path, str]:
    files, expected = PICKLE_CASES[name]
    files = dict(files)
    if name == "npz_object":
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("a.npy", npy_object(p_global("os", "system")))
        files = {"arrays.npz": buf.getvalue()}
    return make_repo(root, {"config.json": CONFIG, **files}), expected


def has_fifo() -> bool:
    return hasattr(os, "mkfifo")


def run_pipeline(path: Path):
    """sources -> collect -> probes on a folder, offline. Returns (snapshot, {probe id: Finding})."""
    from openaudit import collect, probes, sources

    snap = sources.resolve(str(path), offline=True)
    facts = collect.collect_all(snap)
    return snap, probes.run_probes(probes.ProbeContext(snapshot=snap, facts=facts))


def finding_text(f) -> str:
    """Everything a finding says (message, value, evidence) as one string for assertions."""
    parts = [f.message, json.dumps(f.value, default=str)]
    for e in f.evidence:
        parts.extend(str(x) for x in (e.path, e.snippet, e.field) if x)
    return " | ".join(parts)


BILLION_LAUGHS = (
    "---\n"
    + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    + "license: mit\n---\n# card\n"
)
DEEP_YAML = "---\nlicense: mit\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n# card\n"
DUP_YAML = "---\nlicense: mit\nlicense: apache-2.0\n---\n# card\n"
PYTHON_TAG = "---\nlicense: !!python/object/apply:os.system ['true']\n---\n# card\n"
MERGE_YAML = "---\nbase: &b {license: mit}\nother:\n  <<: *b\n---\n# card\n"
BINARY_YAML = "---\nlicense: !!binary aGVsbG8=\ndate: 2001-13-45\n---\n# card\n"


# name -> files (README.md given explicitly when it is the hostile part; None = no card)
REPO_CASES: dict[str, dict[str, bytes | str]] = {
    "st_huge_header_len": {"model.safetensors": safetensors_file(b"{}", declared=1 << 62)},
    "st_header_beyond_eof": {"model.safetensors": safetensors_file(b'{"a":1}', declared=5000)},
    "st_overlap": {
        "model.safetensors": safetensors_file(
            {
                "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
            },
            b"\x00" * 12,
        )
    },
    "st_out_of_bounds": {
        "model.safetensors": safetensors_file(
            {"a": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}, b"\x00" * 16
        )
    },
    "st_bad_dtype": {
        "model.safetensors": safetensors_file(
            {"a": {"dtype": "PY_OBJECT", "shape": [1], "data_offsets": [0, 8]}}, b"\x00" * 8
        )
    },
    "st_duplicate_keys": {
        "model.safetensors": safetensors_file(
            b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
            b"\x00" * 4,
        )
    },
    "st_not_json": {"model.safetensors": safetensors_file(b"{this is not json}", b"")},
    "st_shape_mismatch": {
        "model.safetensors": safetensors_file(
            {"a": {"dtype": "F32", "shape": [3, 3], "data_offsets": [0, 8]}}, b"\x00" * 8
        )
    },
    "st_truncated_file": {"model.safetensors": struct.pack("<Q", 10)[:5]},
    "st_deep_json": {"model.safetensors": safetensors_file(b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}")},
    "remote_code": {
        "config.json": json.dumps(
            {"architectures": ["EvilModel"], "auto_map": {"AutoModel": "modeling_evil.EvilModel"}}
        ),
        "modeling_evil.py": "import os\nimport subprocess\nos.system('true')\nsubprocess.run(['true'])\n"
        "raise SystemExit('openaudit must never import this file')\n",
        "model.safetensors": safetensors_file(st_ok(), b"\x00" * 16),
    },
    "remote_code_broken_py": {
        "config.json": json.dumps({"auto_map": {"AutoModel": "modeling_x.M"}}),
        "modeling_x.py": "def broken(:\n" + "(" * 300,
    },
    "yaml_billion_laughs": {"README.md": BILLION_LAUGHS},
    "yaml_deep_nesting": {"README.md": DEEP_YAML},
    "yaml_duplicate_keys": {"README.md": DUP_YAML},
    "yaml_python_tag": {"README.md": PYTHON_TAG},
    "yaml_merge_key": {"README.md": MERGE_YAML},
    "yaml_binary_bad_date": {"README.md": BINARY_YAML},
    "yaml_unclosed": {"README.md": "---\nlicense: [mit\nfoo: }\n---\n# card\n"},
    "card_huge": {"README.md": "---\nlicense: mit\n---\n" + "word " * 2_000_000},
    "config_duplicate_keys": {"config.json": '{"model_type": "bert", "model_type": "gpt2", "auto_map": {}}'},
    "config_nan_deep": {"config.json": '{"a": NaN, "b": ' + "[" * 3000 + "]" * 3000 + "}"},
    "config_binary": {"config.json": b"\x00\xff\xfe garbage"},
    "card_latin1": {"README.md": "---\nlicense: mit\n---\n# Modèle café\n".encode("latin-1")},
    "card_utf16_bom": {"README.md": "\ufeff---\nlicense: mit\n---\n# UTF-16 card\n".encode("utf-16")},
    "card_utf16_no_bom": {"README.md": "---\nlicense: mit\n---\n# UTF-16 card\n".encode("utf-16-le")},
    "card_lone_surrogate": {"README.md": b"---\nlicense: mit\n---\n# bad \xed\xa0\x80 surrogate\n"},
    "card_binary": {"README.md": os.urandom(4096)},
    "card_bidi_controls": {
        "README.md": "---\nlicense: mit\n---\n# Safe \u202eelif.exe\u202c model \x1b[31mred\x1b[0m\n"
    },
    "bidi_file_names": {"model\u202egnp.bin": p_global("os", "system"), "\x1b[2Jclear.txt": "x", "new\nline.md": "y"},
    "zip_bomb_ckpt": {"pytorch_model.bin": b""},  # filled by build_repo_case
    "encrypted_ckpt": {"pytorch_model.bin": b""},
    "corrupt_zip_ckpt": {"pytorch_model.bin": torch_zip(p_clean())[:-40]},
    "garbage_bin": {"pytorch_model.bin": b"\x00garbage" * 100},
    "empty_weights": {"pytorch_model.bin": b"", "model.safetensors": b""},
}


def build_repo_case(root: Path, name: str) -> Path:
    files = dict(REPO_CASES[name])
    if name == "zip_bomb_ckpt":
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("archive/data.pkl", b"\x80\x02" + b"N" * 8_000_000 + b".")
        files["pytorch_model.bin"] = buf.getvalue()
    if name == "encrypted_ckpt":
        data = bytearray(torch_zip(p_global("os", "system")))
        i = data.find(b"PK\x01\x02")
        while i >= 0:
            data[i + 8] |= 1
            i = data.find(b"PK\x01\x02", i + 4)
        files["pytorch_model.bin"] = bytes(data)
    card = None if "README.md" in files else CARD
    return make_repo(root, files, card=card)
