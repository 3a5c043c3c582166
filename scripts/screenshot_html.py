#!/usr/bin/env python3
"""Render a JSON report as the HTML card and screenshot it with headless chromium (Debian package).

    python scripts/screenshot_html.py REPORT.json out.png [--width 1200 --height 2000]

Needs `chromium` on PATH (apt-get install -y chromium). Not used by the tests.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openaudit.render import render
from openaudit.render.load import load_report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("png")
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=2000)
    args = ap.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        print("error: chromium not found; apt-get install -y chromium", file=sys.stderr)
        return 2
    html = render(load_report(args.report), "html")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--screenshot={Path(args.png).resolve()}",
            f"--window-size={args.width},{args.height}",
            page.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 or not Path(args.png).is_file():
        print(f"error: chromium failed ({proc.returncode}): {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return 2
    print(f"wrote {args.png} ({Path(args.png).stat().st_size} bytes, {len(html)} bytes of HTML)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
