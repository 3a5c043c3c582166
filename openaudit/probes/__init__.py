"""Probes: collected facts -> named yes/no Findings with evidence.

Importing this package registers every probe module listed in ``PROBE_MODULES``.
"""
from __future__ import annotations

import importlib

from openaudit.probes.registry import ProbeContext, probe, registered, run_probes  # noqa: F401

PROBE_MODULES = ("license", "weights", "code", "data", "repro", "docs", "heavy")


def load_all() -> None:
    for name in PROBE_MODULES:
        full = f"openaudit.probes.{name}"
        try:
            importlib.import_module(full)
        except ModuleNotFoundError as exc:
            if exc.name != full:
                raise
