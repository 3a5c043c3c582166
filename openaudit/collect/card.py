"""Model card: YAML front matter (metadata) + Markdown body indexed by section, with line numbers.

A broken card never aborts an audit: problems are recorded in ``CardFacts.problems`` and become
findings downstream.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openaudit.base.parse import ParseProblem, load_yaml_with_lines, split_front_matter
from openaudit.model import Evidence, Snapshot

UNREADABLE = "unreadable"  # problem code: the card file could not be read as text
CARD_NAMES = ("README.md", "readme.md", "Readme.md", "README.MD", "MODEL_CARD.md", "model_card.md")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")


@dataclass(frozen=True)
class Section:
    title: str
    level: int
    line: int  # 1-based line of the heading in the card file
    end_line: int  # last line (inclusive) before the next heading of the same or higher level
    text: str  # body text of the section (without the heading), sub-sections included


@dataclass(frozen=True)
class CardFacts:
    path: str | None  # card file path in the repo; None when there is no card
    metadata: Mapping[str, Any] = field(default_factory=dict)
    key_lines: Mapping[str, int] = field(default_factory=dict)  # top-level metadata key -> line
    body: str = ""
    body_start_line: int = 1  # file line number of the first body line
    sections: tuple[Section, ...] = ()
    problems: tuple[str, ...] = ()
    problem_codes: tuple[str, ...] = ()  # one typed code per problem (ParseCode values, or "not_mapping"/"unreadable")

    @property
    def exists(self) -> bool:
        return self.path is not None

    @property
    def unreadable(self) -> bool:
        """The card file exists but could not be read as text."""
        return UNREADABLE in self.problem_codes

    @property
    def body_lines(self) -> list[str]:
        return self.body.splitlines()

    # --- evidence helpers -------------------------------------------------------------------
    def field_evidence(self, key: str, snippet: str | None = None) -> Evidence:
        value = self.metadata.get(key)
        if snippet is None and value is not None:
            snippet = f"{key}: {_short(value)}"
        return Evidence(kind="card_field", path=self.path, line=self.key_lines.get(key), field=key, snippet=snippet)

    def line_evidence(self, line: int, text: str | None = None) -> Evidence:
        """Evidence for a file line number (1-based, in the card file)."""
        if text is None:
            idx = line - self.body_start_line
            lines = self.body_lines
            text = lines[idx] if 0 <= idx < len(lines) else ""
        return Evidence(kind="line", path=self.path, line=line, snippet=_short(text.strip(), 200))

    def grep(
        self, pattern: str | re.Pattern[str], *, sections: Iterable[Section] | None = None
    ) -> list[tuple[int, str]]:
        """(file line, line text) of body lines matching ``pattern`` (outside code fences only when
        searching the whole body is not wanted: callers pass sections)."""
        rx = re.compile(pattern, re.I) if isinstance(pattern, str) else pattern
        out: list[tuple[int, str]] = []
        if sections is None:
            for i, ln in enumerate(self.body_lines):
                if rx.search(ln):
                    out.append((self.body_start_line + i, ln))
            return out
        for s in sections:
            for j, ln in enumerate(s.text.splitlines()):
                if rx.search(ln):
                    out.append((s.line + 1 + j, ln))
        return out

    def find_sections(self, pattern: str | re.Pattern[str]) -> list[Section]:
        rx = re.compile(pattern, re.I) if isinstance(pattern, str) else pattern
        return [s for s in self.sections if rx.search(s.title)]

    def section_evidence(self, s: Section) -> Evidence:
        return Evidence(kind="line", path=self.path, line=s.line, snippet=("#" * s.level) + " " + s.title)


def _short(value: Any, n: int = 120) -> str:
    s = value if isinstance(value, str) else repr(value)
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def find_card_path(snapshot: Snapshot) -> str | None:
    paths = {f.path for f in snapshot.files} | set(snapshot.texts)
    for name in CARD_NAMES:
        if name in paths:
            return name
    lower = {p.lower(): p for p in paths if "/" not in p}
    return lower.get("readme.md")


def index_sections(body: str, body_start_line: int) -> tuple[Section, ...]:
    lines = body.split("\n")
    heads: list[tuple[int, int, str]] = []  # (index, level, title)
    in_fence = False
    for i, ln in enumerate(lines):
        if _FENCE.match(ln):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = _HEADING.match(ln)
        if m:
            heads.append((i, len(m.group(1)), m.group(2).strip()))
        elif i > 0 and ln.strip() and set(ln.strip()) <= {"="} and lines[i - 1].strip():
            heads.append((i - 1, 1, lines[i - 1].strip()))  # setext h1
        elif (
            i > 0
            and len(ln.strip()) >= 3
            and set(ln.strip()) <= {"-"}
            and lines[i - 1].strip()
            and not _HEADING.match(lines[i - 1])
        ):
            heads.append((i - 1, 2, lines[i - 1].strip()))  # setext h2
    out: list[Section] = []
    for n, (idx, level, title) in enumerate(heads):
        end = len(lines)
        for idx2, level2, _ in heads[n + 1 :]:
            if level2 <= level:
                end = idx2
                break
        start_body = idx + (2 if idx + 1 < len(lines) and set(lines[idx + 1].strip() or "x") <= {"=", "-"} else 1)
        text = "\n".join(lines[start_body:end])
        out.append(
            Section(
                title=_strip_md(title),
                level=level,
                line=body_start_line + idx,
                end_line=body_start_line + end - 1,
                text=text,
            )
        )
    return tuple(out)


def _strip_md(title: str) -> str:
    t = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", title)
    t = re.sub(r"[*_`]+", "", t)
    return t.strip()


def parse_card_text(text: str, path: str = "README.md") -> CardFacts:
    problems: list[str] = []
    codes: list[str] = []
    yaml_text, body, body_start = split_front_matter(text)
    metadata: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    if yaml_text is not None:
        try:
            # the front matter's first line: huggingface_hub accepts blank lines before the opening '---'
            offset = body_start - 3 - len(re.findall(r"\r\n|\r|\n", yaml_text))
            data, lines = load_yaml_with_lines(yaml_text, source=path, line_offset=offset)
        except ParseProblem as exc:
            line = exc.line + offset if exc.line else None
            problems.append(f"card metadata is not valid YAML{f' (line {line})' if line else ''}: {exc.reason}")
            codes.append(exc.code.value)
            data, lines = None, {}
        if isinstance(data, dict):
            metadata = data
            key_lines = lines
        elif data is not None:
            problems.append(f"card metadata is a {type(data).__name__}, not a mapping")
            codes.append("not_mapping")
    return CardFacts(
        path=path,
        metadata=metadata,
        key_lines=key_lines,
        body=body,
        body_start_line=body_start,
        sections=index_sections(body, body_start),
        problems=tuple(problems),
        problem_codes=tuple(codes),
    )


def collect(snapshot: Snapshot) -> CardFacts:
    path = find_card_path(snapshot)
    if path is None:
        return CardFacts(path=None)
    text = snapshot.texts.get(path)
    if text is None:
        return CardFacts(path=path, problems=("the model card could not be read as text",), problem_codes=(UNREADABLE,))
    card = parse_card_text(text, path)
    # The Hub API's parsed cardData stands in when the front matter is missing or broken.
    api_meta = snapshot.api.get("cardData") if snapshot.api else None
    if not card.metadata and isinstance(api_meta, dict) and api_meta:
        return CardFacts(
            path=card.path,
            metadata=dict(api_meta),
            key_lines={},
            body=card.body,
            body_start_line=card.body_start_line,
            sections=card.sections,
            problems=card.problems,
            problem_codes=card.problem_codes,
        )
    return card
