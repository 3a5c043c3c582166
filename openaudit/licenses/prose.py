"""License statements in free text (card prose, NOTICE files): "released under the Apache 2.0 license",
"the code is MIT-licensed, the weights CC-BY-NC-4.0", "Gemma is provided under ... Gemma Terms of Use".

Patterns are names, not license text. Each hit says which component it is about when the line says
so (code / weights / data / docs), else "all".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from openaudit.licenses.facts import UNNAMED_NON_COMMERCIAL, UNNAMED_RESEARCH_ONLY, custom_id, lookup

# (pattern, license id). Ordered: specific before generic.
_NAMES: tuple[tuple[str, str], ...] = (
    (r"cc[- ]?by[- ]?nc[- ]?sa[- ]?(4\.0|3\.0|2\.0)", "CC-BY-NC-SA-{0}"),
    (r"cc[- ]?by[- ]?nc[- ]?nd[- ]?(4\.0|3\.0)", "CC-BY-NC-ND-{0}"),
    (r"cc[- ]?by[- ]?nc[- ]?(4\.0|3\.0|2\.0)", "CC-BY-NC-{0}"),
    (r"cc[- ]?by[- ]?sa[- ]?(4\.0|3\.0)", "CC-BY-SA-{0}"),
    (r"cc[- ]?by[- ]?nd[- ]?(4\.0)", "CC-BY-ND-{0}"),
    (r"cc[- ]?by[- ]?(4\.0|3\.0|2\.5|2\.0)", "CC-BY-{0}"),
    (r"creative commons attribution[- ]non[- ]?commercial(?:[- ]share[- ]?alike)? (4\.0|3\.0)", "CC-BY-NC-{0}"),
    (r"creative commons attribution (4\.0|3\.0)", "CC-BY-{0}"),
    (r"cc0(?:[- ]1\.0)?|creative commons zero", "CC0-1.0"),
    (r"apache(?: software)?(?: license)?,?(?: version)?[- ]?2(?:\.0)?", "Apache-2.0"),
    (
        r"\bmit(?:[- ]licen[cs]e[ds]?)\b|\bmit\b(?=[^.]{0,40}licen[cs]e)|licen[cs]e[ds]?:? (?:under )?(?:the )?mit\b|(?:released|available|distributed|published) under (?:the )?mit\b",
        "MIT",
    ),
    (r"bsd[- ]3[- ]clause|3[- ]clause bsd", "BSD-3-Clause"),
    (r"bsd[- ]2[- ]clause|2[- ]clause bsd", "BSD-2-Clause"),
    (r"\bagpl(?:[- ]?v?3(?:\.0)?)?\b|affero general public", "AGPL-3.0-only"),
    (r"\blgpl[- ]?v?3", "LGPL-3.0-only"),
    (r"\blgpl[- ]?v?2\.1", "LGPL-2.1-only"),
    (r"\bgpl[- ]?v?3|gnu general public license,? (?:version )?3|gnu gpl ?v?3", "GPL-3.0-only"),
    (r"\bgpl[- ]?v?2|gnu general public license,? (?:version )?2", "GPL-2.0-only"),
    (r"mozilla public license|\bmpl[- ]?2", "MPL-2.0"),
    (r"creativeml[- ]?open ?rail[- ]?m", "LicenseRef-creativeml-openrail-m"),
    (r"open ?rail\+\+|openrail\+\+", "LicenseRef-openrail-pp-m"),
    (r"bigscience bloom rail|bloom rail", "LicenseRef-bigscience-bloom-rail-1.0"),
    (r"bigscience open ?rail[- ]?m", "LicenseRef-bigscience-openrail-m"),
    (r"bigcode open ?rail[- ]?m", "LicenseRef-bigcode-openrail-m"),
    (r"\bopen ?rail(?:[- ]?m)?\b", "LicenseRef-openrail"),
    (r"llama 2 community licen[cs]e|llama ?2 licen[cs]e", "LicenseRef-llama2"),
    (r"llama 3\.1 community licen[cs]e|llama ?3\.1 licen[cs]e", "LicenseRef-llama3.1"),
    (r"llama 3\.2 community licen[cs]e|llama ?3\.2 licen[cs]e", "LicenseRef-llama3.2"),
    (r"llama 3\.3 community licen[cs]e|llama ?3\.3 licen[cs]e", "LicenseRef-llama3.3"),
    (r"llama 4 community licen[cs]e|llama ?4 licen[cs]e", "LicenseRef-llama4"),
    (r"(?:meta )?llama 3 community licen[cs]e|llama ?3 licen[cs]e", "LicenseRef-llama3"),
    (r"gemma terms of use", "LicenseRef-gemma"),
    (r"qwen research licen[cs]e", "LicenseRef-qwen-research"),
    (r"tongyi qianwen|qwen licen[cs]e", "LicenseRef-qwen"),
    (r"deepseek licen[cs]e", "LicenseRef-deepseek"),
    (r"falcon[- ]?(?:llm )?(?:2 )?(?:11b )?tii licen[cs]e", "LicenseRef-falcon-2-11b-tii-1.0"),
    (r"stability ai community licen[cs]e", "LicenseRef-stability-ai-community"),
    (r"stability ai non[- ]commercial research community licen[cs]e", "LicenseRef-stability-ai-nc-research-community"),
    (r"deepfloyd (?:if )?licen[cs]e", "LicenseRef-deepfloyd-if-license"),
    (r"fair non[- ]?commercial research licen[cs]e", "LicenseRef-fair-noncommercial-research-license"),
    (r"nvidia open model licen[cs]e", "LicenseRef-nvidia-open-model-license"),
    (r"mistral ai non[- ]production licen[cs]e|\bmnpl\b", "LicenseRef-mistral-mnpl-0.1"),
    (r"mistral ai research licen[cs]e", "LicenseRef-mistral-research"),
    (r"openmdw", "OpenMDW-1.0"),
    (r"open data commons attribution|\bodc[- ]by\b", "ODC-By-1.0"),
    (r"open database licen[cs]e|\bodbl\b", "ODbL-1.0"),
    (r"\bunlicense\b", "Unlicense"),
    # restrictions named as a license without a name of its own ("- **License:** Non-commercial license")
    (r"\bnon[- ]?commercial (?:use )?(?:only )?licen[cs]e", UNNAMED_NON_COMMERCIAL),
    (r"\bresearch[- ](?:only|use) licen[cs]e", UNNAMED_RESEARCH_ONLY),
)
_UNNAMED_IDS = (UNNAMED_NON_COMMERCIAL, UNNAMED_RESEARCH_ONLY)
# Chinese license statements: "遵循/遵守/依照/采用 ... 协议/许可" (follow / under ... license), "许可协议" (license agreement).
_CJK_STATEMENT = r"(?:遵循|遵守|依照|依据|采用|基于|根据)[^。；]{0,40}(?:协议|许可)|许可协议|协议开源"
# A Markdown link: group 1 its text, group 2 its URL.
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_RAIL_SPECIFIC = ("LicenseRef-creativeml", "LicenseRef-openrail-pp", "LicenseRef-bigscience", "LicenseRef-bigcode")


class _Patterns:
    """The compiled patterns, built on first use: most cards have no license line in their prose, and
    compiling these ~55 patterns at import cost ~15 ms of every audit's start-up."""

    def __init__(self) -> None:
        self.names = tuple((re.compile(p, re.IGNORECASE), i) for p, i in _NAMES)
        # A line states a license (not merely mentions one) when it says so.
        self.statement = re.compile(
            r"licen[cs]ed? (?:under|as)|released under|(?:available|distributed|provided|published|made available) under|"
            r"under (?:the |an? )?[\w .+\-]{0,40}licen[cs]e|licen[cs]e(?:\s*\*\*)?\s*[:=]|subject to the|governed by|"
            r"terms of use|is licen[cs]ed|\blicen[cs]e[ds]?\b|" + _CJK_STATEMENT,
            re.IGNORECASE,
        )
        self.clauses = re.compile(
            r";|\.\s|,\s*(?:and|while|whereas|but)\s|,\s*(?=the\s|our\s|its\s)|\s(?:while|whereas)\s|[，。；]"
        )
        # Outside a License section only explicit statements count (not tables or a bare "license" word);
        # a "License:" label line ("- **License:** Apache 2.0") is an explicit statement.
        self.strict = re.compile(
            r"licen[cs]ed? (?:under|as|by)|released under|(?:available|distributed|provided|published) under|"
            r"under (?:the |an? )?[\w .+\-]{0,40}licen[cs]e|subject to the|governed by|is licen[cs]ed|"
            r"^\s*(?:[-*+]\s+)?(?:\*\*|__)?\s*licen[cs]e\s*(?:\*\*|__)?\s*:|" + _CJK_STATEMENT,
            re.IGNORECASE,
        )
        # A license known only by its name: "the YAYI 2 Community License", "the Model License",
        # "LLaMA's model license", "《X模型社区许可协议》". Matched on the clause as written (case kept).
        self.custom = (
            re.compile(
                r"(?<![\w-])((?:[A-Z0-9][\w.'’+\-]*\s+){1,5}(?:Community|Model|Research)\s+Licen[cs]e(?:\s+Agreement)?)\b"
            ),
            re.compile(r"\b[Tt]he\s+((?:Community|Model)\s+Licen[cs]e(?:\s+Agreement)?)\b"),
            re.compile(r"\b(Community\s+Licen[cs]e\s+for\s+(?:[\w.\-]+\s+){1,3}Model)\b"),
            re.compile(
                r"(?<![\w-])([\w.\-]+['’]s\s+(?:community|model)\s+licen[cs]e(?:\s+agreement)?)\b", re.IGNORECASE
            ),
            re.compile(r"[《\[]([^《》\[\]]{0,40}(?:模型|社区)[^《》\[\]]{0,20}许可(?:协议)?)[》\]]"),
        )
        # a link whose text is a license's name ("[Baichuan-7B License](...)", "[Model License](MODEL_LICENSE)")
        self.anchor_name = re.compile(r"^(?:[A-Z0-9][\w.'’+\-]*\s+){1,5}(?i:licen[cs]e)(?:\s+(?i:agreement))?$")
        self.field = re.compile(r"licen[cs]e\s*[:=]\s*[`'\"]?([A-Za-z0-9][\w.+\-]*)", re.IGNORECASE)
        self.component = (
            (
                "code",
                re.compile(
                    r"\b(?:source code|code|codebase|software|scripts?|repository|implementation)\b|代码|源码|程序",
                    re.IGNORECASE,
                ),
            ),
            ("data", re.compile(r"\b(?:data ?sets?|data|corpus|training data)\b|数据", re.IGNORECASE)),
            ("docs", re.compile(r"\b(?:documentation|docs|model card|paper)\b|文档", re.IGNORECASE)),
            (
                "weights",
                re.compile(
                    r"\b(?:weights|checkpoints?|model weights|parameters|the model|models?)\b|模型|权重|参数",
                    re.IGNORECASE,
                ),
            ),
        )


@lru_cache(maxsize=1)
def _rx() -> _Patterns:
    return _Patterns()


@dataclass(frozen=True)
class Mention:
    license_id: str
    component: str  # weights | code | data | docs | all
    line: int  # 1-based line in the text it came from
    text: str
    custom_name: str | None = None  # set for a license known only by its name (a custom license)


def component_of(text: str) -> str:
    hits = [name for name, rx in _rx().component if rx.search(text)]
    if len(hits) == 1:
        return hits[0]
    if "weights" in hits and len(hits) == 2 and "docs" in hits:
        return "weights"
    return "all"


def find_mentions(lines: list[tuple[int, str]], *, statements_only: bool = True, strict: bool = False) -> list[Mention]:
    """License mentions in (line number, line text) pairs. ``strict``: only explicit statements
    ("released under ...") and never table rows or HTML cells."""
    out: list[Mention] = []
    rx = _rx() if lines else None
    for no, text in lines:
        if len(text) > 2000 or (statements_only and not rx.statement.search(text)):
            continue
        if strict and (text.lstrip().startswith(("|", "<")) or not rx.strict.search(text)):
            continue
        for clause in rx.clauses.split(text):
            out += _clause_mentions(clause, text, no)
    return out


def _clause_mentions(clause: str, text: str, no: int, split: bool = True) -> list[Mention]:
    ids: list[tuple[str, str | None]] = [(i, None) for i in _clause_ids(clause)]
    if any(i.startswith(_RAIL_SPECIFIC) for i, _ in ids):
        ids = [(i, n) for i, n in ids if i != "LicenseRef-openrail"]
    if split and len(ids) > 1 and "," in clause:  # "Code is released under MIT, model weights under CC-BY-NC 4.0"
        parts = [m for part in clause.split(",") for m in _clause_mentions(part, text, no, split=False)]
        if len({m.license_id for m in parts}) > 1:
            return parts
    if not ids:
        ids = [(custom_id(n), n) for n in _custom_names(clause)]
    comp = component_of(clause) if len(ids) else "all"
    if comp == "all" and len(ids):
        comp = component_of(text)
    return [Mention(lid, comp, no, " ".join(text.split())[:200], custom_name=name) for lid, name in ids[:3]]


def _custom_names(clause: str) -> list[str]:
    """Names of licenses written for one model or organisation ("YAYI 2 Community License")."""
    out: list[str] = []
    for m in _MD_LINK.finditer(clause):
        name = " ".join(m.group(1).split())
        if _rx().anchor_name.match(name) and name not in out:
            out.append(name)
    plain = _MD_LINK.sub(r"\1", clause)
    for n, rx in enumerate(_rx().custom):
        for m in rx.finditer(clause if n == len(_rx().custom) - 1 else plain):  # CJK names keep their brackets
            name = " ".join(m.group(1).split())
            if name not in out and not any(name in o for o in out):
                out.append(name)
    return out[:2]


_BARE_URL = re.compile(r"https?://[^\s)>\]]+")


def _license_file_name(url: str) -> str:
    """The last path segment of a link when it names a license file ("LICENSE", "Tongyi Qianwen LICENSE
    AGREEMENT"), else nothing."""
    seg = unquote(url.rstrip("/").rsplit("/", 1)[-1]).replace("_", " ")
    return seg if re.search(r"licen[cs]e", seg, re.IGNORECASE) else ""


def _clause_ids(clause: str) -> list[str]:
    ids: list[str] = []
    rx = _rx()
    m = rx.field.search(clause)
    if m:
        info = lookup(m.group(1).rstrip(".,;:"))
        if info is not None and info.id not in ("LicenseRef-other", "LicenseRef-unknown"):
            ids.append(info.id)
    # Names are read from the words, not from URLs ("github.com/mit-han-lab/…/LICENSE" is no MIT), except a
    # linked license file named for its license ("…/Tongyi%20Qianwen%20LICENSE%20AGREEMENT").
    text = _MD_LINK.sub(lambda m: f"{m.group(1)} {_license_file_name(m.group(2))}", clause)
    text = _BARE_URL.sub(lambda m: _license_file_name(m.group(0)), text)
    for pat, lid in rx.names:
        hit = pat.search(text)
        if not hit:
            continue
        groups = [g for g in hit.groups() if g]
        resolved = lid.format(*groups) if "{0}" in lid and groups else lid
        if resolved not in ids:
            ids.append(resolved)
    if len(ids) > 1:  # a named license says more than "non-commercial" / "research-only" alone
        ids = [i for i in ids if i not in _UNNAMED_IDS]
    return ids
