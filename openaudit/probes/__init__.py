"""Probes: collected facts -> named yes/no Findings with evidence.

Each probe registers itself with its metadata (``@probe(id, dimension=..., question=...)`` in
``openaudit.probes.registry``). Importing this package imports every probe module below, so the
registry and ``CATALOG`` (id -> ProbeSpec, derived from the registrations) are complete at import;
a module that fails to import fails the import of ``openaudit.probes`` (never silently dropped).
A new probe goes into the module of its id group; a new module is added to the import list here.
"""

from __future__ import annotations

# Importing a probe module registers its probes; within an id group, the catalogue keeps registration
# order, so this order (heavy passes last) is the catalogue's order. Keep it.
# isort: off
from openaudit.probes import license, weights, code, data, repro, docs, heavy  # noqa: F401

# isort: on
from openaudit.probes.registry import (  # noqa: F401
    DIMENSIONS,
    ProbeContext,
    ProbeRegistryError,
    ProbeSpec,
    catalog,
    probe,
    registered,
    run_probes,
)

CATALOG: dict[str, ProbeSpec] = catalog()
