"""Imports sit at the top of a module (issue 14). A function-local import must name a module listed in
``openaudit.base.lazy.HEAVY`` (slow or optional, with its measured reason) or be one of the few,
commented entries of ``ALLOWED`` below; nothing the ``openaudit`` command imports at start-up reaches a
HEAVY module through top-level imports (checked on the source with ``ast``); and a plain local audit
(a safetensors model folder without a LICENSE file, JSON output, no configuration) imports none of them."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openaudit.base.lazy import HEAVY

PKG = Path(__file__).resolve().parents[2] / "openaudit"

# (file under openaudit/, imported module) -> why it stays inside a function. At most 40 entries.
ALLOWED: dict[tuple[str, str], str] = {}
MAX_ALLOWED = 40


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _covers(key: str, module: str) -> bool:
    return module == key or module.startswith(key + ".")


def heavy_key(module: str, importer: str) -> str | None:
    """The HEAVY key covering ``module`` imported from ``importer`` (the longest; None: not heavy).
    A key never covers imports made from inside itself: a heavy package's modules import each
    other at the top."""
    keys = [k for k in HEAVY if _covers(k, module) and not _covers(k, importer)]
    return max(keys, key=len) if keys else None


def _absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imported(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> list[str]:
    """The modules an import statement names: ``from pkg import sub`` names ``pkg`` and ``pkg.sub``."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    mod = _absolute(node, importer, is_package)
    return [mod] + [f"{mod}.{a.name}" for a in node.names if a.name != "*"]


def _statement_is_heavy(mods: list[str], importer: str) -> bool:
    # `from huggingface_hub import HfApi` names huggingface_hub (covered); `from openaudit.verify
    # import api` names openaudit.verify and openaudit.verify.api: one covered name is enough.
    return any(heavy_key(m, importer) for m in mods)


def local_imports(source: str, importer: str, is_package: bool = False) -> list[tuple[int, list[str]]]:
    """(line, modules) of every import statement inside a function body (nested ones once)."""
    out: list[tuple[int, list[str]]] = []

    class Visitor(ast.NodeVisitor):
        depth = 0

        def visit_FunctionDef(self, node: ast.AST) -> None:
            self.depth += 1
            self.generic_visit(node)
            self.depth -= 1

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
            if self.depth:
                out.append((node.lineno, imported(node, importer, is_package)))

        visit_ImportFrom = visit_Import

    Visitor().visit(ast.parse(source))
    return out


def offenders(source: str, rel: str, allowed: dict[tuple[str, str], str]) -> list[str]:
    """Function-local imports in ``source`` (file ``rel`` under openaudit/) that are neither heavy
    nor allowed, as ``file:line module``."""
    importer = module_name(PKG / rel)
    bad = []
    for line, mods in local_imports(source, importer, rel.endswith("__init__.py")):
        if _statement_is_heavy(mods, importer) or (rel, mods[0]) in allowed:
            continue
        bad.append(f"{rel}:{line} {mods[0]}")
    return bad


def _files() -> list[tuple[str, str]]:
    return [(p.relative_to(PKG).as_posix(), p.read_text(encoding="utf-8")) for p in sorted(PKG.rglob("*.py"))]


def test_function_local_imports_are_heavy_or_allowed() -> None:
    bad = [line for rel, src in _files() for line in offenders(src, rel, ALLOWED)]
    print("\n".join(bad))
    assert bad == [], (
        "imports inside functions of modules that are not in openaudit.base.lazy.HEAVY: move them to "
        "the top of the module, or list the module in HEAVY with its measured reason:\n" + "\n".join(bad)
    )


def test_allow_list_is_short_and_current() -> None:
    assert len(ALLOWED) <= MAX_ALLOWED
    used = {
        (rel, mods[0])
        for rel, src in _files()
        for _line, mods in local_imports(src, module_name(PKG / rel), rel.endswith("__init__.py"))
    }
    stale = sorted(set(ALLOWED) - used)
    assert stale == [], f"ALLOWED entries that no longer occur: {stale}"
    heavy = sorted(k for k in ALLOWED if heavy_key(k[1], module_name(PKG / k[0])))
    assert heavy == [], f"ALLOWED entries already covered by HEAVY: {heavy}"


def test_every_heavy_key_has_a_reason_and_a_use() -> None:
    uses: set[str] = set()
    for rel, src in _files():
        importer = module_name(PKG / rel)
        for _line, mods in local_imports(src, importer, rel.endswith("__init__.py")):
            uses.update(k for m in mods if (k := heavy_key(m, importer)))
    assert all(isinstance(r, str) and len(r.split()) >= 3 for r in HEAVY.values())
    assert sorted(set(HEAVY) - uses) == [], "HEAVY keys that nothing imports inside a function any more"


def test_the_check_catches_a_new_local_import() -> None:
    src = (
        "import json\n\n\ndef f():\n    import os\n    from openaudit.collect import card\n"
        "    import numpy\n    from openaudit.verify import api\n\n    def g():\n        import csv\n"
    )
    assert offenders(src, "collect/example.py", {}) == [
        "collect/example.py:5 os",
        "collect/example.py:6 openaudit.collect",
        "collect/example.py:11 csv",
    ]
    assert offenders(src, "collect/example.py", {("collect/example.py", "os"): "why"}) == [
        "collect/example.py:6 openaudit.collect",
        "collect/example.py:11 csv",
    ]
    # inside a heavy package its own modules are not heavy; from outside they are
    inner = "def f():\n    from openaudit.verify.plan import Plan\n    from openaudit.verify.replay import Replayer\n"
    assert offenders(inner, "verify/example.py", {}) == ["verify/example.py:2 openaudit.verify.plan"]
    assert offenders(inner, "api.py", {}) == []


def _type_checking_only(s: ast.stmt) -> bool:
    return isinstance(s, ast.If) and ast.unparse(s.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def _top_level_imports(path: Path) -> list[str]:
    """Modules imported when ``path`` is imported: statements outside any function or class body
    (module level, including under ``if``/``try``; not under ``if TYPE_CHECKING:``, which never runs)."""
    importer, is_pkg = module_name(path), path.name == "__init__.py"
    out: list[str] = []

    def walk(stmts: list[ast.stmt]) -> None:
        for s in stmts:
            if isinstance(s, (ast.Import, ast.ImportFrom)):
                out.extend(imported(s, importer, is_pkg))
            elif _type_checking_only(s):
                walk(getattr(s, "orelse", []))
            elif isinstance(s, (ast.If, ast.Try, ast.With)):
                for block in (
                    getattr(s, "body", []),
                    getattr(s, "orelse", []),
                    getattr(s, "finalbody", []),
                    *[h.body for h in getattr(s, "handlers", [])],
                ):
                    walk(block)

    walk(ast.parse(path.read_text(encoding="utf-8")).body)
    return out


def _file_of(module: str) -> Path | None:
    rel = Path(*module.split(".")[1:]) if module != "openaudit" else Path()
    for cand in (PKG / rel.with_suffix(".py") if module != "openaudit" else None, PKG / rel / "__init__.py"):
        if cand is not None and cand.is_file():
            return cand
    return None


@pytest.mark.parametrize("entry", ["openaudit.cli.main", "openaudit.api"])
def test_start_up_reaches_no_heavy_module(entry: str) -> None:
    """What ``import openaudit.cli.main`` (the console script) or ``import openaudit.api`` loads
    through top-level imports: none of it is covered by HEAVY."""
    seen: dict[str, str] = {}
    todo = [(entry, "")]
    while todo:
        mod, via = todo.pop()
        if mod in seen:
            continue
        seen[mod] = via
        if not _covers("openaudit", mod):
            continue
        parts = mod.split(".")
        todo += [(".".join(parts[:i]), mod) for i in range(1, len(parts))]  # parent packages run first
        path = _file_of(mod)
        if path is not None:
            todo += [(m, mod) for m in _top_level_imports(path)]
    heavy = sorted(f"{m} (imported by {seen[m]})" for m in seen if any(_covers(k, m) for k in HEAVY))
    assert heavy == []


_AUDIT = """
import json, sys
from openaudit.cli.main import main
rc = main(["audit", sys.argv[1], "-f", "json", "-o", sys.argv[2]])
print(json.dumps({"rc": rc, "modules": sorted(sys.modules)}))
"""


def test_a_plain_local_audit_imports_no_heavy_module(minilm: Path, tmp_path: Path) -> None:
    """What HEAVY claims: none of it is needed by a plain local audit (modules loaded at run time too,
    e.g. a renderer picked by name)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-c", _AUDIT, str(minilm), str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["rc"] == 0
    loaded = sorted(k for k in HEAVY if any(_covers(k, m) for m in res["modules"]))
    assert loaded == []
