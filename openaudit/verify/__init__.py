"""Training replay: re-run a published training segment and check it against the published losses
and checkpoints.

Public surface: ``openaudit.verify.api.run(target, *, device="auto", budget_seconds=None, steps=None,
deterministic=False) -> dict``; the ``repro.replay`` probe (``openaudit.probes.heavy``) reads that dict as data.
torch is imported only once a replay actually runs (never by importing this package).
"""
