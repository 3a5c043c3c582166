"""`openaudit snapshot REPO -o DIR`: capture what an audit needs, to audit it later offline."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from openaudit.cli.app import app


@app.command("snapshot")
def snapshot(
    repo: str = typer.Argument(..., help="Hub model id (org/name), local folder or HF cache snapshot folder."),
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write (empty, new, or a previous capture)."),
    revision: Optional[str] = typer.Option(None, "--revision", help="Branch, tag or commit sha (Hub)."),
    offline: bool = typer.Option(False, "--offline", help="Use only the local Hugging Face cache."),
    token: Optional[str] = typer.Option(None, "--token", help="Hub token (default: HF_TOKEN)."),
) -> int:
    """Capture tree listing, card, small text files, safetensors headers and API info into DIR,
    so that `openaudit audit DIR` gives the same report offline."""
    from openaudit.sources import resolve
    from openaudit.sources.capture import check_output, write_capture
    from openaudit.sources.select import escape

    check_output(output)  # refuse a non-empty non-capture folder before any network work
    snap = resolve(repo, revision=revision, offline=offline, token=token)
    write_capture(snap, output)
    sys.stderr.write(
        f"captured {escape(snap.target.id)} at {snap.commit_sha or 'no commit'}: {len(snap.files)} files, "
        f"{len(snap.texts)} texts, {len(snap.safetensors_headers)} safetensors headers "
        f"({snap.network.requests} requests, {snap.network.bytes} bytes)\n"
    )
    sys.stdout.write(f"{output}\n")
    return 0
