"""Remote code: does the repository need ``trust_remote_code`` (``auto_map``, ``custom_pipelines``,
sentence-transformers modules from outside the library, ``custom_generate/generate.py``),
and what do its Python files import and call? Static only: ``ast.parse`` of the text the source
already read — never imported, compiled to bytecode, or run."""

from __future__ import annotations

import ast
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from openaudit.base.parse import ParseProblem, load_json
from openaudit.model import Evidence, Snapshot

MAX_AST_NODES = 200_000

_RISKY_EXACT = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "breakpoint",
    "open",
    "os.system",
    "os.popen",
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.fork",
    "os.kill",
    "os.putenv",
    "shutil.rmtree",
    "shutil.move",
    "importlib.import_module",
    "importlib.util.spec_from_file_location",
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "cPickle.load",
    "cPickle.loads",
    "dill.load",
    "dill.loads",
    "marshal.loads",
    "marshal.load",
    "torch.load",
    "joblib.load",
    "numpy.load",
    "np.load",
    "yaml.load",
    "yaml.unsafe_load",
    "yaml.full_load",
    "runpy.run_path",
    "runpy.run_module",
    "pty.spawn",
    "webbrowser.open",
    "urllib.urlopen",
    "urllib2.urlopen",
    "ctypes.CDLL",
    "ctypes.cdll.LoadLibrary",
}
_RISKY_PREFIX = (
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "requests.",
    "httpx.",
    "urllib.request.",
    "urllib3.",
    "http.client.",
    "socket.",
    "ftplib.",
    "smtplib.",
    "paramiko.",
    "ctypes.",
)


@dataclass(frozen=True)
class RemoteCodeSummary:
    flagged: bool  # the repo asks for trust_remote_code (auto_map / custom_pipelines)
    evidence: tuple[Evidence, ...] = ()
    imports: dict[str, list[str]] = field(default_factory=dict)  # .py path -> top modules imported
    risky_calls: dict[str, list[str]] = field(default_factory=dict)  # .py path -> risky callables
    errors: dict[str, str] = field(default_factory=dict)  # .py path -> why it was not analysed
    python_files: tuple[str, ...] = ()
    auto_map: dict[str, list[str]] = field(default_factory=dict)  # config path -> class references
    # configs the hardened parser refused and whose loader view shows no auto_map either: path -> why
    unverified: dict[str, str] = field(default_factory=dict)


def _line_of(text: str, needle: str) -> int | None:
    idx = text.find(needle)
    return text.count("\n", 0, idx) + 1 if idx >= 0 else None


def _refs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _is_risky(name: str) -> bool:
    return name in _RISKY_EXACT or name.startswith(_RISKY_PREFIX)


def analyse_python(text: str) -> tuple[list[str], list[tuple[str, int]]]:
    """(modules imported, [(risky callable, line)]) of Python source. Raises SyntaxError/ValueError/
    RecursionError/MemoryError for text that cannot be parsed."""
    tree = ast.parse(text, mode="exec")
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_AST_NODES:
        raise ValueError(f"more than {MAX_AST_NODES} syntax nodes")
    aliases: dict[str, str] = {}
    imports: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                imports.add(a.name)
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            mod = ("." * node.level) + (node.module or "")
            imports.add(mod)
            for a in node.names:
                aliases[a.asname or a.name] = f"{mod}.{a.name}" if node.module else a.name
    calls: list[tuple[str, int]] = []
    for node in nodes:
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name is None:
                continue
            head, _, rest = name.partition(".")
            full = aliases.get(head, head) + (f".{rest}" if rest else "")
            if _is_risky(full):
                calls.append((full, getattr(node, "lineno", 0)))
    return sorted(imports), calls


def loader_view(text: str) -> Any:
    """A config as transformers reads it (``json.loads``: escapes decoded, duplicate keys — last
    wins —, NaN accepted). Deliberately NOT the hardened parser: this is what the loader would act on,
    used only to see a remote-code request the hardened parser refused to read. None when even
    ``json.loads`` fails (the loader would fail too). The text is already size-capped by the source."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        return None


def _config_flags(
    snapshot: Snapshot, evidence: list[Evidence], auto: dict[str, list[str]], unverified: dict[str, str]
) -> set[str]:
    """auto_map / custom_pipelines in any *config.json or model_index.json; returns .py files named."""
    named: set[str] = set()
    for path in sorted(snapshot.texts):
        base = posixpath.basename(path)
        if not (base.endswith("config.json") or base == "model_index.json"):
            continue
        text = snapshot.texts[path]
        how = ""
        try:
            doc = load_json(text, source=path)
        except ParseProblem as exc:
            doc = loader_view(text)
            how = f" (read as transformers reads it: the strict parser refused the file: {exc.reason})"
            flagged = isinstance(doc, dict) and (
                (isinstance(doc.get("auto_map"), dict) and doc["auto_map"]) or doc.get("custom_pipelines")
            )
            if not flagged:
                unverified[path] = exc.reason
                continue
        if not isinstance(doc, dict):
            continue
        folder = posixpath.dirname(path)
        amap = doc.get("auto_map")
        if isinstance(amap, dict) and amap:
            refs = sorted({r for v in amap.values() for r in _refs(v)})
            auto[path] = refs
            line = _line_of(text, '"auto_map"') or _line_of(text, "auto")
            evidence.append(
                Evidence(kind="line", path=path, line=line, field="auto_map", snippet=(", ".join(refs) + how)[:200])
            )
            for r in refs:
                mod = r.split("--")[-1].rsplit(".", 1)[0]
                if re.fullmatch(r"[A-Za-z_][\w.]*", mod):
                    named.add(posixpath.join(folder, mod.replace(".", "/") + ".py"))
        pipes = doc.get("custom_pipelines")
        if pipes:
            auto.setdefault(path, [])
            evidence.append(
                Evidence(
                    kind="line",
                    path=path,
                    line=_line_of(text, '"custom_pipelines"'),
                    field="custom_pipelines",
                    snippet=(str(pipes) + how)[:200],
                )
            )
            if isinstance(pipes, dict):
                for spec in pipes.values():
                    impl = spec.get("impl") if isinstance(spec, dict) else None
                    if isinstance(impl, str):
                        named.add(posixpath.join(folder, impl))
    return named


def _library_flags(
    snapshot: Snapshot, evidence: list[Evidence], auto: dict[str, list[str]], unverified: dict[str, str]
) -> set[str]:
    """Code the libraries run from the repository without an auto_map: a sentence-transformers
    ``modules.json`` module whose type is not sentence-transformers' own (loaded from the repository's
    ``<module>.py`` with trust_remote_code, or from another package), and ``custom_generate/generate.py``
    (transformers' ``generate`` runs it with trust_remote_code). Returns the .py files named."""
    named: set[str] = set()
    for path in sorted(snapshot.texts):
        if posixpath.basename(path) != "modules.json":
            continue
        text = snapshot.texts[path]
        try:
            doc = load_json(text, source=path)
        except ParseProblem as exc:
            unverified[path] = exc.reason
            continue
        types = [m.get("type") for m in doc if isinstance(m, dict)] if isinstance(doc, list) else []
        custom = sorted({t for t in types if isinstance(t, str) and not t.startswith("sentence_transformers.")})
        if not custom:
            continue
        auto[path] = custom
        evidence.append(
            Evidence(
                kind="line",
                path=path,
                line=_line_of(text, custom[0]),
                field="type",
                snippet=f"sentence-transformers modules from outside the library: {', '.join(custom)}"[:200],
            )
        )
        folder = posixpath.dirname(path)
        for t in custom:
            mod = t.rsplit(".", 1)[0]
            if re.fullmatch(r"[A-Za-z_][\w.]*", mod):
                named.add(posixpath.join(folder, mod.replace(".", "/") + ".py"))
    for f in snapshot.files:
        if f.path == "custom_generate/generate.py" or f.path.endswith("/custom_generate/generate.py"):
            auto[f.path] = ["custom_generate"]
            named.add(f.path)
            evidence.append(
                Evidence(kind="file", path=f.path, snippet="generate() runs this file with trust_remote_code")
            )
    return named


def summarize(snapshot: Snapshot) -> RemoteCodeSummary:
    evidence: list[Evidence] = []
    auto: dict[str, list[str]] = {}
    unverified: dict[str, str] = {}
    named = _config_flags(snapshot, evidence, auto, unverified) | _library_flags(snapshot, evidence, auto, unverified)
    py_files = sorted(f.path for f in snapshot.files if f.path.endswith(".py"))
    imports: dict[str, list[str]] = {}
    risky: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for path in py_files:
        evidence.append(
            Evidence(
                kind="file",
                path=path,
                snippet="code a loader runs (named by the configuration)" if path in named else "python file",
            )
        )
        text = snapshot.texts.get(path)
        if text is None:
            errors[path] = "not read (too large or not text)"
            continue
        try:
            mods, calls = analyse_python(text)
        except SyntaxError as exc:
            errors[path] = f"syntax error at line {exc.lineno}: {exc.msg}"
            continue
        except (ValueError, RecursionError, MemoryError, TypeError) as exc:
            errors[path] = f"not parsable: {' '.join(str(exc).split())[:120] or type(exc).__name__}"
            continue
        imports[path] = mods
        if calls:
            risky[path] = sorted({c for c, _ in calls})
            for name, line in sorted(set(calls), key=lambda c: (c[1], c[0]))[:20]:
                evidence.append(Evidence(kind="line", path=path, line=line, snippet=f"calls {name}"))
    for path in sorted(named - set(py_files)):
        evidence.append(
            Evidence(
                kind="absence", path=path, snippet="auto_map names this module but the file is not in the repository"
            )
        )
    return RemoteCodeSummary(
        flagged=bool(auto),
        evidence=tuple(evidence),
        imports=imports,
        risky_calls=risky,
        errors=errors,
        python_files=tuple(py_files),
        auto_map=auto,
        unverified=unverified,
    )
