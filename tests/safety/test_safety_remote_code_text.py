"""Remote-code summary (AST only) and text decoding."""

from __future__ import annotations

import codecs
import json

from openaudit.base.text import decode_text, has_bidi_controls
from openaudit.model import FileEntry, Snapshot, SourceKind, Target
from openaudit.safety.remote_code import analyse_python, summarize


def snap(texts: dict[str, str], extra_files: tuple[str, ...] = ()) -> Snapshot:
    files = tuple(FileEntry(p, len(t)) for p, t in texts.items()) + tuple(FileEntry(p, 10) for p in extra_files)
    return Snapshot(target=Target("t", SourceKind.LOCAL, path="/x"), commit_sha=None, files=files, texts=texts)


MODELING = """import os
import subprocess as sp
from requests import get
from os import system as run
import torch

class M:
    def __init__(self):
        os.system("true")
        sp.check_output(["true"])
        run("true")
        get("http://127.0.0.1/")
        eval("1+1")
        torch.load("x.bin")
"""


def test_auto_map_flags_and_ast_summary():
    cfg = json.dumps(
        {"architectures": ["M"], "auto_map": {"AutoModel": "modeling_m.M", "AutoConfig": "configuration_m.C"}}, indent=2
    )
    s = summarize(snap({"config.json": cfg, "modeling_m.py": MODELING}))
    assert s.flagged
    assert s.auto_map["config.json"] == ["configuration_m.C", "modeling_m.M"]
    assert s.imports["modeling_m.py"] == ["os", "requests", "subprocess", "torch"]
    assert s.risky_calls["modeling_m.py"] == [
        "eval",
        "os.system",
        "requests.get",
        "subprocess.check_output",
        "torch.load",
    ]
    auto_ev = [e for e in s.evidence if e.field == "auto_map"]
    assert auto_ev and auto_ev[0].line == 5 and auto_ev[0].path == "config.json"
    lines = {e.line for e in s.evidence if e.kind == "line" and e.path == "modeling_m.py"}
    assert {9, 10, 11, 12, 13, 14} <= lines
    # configuration_m.py is named by auto_map but absent
    assert any(e.kind == "absence" and e.path == "configuration_m.py" for e in s.evidence)


def test_custom_pipelines_and_tokenizer_auto_map():
    cfg = json.dumps({"custom_pipelines": {"text-x": {"impl": "pipe.py"}}})
    tok = json.dumps({"auto_map": {"AutoTokenizer": ["tok.T", None]}})
    s = summarize(snap({"config.json": cfg, "tokenizer_config.json": tok}))
    assert s.flagged and set(s.auto_map) == {"config.json", "tokenizer_config.json"}


def test_sentence_transformers_modules_from_outside_the_library():
    """modules.json types outside sentence_transformers are loaded from the repository's own module."""
    own = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]
    s = summarize(snap({"modules.json": json.dumps(own)}))
    assert not s.flagged
    custom = [*own, {"idx": 1, "name": "1", "path": "1_X", "type": "custom_st.Pooler"}]
    s = summarize(snap({"modules.json": json.dumps(custom, indent=1), "custom_st.py": MODELING}))
    assert s.flagged and s.auto_map == {"modules.json": ["custom_st.Pooler"]}
    ev = next(e for e in s.evidence if e.path == "modules.json")
    assert ev.line == 12 and "custom_st.Pooler" in ev.snippet
    assert any(e.path == "custom_st.py" and "named by the configuration" in e.snippet for e in s.evidence)
    assert summarize(snap({"modules.json": "[{broken"})).unverified["modules.json"]


def test_custom_generate_is_remote_code():
    s = summarize(snap({"config.json": json.dumps({"model_type": "llama"}), "custom_generate/generate.py": MODELING}))
    assert s.flagged and s.auto_map == {"custom_generate/generate.py": ["custom_generate"]}
    assert "os.system" in s.risky_calls["custom_generate/generate.py"]
    s = summarize(snap({"config.json": "{}"}, extra_files=("custom_generate/generate.py",)))  # unread: still flagged
    assert s.flagged and "custom_generate/generate.py" in s.errors


def test_plain_repo_not_flagged_and_scripts_summarised():
    s = summarize(snap({"config.json": json.dumps({"model_type": "bert"}), "train.py": "import torch\nprint(1)\n"}))
    assert not s.flagged
    assert s.imports == {"train.py": ["torch"]} and s.risky_calls == {}
    assert s.python_files == ("train.py",)


def test_broken_python_and_configs_are_recorded_not_raised():
    texts = {
        "config.json": '{"auto_map": {"AutoModel": "m.M"}, "auto_map": {}}',  # duplicate key
        "bad.py": "def f(:\n",
        "deep.py": "x = " + "(" * 500 + "1" + ")" * 500 + "\n",
        "nul.py": "x = 1\x00\n",
    }
    s = summarize(snap(texts, extra_files=("big.py",)))
    # transformers' json.loads keeps the LAST duplicate (an empty auto_map): not flagged, but the strict
    # parser refused the file, so the config is recorded as unverified (code.no_remote_code never passes)
    assert not s.flagged and "config.json" in s.unverified
    t = summarize(snap({"config.json": '{"auto_map": {}, "auto_map": {"AutoModel": "m.M"}, "x": NaN}'}))
    assert t.flagged and t.auto_map["config.json"] == ["m.M"]  # the last duplicate, as json.loads sees it
    assert "syntax error" in s.errors["bad.py"]
    assert set(s.errors) >= {"bad.py", "deep.py", "nul.py", "big.py"}
    assert "not read" in s.errors["big.py"]


def test_analyse_python_never_imports():
    mods, calls = analyse_python("import this_module_does_not_exist_xyz\n__import__('os').system('true')\n")
    assert mods == ["this_module_does_not_exist_xyz"]
    assert ("__import__", 2) in calls


def test_decode_text_variants():
    assert decode_text("héllo".encode()) == ("héllo", "utf-8")
    assert decode_text(codecs.BOM_UTF8 + b"x") == ("x", "utf-8")
    assert decode_text(codecs.BOM_UTF16_LE + "card ü".encode("utf-16-le"))[0] == "card ü"
    assert decode_text(codecs.BOM_UTF16_BE + "card".encode("utf-16-be"))[0] == "card"
    assert decode_text(codecs.BOM_UTF32_LE + "card".encode("utf-32-le"))[0] == "card"
    assert decode_text("# Model card, no BOM".encode("utf-16-le")) == ("# Model card, no BOM", "utf-16-le")
    text, reason = decode_text("café".encode("latin-1"))
    assert text is None and "offset 3" in reason
    assert decode_text(b"\xed\xa0\x80 lone surrogate")[0] is None
    assert decode_text(b"a\x00b")[0] is None
    assert decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8")[0] is None  # lone high surrogate in UTF-16
    assert decode_text("x")[0] is None  # type: ignore[arg-type]
    assert has_bidi_controls("abc\u202edef") and not has_bidi_controls("abc")
