"""What each entry of ``openaudit.base.lazy.HEAVY`` would add to a local audit if imported at module top.

A local audit (``openaudit audit FOLDER -f json``, run from an empty folder: no configuration file) runs
once in a child process to learn which modules it imports. Then, for every HEAVY key, fresh interpreters
first import all of those modules and then time the function-local import statements of openaudit/ that
the key covers, as written (``from huggingface_hub import HfApi`` loads what that name needs): the
median over N processes of the added milliseconds, and how many modules they added. A row also says
whether the local audit imported the key itself (then the figure is 0 and the entry needs another
reason), and "no local import" marks a key nothing imports inside a function any more.

Timed with a bytecode cache (a temporary PYTHONPYCACHEPREFIX when PYTHONDONTWRITEBYTECODE is set), as an
installed openaudit runs. The reasons in HEAVY quote these figures; the machine is shared, so compare
rows of one run rather than runs.

    python benchmarks/import_costs.py [FOLDER] [--runs N] [--only KEY[,KEY...]]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's HEAVY table
from audit_startup import default_folder  # benchmarks/, the script's folder, is on sys.path

from openaudit.base.lazy import HEAVY

_AUDIT = """
import json, sys
from openaudit.cli.main import main
main(["audit", sys.argv[1], "-f", "json", "-o", sys.argv[2]])
print(json.dumps(sorted(sys.modules)))
"""

_TIME = """
import importlib, json, sys, time
for m in json.loads(sys.argv[1]):
    try:
        importlib.import_module(m)
    except Exception:
        pass
code = compile(sys.argv[2], "<lazy imports>", "exec")
before = set(sys.modules)
t = time.perf_counter()
try:
    exec(code, {})
    ok = True
except ImportError:
    ok = False
print(json.dumps([ok, time.perf_counter() - t, len(set(sys.modules) - before)]))
"""
PKG = Path(__file__).resolve().parents[1] / "openaudit"


def _covers(key: str, module: str) -> bool:
    return module == key or module.startswith(key + ".")


def local_imports() -> list[tuple[str, str]]:
    """(importing module, imported module, statement) for every import inside a function."""
    out = []
    for path in sorted(PKG.rglob("*.py")):
        importer = ".".join(path.relative_to(PKG.parent).with_suffix("").parts).removesuffix(".__init__")
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in fn.body:
                    for n in ast.walk(node):
                        if isinstance(n, ast.Import):
                            out += [(importer, a.name, f"import {a.name}") for a in n.names]
                        elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
                            out.append((importer, n.module, ast.unparse(n)))
    return out


def statements_for(key: str, imports: list) -> list[str]:
    """The local import statements ``key`` covers (not those made from inside the key itself)."""
    return sorted({stmt for importer, module, stmt in imports if _covers(key, module) and not _covers(key, importer)})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default=default_folder())
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    imports = local_imports()
    with tempfile.TemporaryDirectory(prefix="openaudit-imports-") as tmp:
        if env.pop("PYTHONDONTWRITEBYTECODE", None):
            env["PYTHONPYCACHEPREFIX"] = tmp
        out = subprocess.run(
            [sys.executable, "-c", _AUDIT, a.folder, os.devnull],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=tmp,
        )
        loaded = [m for m in json.loads(out.stdout.strip().splitlines()[-1]) if not m.startswith("__")]
        print(f"folder: {a.folder}\nmodules a local audit imports: {len(loaded)}")
        keys = [k for k in HEAVY if not a.only or k in a.only.split(",")]
        print(f"{'HEAVY key':32} {'statements':>10} {'ms':>8} {'modules':>8}  local audit")
        for key in keys:
            stmts = statements_for(key, imports)
            seen = "imports it" if any(_covers(key, m) for m in loaded) else "-"
            if not stmts:
                print(f"{key:32} {'no local import':>36}  {seen}")
                continue
            times, added, ok = [], 0, True
            for _ in range(a.runs):
                r = subprocess.run(
                    [sys.executable, "-c", _TIME, json.dumps(loaded), "\n".join(stmts)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=tmp,
                )
                if r.returncode != 0:
                    ok = False
                    break
                ok, dt, added = json.loads(r.stdout.strip().splitlines()[-1])
                if not ok:
                    break
                times.append(dt)
            cost = f"{statistics.median(times) * 1000:8.1f} {added:8d}" if ok and times else f"{'not installed':>17}"
            print(f"{key:32} {len(stmts):10d} {cost}  {seen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
