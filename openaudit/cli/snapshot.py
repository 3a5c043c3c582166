"""`openaudit snapshot REPO -o DIR`: capture what an audit needs, to audit it later offline."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from openaudit.base.text import terminal_safe
from openaudit.cli import common as c
from openaudit.cli.app import app
from openaudit.sources import resolve
from openaudit.sources.capture import check_output, write_capture


@app.command("snapshot")
def snapshot(
    repo: str = typer.Argument(..., help="Hub model id (org/name), local folder or HF cache snapshot folder."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write (empty, new, or a previous capture)."),
    revision: c.Revision = None,
    offline: c.Offline = False,
    token: c.Token = None,
) -> int:
    """Capture tree listing, card, small text files, safetensors headers and API info into DIR,
    so that `openaudit audit DIR` gives the same report offline."""
    check_output(output)  # refuse a non-empty non-capture folder before any network work
    snap = resolve(repo, revision=revision, offline=c.offline_mode(offline), token=c.hub_token(token))
    write_capture(snap, output)
    sys.stderr.write(
        f"captured {terminal_safe(snap.target.id)} at {snap.commit_sha or 'no commit'}: {len(snap.files)} files, "
        f"{len(snap.texts)} texts, {len(snap.safetensors_headers)} safetensors headers "
        f"({snap.network.requests} requests, {snap.network.bytes} bytes)\n"
    )
    sys.stdout.write(f"{terminal_safe(str(output))}\n")
    return 0
