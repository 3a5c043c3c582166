"""Shared helpers for tests/licenses (imported by the test modules; not a test file)."""

from __future__ import annotations

import importlib.metadata as md
from array import array
from pathlib import Path

from openaudit.collect import card as card_mod
from openaudit.collect import license as license_mod
from openaudit.licenses.index import LicenseIndex
from openaudit.model import FileEntry, Snapshot, SourceKind, Target

# Real, short license texts (test data; the package itself ships no license text).
MIT = """MIT License

Copyright (c) 2021 Example Person

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

BSD2 = """Copyright (c) 2019, Some Org
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

CLAUSE3 = """
3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.
"""


def bsd3() -> str:
    head, tail = BSD2.split("THIS SOFTWARE IS PROVIDED")
    return head + CLAUSE3 + "\nTHIS SOFTWARE IS PROVIDED" + tail


def dist_license(dist: str, *names: str) -> Path | None:
    """A license file shipped by an installed distribution (real text, available offline)."""
    try:
        files = md.distribution(dist).files or []
    except md.PackageNotFoundError:
        return None
    for f in files:
        if f.name in names or any(f.name.upper().startswith(n.upper()) for n in names):
            p = Path(str(f.locate()))
            if p.is_file():
                return p
    return None


def snapshot(
    texts: dict[str, str], extra_files: tuple[str, ...] = (), api: dict | None = None, offline: bool = True
) -> Snapshot:
    files = tuple(FileEntry(p, len(t.encode())) for p, t in texts.items()) + tuple(
        FileEntry(p, 10) for p in extra_files
    )
    return Snapshot(
        target=Target(id="t/m", source=SourceKind.LOCAL, path="/x"),
        commit_sha=None,
        files=files,
        texts=dict(texts),
        api=api or {},
        offline=offline,
    )


def card(meta: str, body: str = "# Model\n\nA model.\n") -> str:
    return f"---\n{meta.strip()}\n---\n{body}"


def collect(texts: dict[str, str], **kw):
    snap = snapshot(texts, **kw)
    return snap, license_mod.collect(snap, card_mod.collect(snap))


def held_out(index, ids: set[str]):
    """A copy of the license ``index`` in which every record naming one of ``ids`` is hidden (held-out
    evaluation: a stand-in for a license the index does not know)."""
    hidden = {i for i, d in enumerate(index.docs) if set(d.ids) & ids}
    off, low, doc = array("I", [0] * 65537), array("H"), array("H")
    for b in range(65536):
        for p in range(index.post_off[b], index.post_off[b + 1]):
            if index.post_doc[p] not in hidden:
                low.append(index.post_low[p])
                doc.append(index.post_doc[p])
        off[b + 1] = len(low)
    by_digest = {k: v for k, v in index.by_digest.items() if v not in hidden}
    return LicenseIndex(
        index.docs,
        by_digest,
        index.spdx,
        index.shingle,
        index.built_from,
        off,
        low,
        doc,
        index.sent_hash,
        index.sent_words,
    )
