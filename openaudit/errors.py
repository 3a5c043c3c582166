"""Error hierarchy. Every error the user can cause maps to one line, a hint and an exit code.

The CLI catches ``OpenAuditError`` and prints ``error: <message>`` and ``hint: <hint>`` on stderr;
any other exception is an internal error (exit 2, one line, traceback only with OPENAUDIT_DEBUG=1).

Hints are typed: each class carries the hint that fits the errors it stands for, so a bad report
file never suggests validating a rubric. Raise the most specific class; pass ``hint=`` only where the
raise site knows something more specific than its class.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0  # done (and, for `check`, policy met)
    POLICY_VIOLATED = 1  # `check` only: done, and the policy is violated
    CANNOT_EVALUATE = 2  # bad usage, invalid rubric/policy/recipe, target missing, auth, network, internal


class OpenAuditError(Exception):
    """Base class. ``message`` is one line; ``hint`` tells the user what to do next."""

    hint: str = ""
    exit_code: ExitCode = ExitCode.CANNOT_EVALUATE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = " ".join(str(message).split())  # always one line
        if hint is not None:
            self.hint = hint


class UsageError(OpenAuditError):
    hint = "run with --help to see the accepted arguments"


class TargetNotFound(OpenAuditError):
    hint = "pass a Hub model id (org/name), a local folder, or a Hugging Face cache snapshot folder"


class AuthError(OpenAuditError):
    hint = "the repo may be private or gated: pass --token or set HF_TOKEN, and accept its terms on the Hub"


class NetworkError(OpenAuditError):
    hint = "check the connection or retry; use --offline to audit what is in the local cache"


class OfflineMiss(OpenAuditError):
    hint = "the target is not in the local Hugging Face cache; run once online or use `openaudit snapshot`"


class InvalidInput(OpenAuditError):
    """An input file that cannot be read as what it should be (binary, too large, wrong encoding)."""

    hint = "check the file is the right one and readable"


class OutputError(InvalidInput):
    """A result cannot be written where the user asked (-o, --out, --verdict-output)."""

    hint = "write to a file in an existing folder you can write to (or leave -o out to print on stdout)"


class FileMissing(InvalidInput):
    """A file the user named does not exist (or is not a regular file)."""

    hint = "check the path (a relative path starts in the current folder)"


class InvalidDocument(OpenAuditError):
    """A structured file (rubric, policy, recipe, config, report ...) that fails validation."""

    hint = "fix the file at the path and key named in the message"


class InvalidRubric(InvalidDocument):
    hint = "`openaudit rubric validate FILE` checks a rubric; `openaudit rubric show openaudit` shows a valid one"


class UnknownRubric(InvalidRubric):
    hint = "`openaudit rubric list` shows the shipped rubric names; or pass the path of a rubric YAML"


class InvalidPolicy(InvalidDocument):
    hint = "`openaudit rubric validate FILE` checks a policy; examples/policies/ holds valid ones (docs/rubrics.md)"


class InvalidLicenseFacts(InvalidDocument):
    hint = "license facts follow rubrics/schema/licenses.schema.json (see docs/licenses.md)"


class InvalidConfig(InvalidDocument):
    hint = (
        "keys go at the top level of openaudit.toml or under [tool.openaudit] in pyproject.toml; "
        "docs/formats.md#configuration lists them"
    )


class InvalidReport(InvalidDocument):
    hint = "pass a JSON report written by `openaudit audit --format json` (or `-f json -o FILE`)"


class InvalidVerdict(InvalidDocument):
    hint = "pass the policy verdict written by `openaudit check TARGET --policy FILE --verdict-output FILE`"


class InvalidTargets(InvalidDocument):
    hint = "one target per line (Hub id, folder or cache snapshot); `#` starts a comment"
