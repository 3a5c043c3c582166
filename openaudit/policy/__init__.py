"""openaudit.policy: load a policy file and evaluate it against a JSON report (pure)."""

from openaudit.policy.evaluate import Verdict, Violation, evaluate
from openaudit.policy.load import Policy, load_policy

__all__ = ["Policy", "Verdict", "Violation", "evaluate", "load_policy"]
