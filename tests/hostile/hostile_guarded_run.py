"""Run in a fresh interpreter by test_hostile_no_exec.py: build every hostile fixture, make every
"execute the audited repo" entry point trip, audit every fixture, print a JSON summary.

Trips raise ``Tripped`` (a BaseException, so no ``except Exception`` in the code under test can
swallow it) and are also recorded, so a trip is seen even if something catches BaseException.
"""

from __future__ import annotations

import builtins
import importlib
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fail_closed_cases as fcc
import hostile_builders as hb

TRIPS: list[str] = []
HOSTILE_MODULES = {"modeling_evil", "modeling_x", "configuration_m", "evil"}
HEAVY = ("torch", "ray", "datasketch", "pyarrow", "numpy")


class Tripped(BaseException):
    pass


def trip(what: str):
    TRIPS.append(what)
    raise Tripped(what)


def _from_openaudit(depth: int = 2) -> bool:
    f = sys._getframe(depth)
    return bool(f) and str(f.f_globals.get("__name__", "")).startswith("openaudit")


def install_guards() -> None:
    import marshal
    import pickle
    import runpy
    import shutil
    import subprocess
    import tarfile
    import zipfile

    import yaml

    for mod in (pickle, importlib.import_module("_pickle")):
        for name in ("load", "loads", "Unpickler"):
            if hasattr(mod, name):
                setattr(mod, name, lambda *a, _n=f"{mod.__name__}.{name}", **k: trip(_n))
    for name in ("unsafe_load", "full_load", "unsafe_load_all", "full_load_all"):
        setattr(yaml, name, lambda *a, _n=name, **k: trip(f"yaml.{_n}"))
    real_yaml_load, real_yaml_load_all = yaml.load, yaml.load_all
    safe = (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))

    def guarded_load(stream, Loader=None, _real=real_yaml_load):
        if Loader is None or not issubclass(Loader, safe):
            trip(f"yaml.load with {Loader}")
        return _real(stream, Loader)

    yaml.load = guarded_load
    yaml.load_all = lambda stream, Loader=None: (guarded_load("", Loader), real_yaml_load_all(stream, Loader))[1]
    real_marshal_loads, real_marshal_load = marshal.loads, marshal.load

    def g_marshal_loads(*a, **k):  # the import system reads .pyc files with marshal: only openaudit callers trip
        if _from_openaudit():
            trip("marshal.loads from openaudit")
        return real_marshal_loads(*a, **k)

    def g_marshal_load(*a, **k):
        if _from_openaudit():
            trip("marshal.load from openaudit")
        return real_marshal_load(*a, **k)

    marshal.loads, marshal.load = g_marshal_loads, g_marshal_load
    runpy.run_path = lambda *a, **k: trip("runpy.run_path")
    runpy.run_module = lambda *a, **k: trip("runpy.run_module")
    subprocess.Popen = lambda *a, **k: trip("subprocess.Popen")  # run/call/check_output go through Popen
    for name in (
        "system",
        "popen",
        "execv",
        "execve",
        "execvp",
        "execvpe",
        "execl",
        "execlp",
        "spawnv",
        "spawnve",
        "posix_spawn",
        "posix_spawnp",
        "startfile",
    ):
        if hasattr(os, name):
            setattr(os, name, lambda *a, _n=name, **k: trip(f"os.{_n}"))
    zipfile.ZipFile.extract = lambda *a, **k: trip("ZipFile.extract")
    zipfile.ZipFile.extractall = lambda *a, **k: trip("ZipFile.extractall")
    tarfile.TarFile.extract = lambda *a, **k: trip("TarFile.extract")
    tarfile.TarFile.extractall = lambda *a, **k: trip("TarFile.extractall")
    shutil.unpack_archive = lambda *a, **k: trip("shutil.unpack_archive")
    try:
        import jinja2

        jinja2.Template.render = lambda *a, **k: trip("jinja2.Template.render")
    except ImportError:
        pass

    real_eval, real_exec, real_compile = builtins.eval, builtins.exec, builtins.compile

    def g_eval(*a, **k):
        if _from_openaudit():
            trip("eval from openaudit")
        return real_eval(*a, **k)

    def g_exec(*a, **k):
        if _from_openaudit():
            trip("exec from openaudit")
        return real_exec(*a, **k)

    def g_compile(*a, **k):
        # ast.parse calls compile(..., PyCF_ONLY_AST): allowed (no code object is produced)
        flags = a[3] if len(a) > 3 else k.get("flags", 0)
        if _from_openaudit() and not flags & 0x400:
            trip("compile from openaudit")
        return real_compile(*a, **k)

    builtins.eval, builtins.exec, builtins.compile = g_eval, g_exec, g_compile

    real_import = builtins.__import__

    def g_import(name, *a, **k):
        if name.split(".")[0] in HOSTILE_MODULES:
            trip(f"import {name}")
        return real_import(name, *a, **k)

    builtins.__import__ = g_import
    real_import_module = importlib.import_module

    def g_import_module(name, package=None):
        if name.split(".")[0] in HOSTILE_MODULES:
            trip(f"importlib.import_module {name}")
        return real_import_module(name, package)

    importlib.import_module = g_import_module


def selftest() -> list[str]:
    """Prove the guards bite: code that claims to be openaudit calls each entry point."""
    code = (
        "import pickle, os, subprocess, yaml\n"
        "for f in (lambda: eval('1'), lambda: pickle.loads(b'N.'), lambda: os.system('true'),\n"
        "          lambda: __import__('modeling_evil'), lambda: subprocess.run(['true']),\n"
        "          lambda: yaml.unsafe_load('a: 1'), lambda: yaml.load('a: 1', Loader=yaml.Loader)):\n"
        "    try:\n"
        "        f()\n"
        "    except BaseException:\n"
        "        pass\n"
    )
    exec(code, {"__name__": "openaudit._guard_selftest"})  # harness code, not audited content
    got = list(TRIPS)
    TRIPS.clear()
    return got


def build_all(base: Path) -> dict[str, Path]:
    out = {}
    for name in hb.PICKLE_CASES:
        out[f"pickle:{name}"] = hb.build_pickle_case(base / f"p_{name}", name)[0]
    for name in hb.REPO_CASES:
        out[f"repo:{name}"] = hb.build_repo_case(base / f"r_{name}", name)
    for name, case in fcc.CASES.items():  # issue 11's fail-closed corpus (tars, zips, compressed, configs)
        out[f"fail-closed:{name}"] = case.build(base / f"f_{name}")
    return out


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="oa-hostile-"))
    repos = build_all(base)
    before_heavy = [m for m in HEAVY if m in sys.modules]
    install_guards()
    result = {
        "selftest": selftest(),
        "trips": TRIPS,
        "pipeline_errors": {},
        "error_findings": {},
        "api": {},
        "heavy_before": before_heavy,
    }
    for key, path in repos.items():
        try:
            _snap, fs = hb.run_pipeline(path)
            errs = {k: v.message for k, v in fs.items() if v.outcome.value == "error"}
            if errs:
                result["error_findings"][key] = errs
        except Tripped as exc:
            result["pipeline_errors"][key] = f"TRIPPED {exc}"
        except Exception as exc:  # reported to the test
            result["pipeline_errors"][key] = f"{type(exc).__name__}: {exc} {traceback.format_exc()[-600:]}"
    result["heavy_after_pipeline"] = [m for m in HEAVY if m in sys.modules]
    # api.audit over every fixture, when the library surface is usable
    try:
        from openaudit import api

        api.audit(str(repos["repo:card_utf16_bom"]), offline=True, timestamp=False)
        usable, why = True, ""
    except Tripped:
        raise
    except Exception as exc:
        usable, why = False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    result["api"] = {"usable": usable, "reason": why, "errors": {}, "exit": {}}
    if usable:
        from openaudit.errors import OpenAuditError

        for key, path in repos.items():
            try:
                rep = api.audit(str(path), offline=True, timestamp=False)
                json.dumps(rep, sort_keys=True)
            except Tripped as exc:
                result["api"]["errors"][key] = f"TRIPPED {exc}"
            except OpenAuditError as exc:
                result["api"]["errors"][key] = f"OpenAuditError (exit 2): {exc.message}"
            except Exception as exc:
                result["api"]["errors"][key] = f"{type(exc).__name__}: {exc} {traceback.format_exc()[-600:]}"
    result["fixtures"] = len(repos)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
