"""Probes register themselves with their metadata; duplicates, bad metadata and missing modules are
hard errors; the catalogue is derived from the registrations and matches the shipped rubrics."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from probe_swap import swapped  # tests/: test code, not the package's

from openaudit.model import Finding, Outcome
from openaudit.probes import CATALOG, DIMENSIONS, ProbeRegistryError, ProbeSpec, probe, registered
from openaudit.probes.registry import REGISTRY, Registry


def _fn(ctx):  # pragma: no cover - never run
    return Finding("license.x", Outcome.PASS, "x")


def test_duplicate_registration_is_a_hard_error_and_keeps_the_first():
    before = registered()["license.open"]
    with pytest.raises(ProbeRegistryError, match="'license.open' registered twice"):
        probe("license.open", dimension="license", question="again?")(_fn)
    assert registered()["license.open"] is before
    r = Registry()
    r.register(ProbeSpec("code.x", "code", "x?"), _fn)
    with pytest.raises(ProbeRegistryError, match="registered twice"):
        r.register(ProbeSpec("code.x", "code", "x?"), _fn)


@pytest.mark.parametrize(
    "spec, why",
    [
        (ProbeSpec("nodot", "code", "q?"), "must be '<group>.<name>'"),
        (ProbeSpec("colour.red", "code", "q?"), "must be '<group>.<name>'"),
        (ProbeSpec("code.y", "speed", "q?"), "unknown dimension 'speed'"),
        (ProbeSpec("code.y", "code", "  "), "a question is required"),
    ],
)
def test_bad_metadata_is_refused(spec, why):
    with pytest.raises(ProbeRegistryError, match=why):
        Registry().register(spec, _fn)


def test_catalogue_is_derived_from_registrations_in_group_order():
    assert set(CATALOG) == set(registered()) == set(REGISTRY.catalog())
    groups = [pid.split(".")[0] for pid in CATALOG]
    assert groups == sorted(groups, key=["license", "weights", "code", "data", "repro", "docs"].index)
    assert all(s.dimension in DIMENSIONS and s.question.endswith("?") for s in CATALOG.values())
    assert CATALOG["license.open"].dimension == "license"
    assert CATALOG["weights.intermediate_checkpoints"].dimension == "reproducibility"
    # heavy-pass probes close their groups
    assert [p for p in CATALOG if p.startswith("data.")][-1] == "data.contamination"
    assert [p for p in CATALOG if p.startswith("repro.")][-1] == "repro.replay"


def test_every_shipped_rubric_probe_is_registered_and_every_probe_is_used():
    from openaudit.rubric.load import load_rubric, shipped_rubric_files

    used: set[str] = set()
    for path in shipped_rubric_files():
        used |= set(load_rubric(str(path)).probes())
    assert used <= set(CATALOG)
    assert set(load_rubric("openaudit").probes()) == set(CATALOG)


def test_a_missing_probe_module_fails_the_import():
    """No silent drop: when a probe module cannot be imported, importing openaudit.probes fails."""
    code = textwrap.dedent("""
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "openaudit.probes.docs":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None
        sys.meta_path.insert(0, Block())
        try:
            import openaudit.probes
        except ImportError as exc:
            print("refused:", "docs" in str(exc))
        else:
            print("imported with", len(openaudit.probes.CATALOG), "probes")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "refused: True", out.stdout + out.stderr


def test_swapped_runs_another_function_and_restores():
    from openaudit.model import Snapshot, SourceKind, Target
    from openaudit.probes import ProbeContext, run_probes

    snap = Snapshot(target=Target(id="x", source=SourceKind.LOCAL), commit_sha=None, files=())
    before = registered()["license.open"]
    with swapped({"license.open": lambda ctx: (_ for _ in ()).throw(RuntimeError("boom"))}):
        f = run_probes(ProbeContext(snap, {}), only={"license.open"})["license.open"]
        assert f.outcome is Outcome.ERROR and "boom" in f.message
    assert registered()["license.open"] is before
    with pytest.raises(ProbeRegistryError, match="not registered"), swapped({"license.nope": _fn}):
        pass
