"""Frozen data shapes shared by every stage of the flow.

TARGET -> sources -> Snapshot -> collect -> Evidence/Facts -> probes -> Findings -> rubric -> Report -> render

Nothing in here does I/O. Everything is immutable (frozen dataclasses, tuples, MappingProxy-free dicts
that nobody mutates after construction) so a stage can never reach back and change an earlier one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Outcome(str, enum.Enum):
    """Result of one yes/no probe. Only FAIL (and PARTIAL, for its missing share) lowers a score;
    NOT_AVAILABLE / NOT_APPLICABLE / ERROR lower *confidence*, never the score."""

    PASS = "pass"
    FAIL = "fail"
    PARTIAL = "partial"
    NOT_APPLICABLE = "not_applicable"
    NOT_AVAILABLE = "not_available"
    ERROR = "error"

    @property
    def counts(self) -> bool:
        """True when the outcome is an observed answer that enters a score."""
        return self in (Outcome.PASS, Outcome.FAIL, Outcome.PARTIAL)


class SourceKind(str, enum.Enum):
    HUB = "hub"
    LOCAL = "local"
    CACHE = "cache"  # a snapshot folder inside the Hugging Face cache
    CAPTURE = "capture"  # a folder written by `openaudit snapshot`


@dataclass(frozen=True)
class Target:
    """What the user asked to audit, resolved to a source."""

    id: str  # hub repo id ("org/name") or the folder's name
    source: SourceKind
    revision: str | None = None  # as asked ("main", "step1000", a sha); None = default
    path: str | None = None  # local folder, when there is one


@dataclass(frozen=True)
class FileEntry:
    """One file of the repository, as listed (never read in full unless small text)."""

    path: str  # posix, relative to the repo root
    size: int | None  # bytes; None when unknown
    sha256: str | None = None  # LFS sha256 (hub) or computed (local, small files only)
    blob_id: str | None = None  # git blob id when the hub reports it
    lfs: bool = False
    kind: str = "file"  # "file" | "symlink" | "special" (fifo/device: listed, never read)


class Condition(str, enum.Enum):
    """What a source could not do or observe, as a code. Collectors and probes decide on these codes,
    never on a note's wording (messages are for people)."""

    OFFLINE = "offline"  # network-only facts were not fetched
    CACHE_PARTIAL = "cache_partial"  # a Hub cache snapshot holds only the files that were downloaded
    ACCESS_DENIED = "access_denied"  # files could not be read (401/403/gated): only the API's view was used
    TREE_UNLISTED = "tree_unlisted"  # the file tree could not be listed (a fallback list may be used)
    REFS_UNLISTED = "refs_unlisted"  # branches and tags could not be listed
    FOLDER_UNLISTED = "folder_unlisted"  # a local folder could not be listed
    LISTING_CAPPED = "listing_capped"  # more files than the listing cap: files beyond it were not seen
    FILE_UNREADABLE = "file_unreadable"  # a listed file could not be read or fetched
    READS_STOPPED = "reads_stopped"  # too many failed reads: the remaining files were not fetched
    TEXT_SKIPPED = "text_skipped"  # a text file was not read (caps, not decodable, grew while read)
    BAD_NAME = "bad_name"  # a file name with control characters
    SPECIAL_FILE = "special_file"  # FIFO / device / socket: listed, never opened
    SYMLINK_SKIPPED = "symlink_skipped"  # a symlink out of the folder, broken, to a folder or special file
    HEADER_UNREADABLE = "header_unreadable"  # a safetensors header could not be read (truncated, over the cap)
    SCAN_INCOMPLETE = "scan_incomplete"  # pickle-family files were not (fully) scanned
    LOOKUP_INCOMPLETE = "lookup_incomplete"  # Hub lookups (datasets, base models) capped or failed
    DIRS_SKIPPED = (
        "dirs_skipped"  # local walk: virtualenv / VCS / tool-cache folders not walked (no model loader reads them)
    )
    CAPTURE_IGNORED = "capture_ignored"  # a capture manifest inside a folder audited as a plain folder (no --capture)


class ScanStatus(str, enum.Enum):
    """Verdict of a static pickle scan (``Snapshot.scans[path]["status"]``). Only CLEAN and NOT_PICKLE
    come from a scan that ran to the end; UNSCANNABLE never counts as clean."""

    CLEAN = "clean"  # every pickle a loader reads was parsed to the end and names only allowlisted callables
    DANGEROUS = "dangerous"  # names a denylisted callable, a dunder/unlisted attribute walk or an unresolvable global
    UNSCANNABLE = "unscannable"  # cannot be vouched for (``code`` says why)
    NOT_PICKLE = "not_pickle"  # no pickle loader runs anything from these bytes


class ScanCode(str, enum.Enum):
    """Why a scan has its status (``Snapshot.scans[path]["code"]``). Decisions read this code (and the
    typed fields next to it, e.g. ``offset``), never the human ``reason``."""

    OK = "ok"  # complete scan, nothing outside the allowlist
    NOT_PICKLE = "not_pickle"  # a format that holds no pickle, or bytes no pickle loader accepts
    DANGEROUS_GLOBAL = "dangerous_global"  # a denylisted callable, a dunder or unlisted attribute step
    UNRESOLVED_GLOBAL = "unresolved_global"  # STACK_GLOBAL operands / extension codes not static
    UNKNOWN_GLOBAL = "unknown_global"  # a callable outside the allowlist (importing it runs its module)
    MALFORMED = "malformed"  # not what a real loader accepts (opcodes, stack, container structure)
    TRUNCATED = "truncated"  # the data ends inside a pickle or a container record
    TRAILING_DATA = "trailing_data"  # bytes after the pickles a loader could still read (``offset``)
    CAP_REACHED = "cap_reached"  # opcode / byte / member / nesting / decompression caps
    BUDGET = "budget"  # the byte budget of a ranged (remote) scan ended before the scan did
    UNSUPPORTED = "unsupported"  # a construct the static model cannot follow (joblib arrays it cannot size, lz4, ...)
    ENCRYPTED = "encrypted"  # an encrypted archive member
    ZIP_BOMB = "zip_bomb"  # a compression ratio only a zip bomb has
    CORRUPT_CONTAINER = "corrupt_container"  # a zip / tar / compressed stream that cannot be read
    UNKNOWN_FORMAT = "unknown_format"  # a pickle-family file whose bytes no scanner recognises
    EMPTY = "empty"  # an empty pickle-family file
    TORCHSCRIPT = "torchscript"  # TorchScript code run by torch.jit.load
    LINK_MEMBER = "link_member"  # an archive link member a loader would follow
    READ_ERROR = "read_error"  # the bytes could not be read (I/O, HTTP)
    SCANNER_ERROR = "scanner_error"  # the scanner itself failed


class RunStatus(str, enum.Enum):
    """How far a heavy pass (benchmark contamination) got. Only COMPLETE can clear anything: an
    INCOMPLETE result keeps the matches it found but is never "clean"; NOT_RUN says why in a reason."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"  # inputs capped or skipped (listed under ``problems``)
    NOT_RUN = "not_run"  # asked for but not run (``reason`` code + message)


@dataclass(frozen=True)
class Note:
    """One thing a source could not do: a typed ``code``, the file it concerns (if any) and a message."""

    code: Condition
    message: str
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code.value, "message": self.message}
        if self.path is not None:
            d["path"] = self.path
        return d

    def has(self, *codes: Condition) -> bool:
        return self.code in codes


class LinkKind(str, enum.Enum):
    GITHUB_REPO = "github_repo"  # https://github.com/<owner>/<repo>
    HUB_DATASET = "hub_dataset"  # a Hub dataset named in the card (front matter or link)
    HUB_MODEL = "hub_model"  # a Hub model named in the card (e.g. a base model)
    PAPER = "paper"  # arXiv / DOI / PDF links


class LinkStatus(str, enum.Enum):
    """Outcome of following one link. Only OK carries facts; every other status means "not observed"
    (``not_available``), never a negative verdict."""

    OK = "ok"
    NOT_FOUND = "not_found"  # 404 / 410 (the resource is gone or private)
    RATE_LIMITED = "rate_limited"  # 403/429 with rate-limit headers
    ERROR = "error"  # timeouts, 5xx after retries, malformed answers
    OFFLINE = "offline"  # not followed: --offline, or links not followed for this source
    SKIPPED = "skipped"  # not followed: over the per-audit link cap, or not a public http(s) address


@dataclass(frozen=True)
class LinkLookup:
    """What following one link from the card found (filled by ``sources.follow``; read by collectors).

    ``facts`` depends on ``kind`` and holds plain JSON-able values; only ``status`` OK carries facts
    (any other status: nothing was observed). Keys (stable; docs/targets.md has the details):

    * every kind: ``card_line`` (1-based line of README.md where the link was first found, or None)
      and ``card_context`` ("text", "code" = inside a fenced code block, "front_matter").
    * ``github_repo``: ``full_name`` (after redirects), ``license_spdx`` (GitHub's SPDX id, None when
      there is no license file or GitHub could not identify it), ``license_name``, ``default_branch``,
      ``commit_sha`` (the default branch's head: everything below is read at this commit),
      ``redirected_from`` (the name asked for when the repository was renamed, else None), ``archived``,
      ``paths`` (file paths, at most 2000), ``training_code`` / ``preprocessing_code`` /
      ``evaluation_code`` (paths judged by path words, at most 100 each), ``truncated`` (``paths`` is
      incomplete), ``tree_truncated`` (GitHub cut the tree: the three code lists may miss files, so an
      empty list proves nothing), ``readme_mentions`` (topics the README mentions: "training", "data",
      "evaluation", "license", "this_model"; None when the README could not be read).
    * ``hub_dataset`` / ``hub_model``: ``id``, ``exists`` (True), ``gated``, ``private``, ``disabled``,
      ``license`` (the Hub's ``license:`` tag, else the card's), ``sha`` (the main branch's commit),
      ``card_license`` (the repo card's ``license:`` as written). A gated repo whose info is refused
      is OK with ``gated`` True and the rest None.
    * ``paper``: ``id`` (arXiv id or DOI; None for a PDF link), ``exists`` (True), ``final_url`` (the URL
      that answered, or the landing page a DOI registers).

    ``evidence_url`` is the URL a person opens to check (pinned to a commit where one exists);
    ``requests`` counts HTTP requests made for this link (0 when answered from the lookup cache or by
    a lookup the same audit already made)."""

    url: str  # the link as written in the card (normalised)
    kind: LinkKind
    status: LinkStatus
    facts: Mapping[str, Any] = field(default_factory=dict)
    evidence_url: str | None = None
    requests: int = 0
    detail: str = ""  # a short human reason for a status other than OK

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"url": self.url, "kind": self.kind.value, "status": self.status.value}
        if self.facts:
            d["facts"] = dict(self.facts)
        if self.evidence_url:
            d["evidence_url"] = self.evidence_url
        if self.requests:
            d["requests"] = self.requests
        if self.detail:
            d["detail"] = self.detail
        return d


@dataclass(frozen=True)
class NetworkStats:
    requests: int = 0
    bytes: int = 0  # response bytes received (bodies; headers not counted)


@dataclass(frozen=True)
class Snapshot:
    """Everything an audit may look at. Sources fill it; nothing downstream does I/O.

    * ``texts``: small text files (card, licenses, configs, scripts, logs), decoded, keyed by path.
      Files too large or binary are absent here but present in ``files``.
    * ``safetensors_headers``: raw header bytes decoded as text (JSON), keyed by path; parsed and
      validated by ``openaudit.safety.safetensors``. Only the header — never tensor data.
    * ``head_bytes``: the first bytes (<= 64 KiB) of files whose format is sniffed by content
      (pickle/zip/gguf/onnx...), keyed by path. Local sources fill it; the hub fills it only
      for small files.
    * ``api``: the Hub API's model-info fields (``gated``, ``library_name``, ``pipeline_tag``,
      ``tags``, ``cardData``, ``downloads``, ``securityStatus`` ...) as returned; empty offline.
    * ``refs``: branch and tag names (intermediate checkpoints often live on branches like step1000).
    * ``scans``: static scan results keyed by path (pickle opcode scans from ``openaudit.safety``),
      computed by the source because only it can read the bytes; plain JSON-able dicts.
    * ``notes``: things the source could not do (offline, skipped file, guard tripped), each a typed
      :class:`Note` (a :class:`Condition` code, the path, a human sentence); they become
      ``not_available`` evidence, never a fail. Decisions read ``Note.code``, never the message.
    """

    target: Target
    commit_sha: str | None
    files: tuple[FileEntry, ...]
    texts: Mapping[str, str] = field(default_factory=dict)
    safetensors_headers: Mapping[str, bytes] = field(default_factory=dict)
    head_bytes: Mapping[str, bytes] = field(default_factory=dict)
    api: Mapping[str, Any] = field(default_factory=dict)
    refs: tuple[str, ...] = ()
    offline: bool = False
    network: NetworkStats = field(default_factory=NetworkStats)
    notes: tuple[Note, ...] = ()
    scans: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    base_url: str | None = None  # e.g. "https://huggingface.co/org/name" for evidence URLs
    links: tuple[LinkLookup, ...] = ()  # links from the card that were followed (or why not); empty offline

    def notes_with(self, *codes: Condition) -> list[Note]:
        return [n for n in self.notes if n.code in codes]

    def file(self, path: str) -> FileEntry | None:
        for f in self.files:
            if f.path == path:
                return f
        return None

    def url_for(self, path: str) -> str | None:
        """A URL a person can open to see ``path`` at the audited commit (hub only)."""
        if not self.base_url:
            return None
        rev = self.commit_sha or self.target.revision or "main"
        return f"{self.base_url}/blob/{rev}/{path}"


@dataclass(frozen=True)
class Evidence:
    """Where a verdict came from. ``kind`` is one of:
    file (a file exists / its content), line (a line of a text file), card_field (YAML front matter
    key in ``field``), api_field (Hub API field in ``field``), url (a link), absence (a search that
    found nothing — lists what was looked for in ``snippet``), computed (a figure derived from the
    above, e.g. a parameter count), note (a source/guard note)."""

    kind: str
    path: str | None = None
    line: int | None = None
    url: str | None = None
    snippet: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        for k in ("path", "line", "url", "snippet", "field"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        return d


@dataclass(frozen=True)
class Finding:
    """The answer of one named probe, with its evidence.

    ``value`` is an optional machine-readable figure (a parameter count, a license id, a share...)
    that renderers may show and frameworks may read; ``score`` in [0,1] refines PARTIAL (default 0.5).
    """

    probe: str
    outcome: Outcome
    message: str
    evidence: tuple[Evidence, ...] = ()
    value: Any = None
    score: float | None = None

    @property
    def credit(self) -> float | None:
        """Fraction of the criterion earned; None when the outcome does not count."""
        if self.outcome is Outcome.PASS:
            return 1.0
        if self.outcome is Outcome.FAIL:
            return 0.0
        if self.outcome is Outcome.PARTIAL:
            return 0.5 if self.score is None else max(0.0, min(1.0, float(self.score)))
        return None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "probe": self.probe,
            "outcome": self.outcome.value,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.value is not None:
            d["value"] = self.value
        if self.score is not None:
            d["score"] = round(float(self.score), 4)
        return d


@dataclass(frozen=True)
class DimensionResult:
    id: str
    name: str
    score: float | None  # 0-10, None = not available (no counting finding)
    grade: str | None
    confidence: float  # share of the dimension's weight that was actually observed (0-1)
    findings: tuple[Finding, ...]
    errors: tuple[str, ...] = ()  # probes whose check failed (ERROR): scored as a fail, not observed
    unrun: tuple[str, ...] = ()  # probes the rubric names that produced no finding

    @property
    def unverified(self) -> bool:
        return bool(self.errors or self.unrun)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "score": None if self.score is None else round(self.score, 2),
            "grade": self.grade,
            "confidence": round(self.confidence, 3),
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.errors:
            d["errors"] = list(self.errors)
        if self.unrun:
            d["unrun"] = list(self.unrun)
        if self.unverified:
            d["unverified"] = True
        return d


@dataclass(frozen=True)
class Report:
    """The whole result. ``to_dict`` is the JSON report (rubrics/schema/report.schema.json)."""

    schema_version: str
    tool: Mapping[str, str]
    target: Mapping[str, Any]
    rubric: Mapping[str, Any]
    license: Mapping[str, Any]
    dimensions: tuple[DimensionResult, ...]
    overall: Mapping[str, Any]
    frameworks: Mapping[str, Any]
    facts: Mapping[str, Any] = field(default_factory=dict)  # weights/params/datasets summary
    network: Mapping[str, int] | None = None
    contamination: Mapping[str, Any] | None = None
    verification: Mapping[str, Any] | None = None
    generated_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": self.schema_version,
            "tool": dict(self.tool),
            "target": dict(self.target),
            "rubric": dict(self.rubric),
            "license": dict(self.license),
            "dimensions": [x.to_dict() for x in self.dimensions],
            "overall": dict(self.overall),
            "frameworks": dict(self.frameworks),
            "facts": dict(self.facts),
        }
        if self.network is not None:
            d["network"] = dict(self.network)
        if self.contamination is not None:
            d["contamination"] = self.contamination
        if self.verification is not None:
            d["verification"] = self.verification
        if self.generated_at is not None:
            d["generated_at"] = self.generated_at
        return d

    def findings(self) -> list[Finding]:
        return [f for d in self.dimensions for f in d.findings]
