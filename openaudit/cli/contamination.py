"""`openaudit contamination --benchmark B... --train T...`: benchmark items found in training data."""

from __future__ import annotations

import os

import typer

from openaudit.base.net.hub import set_offline
from openaudit.cli.app import app
from openaudit.cli.common import stderr, terminal_format
from openaudit.errors import UsageError
from openaudit.render.contamination import FORMATS, render
from openaudit.render.output import emit


@app.command("contamination")
def contamination_cmd(
    benchmark: list[str] = typer.Option(
        ..., "--benchmark", "-b", help="benchmark file (jsonl, jsonl.gz, parquet, csv) or Hub dataset id; repeatable"
    ),
    train: list[str] = typer.Option(
        ..., "--train", "-t", help="training data: file, folder, glob or Hub dataset id; repeatable"
    ),
    format: str | None = typer.Option(
        None, "--format", "-f", help="table | json (default: table on a terminal, json otherwise)"
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", help="write the report to FILE (atomically) instead of stdout"
    ),
    fuzzy: bool = typer.Option(False, "--fuzzy", help="also search paraphrases with MinHashLSH (slower)"),
    engine: str = typer.Option("local", "--engine", help="local (process pool) | ray (needs the [ray] extra)"),
    workers: int | None = typer.Option(None, "--workers", "-j", help="parallel workers (default: all cores)"),
    text_field: str | None = typer.Option(
        None, "--text-field", help="benchmark field holding the question (dotted path)"
    ),
    answer_field: str | None = typer.Option(None, "--answer-field", help="benchmark field holding the answer"),
    id_field: str | None = typer.Option(None, "--id-field", help="benchmark field holding the item id"),
    train_text_field: str | None = typer.Option(
        None, "--train-text-field", help="training field holding the text (default: text, content, ...)"
    ),
    ngram: int | None = typer.Option(
        None, "--ngram", help="n-gram size in words (default: per benchmark, GPT-3 rule 8..13)"
    ),
    frequent_docs: int = typer.Option(
        50, "--frequent-docs", help="n-grams found in this many training documents are ignored for coverage"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress on stderr"),
    offline: bool = typer.Option(
        False, "--offline", help="Hub datasets from the local HF cache only (also HF_HUB_OFFLINE=1)"
    ),
    token: str | None = typer.Option(
        None, "--token", help="Hub token for gated/private datasets (default: HF_TOKEN)", show_default=False
    ),
) -> int:
    """Find benchmark items inside training data: exact n-gram screen + MinHash evidence."""
    from openaudit.contamination.api import run

    if token:  # read by huggingface_hub in this process and inherited by the worker processes
        os.environ["HF_TOKEN"] = token
    if offline:  # in this process and the worker processes it starts
        set_offline()

    fmt = format or terminal_format(output)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    report = run(
        benchmark,
        train,
        text_field=text_field,
        id_field=id_field,
        answer_field=answer_field,
        ngram=ngram,
        fuzzy=fuzzy,
        engine=engine,
        workers=workers,
        train_text_field=train_text_field,
        frequent_docs=frequent_docs,
        progress=(lambda _m: None) if quiet else stderr,
        quiet=quiet,
    )
    emit(render(report, fmt), output)
    return 0
