"""Typed signals of a training replay: verdicts, tiers and the codes of every issue a plan or a replay
raises. Decisions are made on these codes; messages are only rendered from them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Verdict(str, enum.Enum):
    REPRODUCED_EXACT = "REPRODUCED_EXACT"
    REPRODUCED_WITHIN_TOLERANCE = "REPRODUCED_WITHIN_TOLERANCE"
    DIVERGED = "DIVERGED"
    INCONCLUSIVE = "INCONCLUSIVE"
    NOT_REPRODUCIBLE = "NOT_REPRODUCIBLE"
    REFUSED_UNSAFE_ARTIFACT = "REFUSED_UNSAFE_ARTIFACT"
    SKIPPED_BUDGET = "SKIPPED_BUDGET"
    UNSUPPORTED = "UNSUPPORTED"


class Tier(str, enum.Enum):
    FULL = "full"
    WEIGHTS = "weights"
    LOSS = "loss"
    FORWARD = "forward"
    NONE = "none"


class Kind(str, enum.Enum):
    """What an issue does to the verdict."""

    UNSUPPORTED = "unsupported"  # openaudit cannot replay it faithfully -> UNSUPPORTED, never DIVERGED
    UNSAFE = "unsafe"  # an artifact that would run code when loaded -> REFUSED_UNSAFE_ARTIFACT
    MISSING = "missing"  # an artifact the replay needs is not published
    PROBLEM = "problem"  # an artifact is published but unusable (malformed, inconsistent, outside the target)


class Code(str, enum.Enum):
    # unsupported: openaudit's own gaps
    MODEL_TYPE = "model_type"  # model_type unknown to the installed transformers, or no causal-LM class
    REMOTE_CODE = "remote_code"  # auto_map: the config asks for the repository's own code
    FAMILY_MISMATCH = "family_mismatch"  # the recipe's family disagrees with config.json's model_type
    CONFIG_REJECTED = "config_rejected"  # transformers refuses to build the config (unknown rope type, bad value)
    CONFIG_FEATURE = "config_feature"  # a published training config's feature without a transformers counterpart
    FRAMEWORK = "framework"  # trained with a library whose model code and checkpoints are not transformers'
    DROPOUT = "dropout"  # dropout > 0 without the RNG state to replay it
    PRECISION = "precision"  # a precision the replay cannot reproduce here
    OPTIMIZER = "optimizer"  # optimizer (or optimizer option) without a faithful replay
    SCHEDULER = "scheduler"  # LR schedule that cannot be reconstructed
    PARAM_GROUPS = "param_groups"  # optimizer parameter groups that match no known grouping
    TRAINER_FEATURE = "trainer_feature"  # a Trainer option the replay does not reproduce
    DISTRIBUTED = "distributed"  # more than one process / GPU
    DATA_LAYOUT = "data_layout"  # a data layout the replay cannot feed faithfully (padding, collator)
    LOSS_CONVENTION = "loss_convention"  # the loss normalisation cannot be determined
    DEPENDENCY = "dependency"  # a library the replay needs is not installed
    DEVICE = "device"  # the device cannot run this replay
    # unsafe
    UNSAFE_PICKLE = "unsafe_pickle"
    UNSCANNABLE_PICKLE = "unscannable_pickle"
    # missing
    MODEL_CONFIG = "model_config"
    BATCH_LAYOUT = "batch_layout"
    OPTIMIZER_SETTINGS = "optimizer_settings"
    SCHEDULE = "schedule"
    TRAINING_DATA = "training_data"
    DATA_ORDER = "data_order"
    LOSS_LOG = "loss_log"
    CHECKPOINTS = "checkpoints"
    CHECKPOINT_WEIGHTS = "checkpoint_weights"
    OPTIMIZER_STATE = "optimizer_state"
    LOSS_ENTRIES = "loss_entries"
    TRAINING_ARGS = "training_args"
    RECIPE = "recipe"
    # problems
    UNREADABLE = "unreadable"  # malformed / undecodable / over a size cap
    SIZE_MISMATCH = "size_mismatch"  # the config implies far more parameters than the checkpoint holds
    PATH_OUTSIDE = "path_outside"  # a path that leaves the target (absolute, '..', symlink out)
    INCONSISTENT = "inconsistent"  # artifacts that contradict each other (configs, log copies)
    RECIPE_INVALID = "recipe_invalid"


# Missing artifacts without which no segment can be replayed (a forward-only audit may still run).
HARD_MISSING = frozenset(
    {
        Code.MODEL_CONFIG,
        Code.BATCH_LAYOUT,
        Code.OPTIMIZER_SETTINGS,
        Code.SCHEDULE,
        Code.TRAINING_DATA,
        Code.DATA_ORDER,
        Code.TRAINING_ARGS,
    }
)
# Problems that make the whole replay meaningless (not just one artifact).
HARD_PROBLEMS = frozenset({Code.SIZE_MISMATCH, Code.PATH_OUTSIDE, Code.INCONSISTENT, Code.UNREADABLE})


@dataclass(frozen=True)
class Issue:
    kind: Kind
    code: Code
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "code": self.code.value, "message": self.message}


class ReplayGap(Exception):
    """Raised during a replay when openaudit finds it cannot replay faithfully (-> UNSUPPORTED)."""

    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ArtifactProblem(Exception):
    """An artifact that exists but cannot be used (corrupt, mismatched, malformed)."""

    def __init__(self, message: str, code: Code = Code.UNREADABLE):
        super().__init__(message)
        self.code = code
