"""openaudit.rubric: load and validate rubric files, score findings, derive framework verdicts.

Submodules: ``load`` (load_rubric, rubric_info), ``score`` (score -> ScoreResult), ``frameworks``
(evaluate_frameworks). The scoring function is ``openaudit.rubric.score.score`` - it is not re-exported
here so that ``from openaudit.rubric import score`` keeps naming the submodule.
"""

from openaudit.rubric import score  # the submodule, see above
from openaudit.rubric.frameworks import evaluate_frameworks
from openaudit.rubric.load import load_rubric, rubric_info
from openaudit.rubric.score import ScoreResult
from openaudit.rubric.types import Rubric

__all__ = ["Rubric", "ScoreResult", "evaluate_frameworks", "load_rubric", "rubric_info", "score"]
