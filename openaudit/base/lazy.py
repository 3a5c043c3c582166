"""The one list of modules imported inside functions rather than at the top of a module.

Everything else is imported at module top. A module belongs here only when importing it is slow or
optional *and* a plain local audit (``openaudit audit FOLDER``) does not need it: the reason says
which, with its import cost measured by ``benchmarks/import_costs.py`` (milliseconds added on top of
what a local audit has already imported, bytecode cached, median of fresh processes on the 2-core
development machine; "n modules" is how many modules it pulls in).

A key is a module prefix: ``"torch"`` covers ``torch.nn``. An openaudit module that other modules
must import inside functions because it imports one of these at its own top is listed itself
(``openaudit.verify.replay`` imports torch). A key never covers imports made from inside itself:
the modules of ``openaudit.contamination`` import each other at the top.
``tests/project/test_project_imports.py`` fails on any other function-local import (beyond its short,
commented allow-list), on a key nothing imports inside a function any more, and when the console
script's start-up reaches one of these through top-level imports.
"""

from __future__ import annotations

HEAVY: dict[str, str] = {
    # Optional extras and large libraries that only the heavy passes use.
    "torch": "[verify] extra; ~1 s, 960 modules: only a training replay",
    "transformers": "[verify] extra; ~1.7 s with torch: only a replay builds the publisher's model",
    "safetensors": "[verify] extra; safetensors.torch pulls torch (~1 s): only a replay loads checkpoint tensors",
    "ray": "[ray] extra; ~290 ms, 530 modules: only `contamination --engine ray`",
    "numpy": "~85 ms, 90 modules: only contamination hashing and verify data",
    "datasketch": "~450 ms, 610 modules (numpy, scipy): only MinHash in a contamination run",
    "pyarrow": "~120 ms, 115 modules: only parquet benchmark or training files",
    # Network clients: a local audit makes no request.
    "huggingface_hub": "~115 ms, 240 modules with its HTTP stack: Hub targets, Hub datasets, link lookups",
    "httpx2": "~30 ms, 55 modules: network only",
    # Validation, rendering and SBOM libraries a local JSON audit never reaches.
    "jsonschema": "~38 ms, 55 modules: only when a user's rubric/policy/config/recipe or a stored report is validated",
    "rich": "~22 ms, 63 modules: only terminal tables and the batch progress bar",
    "spdx_tools": "~105 ms, 415 modules: only `bom --format spdx`",
    "cyclonedx": "~38 ms, 65 modules: only `bom --format cyclonedx`",
    "license_expression": "~2 ms, 4 modules: only compound license expressions, license policies and BOMs",
    # Standard-library modules that tests/perf/test_perf_startup.py keeps off a plain local audit.
    "tomllib": "~1.5 ms, 4 modules: only when a configuration file exists",
    "pickletools": "~2 ms, 4 modules: only when a file's bytes look like a pickle",
    # openaudit's own heavy parts (figures: the statements that import them, before any torch/numpy).
    "openaudit.contamination": "the contamination pass; ~19 ms, 50 modules (then numpy, datasketch, pyarrow, a "
    "process pool): only `contamination` and `audit --benchmark`",
    "openaudit.verify": "the training replay; ~14 ms, 33 modules (then torch, transformers): only `verify` and "
    "`audit --verify`",
    "openaudit.verify.engine": "imports torch at its top (~1 s): only once a replay runs",
    "openaudit.verify.data": "imports numpy and torch at its top (~1 s): only once a replay reads its data",
    "openaudit.verify.hfmodel": "imports torch at its top (~1 s): only once a replay runs",
    "openaudit.verify.replay": "imports torch at its top (~1 s): only once a replay runs",
    "openaudit.licenses.identify": "license-text identification (the normaliser's regexes, the fingerprint "
    "index); ~7 ms: only when a LICENSE-like file is present (tests/perf)",
    "openaudit.licenses.index": "the license fingerprint index; ~6 ms: only for a license text, or an SPDX id "
    "outside the shipped facts",
    "openaudit.safety.pickles": "the static pickle scanner (opcode walker, pickletools, zip/tar/npy readers); "
    "~5 ms, 15 modules: only when a file needs scanning (tests/perf)",
    "openaudit.sources.hub": "the Hub reader and its link lookups; ~4 ms, 7 modules: Hub targets only",
    "openaudit.sources.follow": "the card link follower (GitHub, papers, Hub lookups); ~3 ms, 6 modules: only "
    "when links are followed",
}
