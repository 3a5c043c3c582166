"""Build openaudit/data/license_index.json.gz from the real license texts in ../shared/corpus/licenses/.

    python scripts/build_license_index.py [--corpus DIR] [--out FILE]

Inputs: spdx/index.tsv (ids, names, OSI flags), spdx/licenses.json (FSF flags), spdx/text/*.txt
(SPDX license and exception texts) and the AI license texts named by ``texts:`` in
rubrics/licenses.yaml. Output: fingerprints only (see openaudit/licenses/index.py), no license text.
Texts whose normalised form is identical share one record (e.g. GPL-2.0-only / GPL-2.0-or-later).
Texts carrying an "END OF TERMS AND CONDITIONS" appendix get a second record without it, because
LICENSE files often omit the appendix. Deterministic: same corpus -> byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openaudit.licenses.facts import all_licenses, family_of
from openaudit.licenses.index import encode_index, fingerprint
from openaudit.licenses.normalize import normalize

_APPENDIX = re.compile(r"end of terms and conditions", re.IGNORECASE)


def _flag(s: str) -> bool | None:
    return {"true": True, "false": False}.get(s.strip().lower())


def build(corpus: Path) -> dict:
    spdx_dir = corpus / "spdx"
    fsf: set[str] = set()
    lj = spdx_dir / "licenses.json"
    if lj.is_file():
        fsf = {x["licenseId"] for x in json.loads(lj.read_text(encoding="utf-8"))["licenses"] if x.get("isFsfLibre")}
    rows: list[list] = []
    texts: list[tuple[str, str]] = []  # (id, path)
    with open(spdx_dir / "index.tsv", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            sid = rec["id"]
            if rec["kind"] == "license":
                rows.append([sid, rec["name"], _flag(rec["osi_approved"]), True if sid in fsf else None])
            if rec["text_file"]:
                texts.append((sid, str(spdx_dir / rec["text_file"])))
    for info in all_licenses():
        for rel in info.texts:
            texts.append((info.id, str(corpus / rel)))

    groups: dict[tuple[str, str], dict] = {}  # (digest, variant) -> record
    order: list[tuple[str, str]] = []
    for sid, path in sorted(texts):
        raw = Path(path).read_text(encoding="utf-8", errors="replace")
        variants = [("full", raw)]
        m = _APPENDIX.search(raw)
        if m and len(raw) - m.end() > 200 and re.search(r"how to apply", raw[m.end() :], re.IGNORECASE):
            variants.append(("no-appendix", raw[: m.end()]))
        for variant, text in variants:
            norm = normalize(text)
            if not norm.tokens:
                continue
            key = (norm.digest, "any")
            if key in groups:
                if sid not in groups[key]["ids"]:
                    groups[key]["ids"].append(sid)
                continue
            groups[key] = fingerprint(norm, [sid], family_of(sid), variant)
            order.append(key)
    docs = [groups[k] for k in order]
    for d in docs:
        d["family"] = family_of(d["ids"][0])
    header = {
        "shingle": 5,
        "built_from": {
            "spdx_texts": sum(1 for _ in (spdx_dir / "text").glob("*.txt")),
            "ai_texts": sum(len(i.texts) for i in all_licenses()),
            "records": len(docs),
        },
        "spdx": sorted(rows, key=lambda r: r[0].lower()),
    }
    return header, docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "licenses")
    ap.add_argument("--out", type=Path, default=ROOT / "openaudit" / "data" / "license_index.json.gz")
    args = ap.parse_args(argv)
    if not (args.corpus / "spdx" / "index.tsv").is_file():
        print(f"error: {args.corpus} has no spdx/index.tsv", file=sys.stderr)
        return 2
    header, docs = build(args.corpus)
    payload = encode_index(header, docs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, prefix=".license_index.")
    with os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    os.replace(tmp, args.out)
    print(
        f"wrote {args.out} ({len(payload)} bytes, {len(docs)} records, {len(header['spdx'])} SPDX ids)", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
