"""Entry point: registers the command modules and turns every failure into one line + exit code."""

from __future__ import annotations

import os
import sys

import click

from openaudit.base.text import terminal_safe

# One module per command (or command group); importing it registers it on ``app``. Imported
# explicitly: a missing command module is an ImportError at start-up, never a silently absent command.
from openaudit.cli import (  # noqa: F401
    audit,
    badge,
    batch,
    bom,
    check,
    contamination,
    license,
    render,
    rubric,
    snapshot,
    verify,
)
from openaudit.cli.app import app
from openaudit.errors import ExitCode, OpenAuditError

try:  # typer versions that vendor click raise their own exit/abort/usage classes
    import typer.exceptions as _typer_exceptions
except ImportError:
    _typer_exceptions = None
try:
    from typer._click import exceptions as _typer_click_exceptions  # type: ignore[import-not-found]
except ImportError:
    _typer_click_exceptions = None


def _exception_classes() -> tuple[tuple[type[BaseException], ...], ...]:
    """click's exit/usage/abort exceptions, plus typer's own when typer vendors click."""
    exits: list[type[BaseException]] = [click.exceptions.Exit]
    usage: list[type[BaseException]] = [click.exceptions.UsageError]
    aborts: list[type[BaseException]] = [click.exceptions.Abort]
    if _typer_exceptions is not None:
        exits += [c for c in (getattr(_typer_exceptions, "Exit", None),) if c]
        aborts += [c for c in (getattr(_typer_exceptions, "Abort", None),) if c]
    if _typer_click_exceptions is not None:
        usage.append(_typer_click_exceptions.UsageError)
    return tuple(exits), tuple(usage), tuple(aborts)


_EXIT, _USAGE, _ABORT = _exception_classes()


def _err(line: str) -> None:
    sys.stderr.write(terminal_safe(line) + "\n")


def main(argv: list[str] | None = None) -> int:
    debug = os.environ.get("OPENAUDIT_DEBUG") == "1"
    try:
        rv = app(args=argv, prog_name="openaudit", standalone_mode=False)
        return int(rv or 0) if isinstance(rv, int) else 0
    except OpenAuditError as exc:
        if debug:
            raise
        _err(f"error: {exc.message}")
        if exc.hint:
            _err(f"hint: {exc.hint}")
        return int(exc.exit_code)
    except _EXIT as exc:
        return int(getattr(exc, "exit_code", 0))
    except _USAGE as exc:
        if debug:
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `openaudit` / `openaudit rubric`
            sys.stdout.write(exc.format_message() + "\n")
            return int(ExitCode.CANNOT_EVALUATE)
        _err(f"error: {exc.format_message()}")
        _err("hint: run with --help to see the accepted arguments")
        return int(ExitCode.CANNOT_EVALUATE)
    except _ABORT:
        _err("error: aborted")
        return int(ExitCode.CANNOT_EVALUATE)
    except KeyboardInterrupt:
        _err("error: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # internal error: never a traceback unless asked
        if debug:
            raise
        msg = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        _err(f"error: internal error: {msg}")
        _err("hint: this is a bug in openaudit; rerun with OPENAUDIT_DEBUG=1 and report the traceback")
        return int(ExitCode.CANNOT_EVALUATE)


def run() -> None:  # console script
    sys.exit(main())


if __name__ == "__main__":
    run()
