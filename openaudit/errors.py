"""Error hierarchy. Every error the user can cause maps to one line, a hint and an exit code.

The CLI catches ``OpenAuditError`` and prints ``error: <message>`` and ``hint: <hint>`` on stderr;
any other exception is an internal error (exit 2, one line, traceback only with OPENAUDIT_DEBUG=1).
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


class InvalidDocument(OpenAuditError):
    """A rubric, policy, recipe, config or report file that fails validation."""

    hint = "fix the file at the path named; `openaudit rubric validate FILE` checks rubrics"


class InvalidInput(OpenAuditError):
    """An input file that cannot be read as what it should be (binary, too large, wrong encoding)."""

    hint = "check the file is the right one and readable"


class UnsafeArtifact(OpenAuditError):
    hint = "openaudit never loads unsafe artifacts; convert them to safetensors"
