"""`openaudit license identify FILE`: name the license of a license text (thin: library + render)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from openaudit.base.text import terminal_safe
from openaudit.cli.app import App, app
from openaudit.errors import UsageError
from openaudit.render.output import emit

license_app = App(help="License tools: identify a license text.", no_args_is_help=True)
app.add_typer(license_app, name="license")

_FORMATS = ("table", "json")


def _table_text(res: dict) -> str:
    label = f"modified: {res['id']}" if res["modified"] else res["id"]
    rows = [
        ("license", label),
        ("name", res.get("name") or "-"),
        ("family", res.get("family") or "-"),
        ("confidence", f"{res['confidence']:.3f}"),
        ("match", res.get("match", "-")),
    ]
    sim = res.get("similarity")
    if sim and sim.get("reference_coverage"):
        rows.append(
            (
                "similarity",
                (
                    f"covers {sim['reference_coverage']:.1%} of the reference; "
                    f"{sim['text_coverage']:.1%} of this text is the reference's"
                ),
            )
        )
    if res.get("alternatives"):
        rows.append(("same text as", ", ".join(res["alternatives"])))
    if res.get("bidi_controls"):
        rows.append(("warning", f"{res['bidi_controls']} bidi control character(s) removed before matching"))
    if res.get("reason"):
        rows.append(("reason", res["reason"]))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {terminal_safe(str(v))}" for k, v in rows]
    for d in res.get("differences") or []:
        sign = "+" if d["kind"] == "added" else "-"
        lines.append(f"  {sign} {terminal_safe(d['text'])}")
    return "\n".join(lines) + "\n"


@license_app.command("identify")
def identify(
    file: Annotated[str, typer.Argument(help="License text file (LICENSE, COPYING, ...).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the result to this file.")] = None,
) -> int:
    """Identify a license text: SPDX id or LicenseRef-..., `modified: <id>` with the differing
    sentences, or `unknown` — never the nearest license."""
    from openaudit.licenses.identify import identify_file

    if fmt not in _FORMATS:
        raise UsageError(f"unknown format {fmt!r} (use one of: {', '.join(_FORMATS)})")
    res = identify_file(file)
    text = json.dumps(res, indent=2, ensure_ascii=False, sort_keys=True) + "\n" if fmt == "json" else _table_text(res)
    emit(text, output)
    return 0
