"""Weight files: formats (by extension and by content), sizes, safe-format share, sharded index
completeness, parameter count and dtypes from safetensors headers, gating, intermediate checkpoints
and pickle scan results. Reads only what the Snapshot holds (headers, never tensors).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from openaudit.base.formats import WEIGHT_FORMATS, sniff
from openaudit.base.parse import ParseProblem, load_json
from openaudit.collect import _ext
from openaudit.collect.card import CardFacts
from openaudit.collect.common import plural, short
from openaudit.model import Condition, Evidence, ScanStatus, Snapshot
from openaudit.safety.results import code_of, status_of
from openaudit.safety.roles import strict_name

EXT_FORMAT = WEIGHT_FORMATS  # the format a weights file is reported as, by extension
SAFE_FORMATS = frozenset({"safetensors", "gguf", "ggml", "onnx", "msgpack", "tflite", "coreml"})
# Pickle-family files that are not weights (trainer state, optimiser, RNG, tokenizer objects).
NOT_WEIGHTS = re.compile(
    r"(^|/)(training_args|optimizer|scheduler|scaler|rng_state[\w-]*|trainer_state|"
    r"tokenizer|vocab|sentencepiece|spiece|merges|special_tokens_map)\.[\w.]+$",
    re.I,
)
DATA_EXT = re.compile(r"\.(idx|bin)$", re.I)
SHARD = re.compile(r"^(?P<stem>.+?)[-_.](?P<i>\d{1,6})-of-(?P<n>\d{1,6})(?P<ext>\.[\w.]+)$")
CKPT_DIR = re.compile(
    r"(^|/)(checkpoint[-_]?\d+|checkpoints?|step[-_]?\d+|global[_-]?step[-_]?\d+|iter(ation)?[-_]?\d+|"
    r"epoch[-_]?\d+|ckpt[-_]?\d+|stage\d[-\w]*step\d+[-\w]*|intermediate[-_]\w*)/",
    re.I,
)
CKPT_REF = re.compile(
    r"(^|[-_/])(step|iter|iteration|epoch|ckpt|checkpoint|global[_-]?step|tokens?)[-_]?\d+|"
    r"^(stage\d|intermediate|checkpoint)",
    re.I,
)
VARIANT_DIRS = re.compile(
    r"(^|/)(onnx|openvino|coreml|tflite|tf|flax|jax|gguf|ggml|mlx|original|"
    r"quantized|int4|int8|fp16|bf16|gptq|awq|exl2|\w+\.mlpackage|\w+\.mlmodelc)/",
    re.I,
)
CARD_CKPT = re.compile(
    r"revision\s*=\s*[\"'](step|ckpt|checkpoint|iter|stage)[\w-]*[\"']|"
    r"intermediate (training )?checkpoints?|checkpoints? (are|is) (available|released|published)|"
    r"(branches?|revisions?) (named |called |like |such as )?[\"'`]?step\d+",
    re.I,
)
CARD_CKPT_NEG = re.compile(r"\b(not|no|will be|upon request|on request|plan to|coming soon)\b", re.I)


@dataclass(frozen=True)
class WeightFile:
    path: str
    size: int | None
    format: str  # safetensors, pickle, torch-zip, gguf, onnx, ...
    safe: bool
    by: str  # "extension" | "content" | "scan"
    scan: dict[str, Any] | None = None  # Snapshot.scans entry when present


@dataclass(frozen=True)
class WeightGroup:
    """A set of safetensors files that form one model (shards of one name in one folder)."""

    key: str
    paths: tuple[str, ...]
    params: int
    elements: int
    dtypes: dict[str, int]
    role: str  # "main" | "variant" | "checkpoint"
    variant_of: str | None = None


@dataclass(frozen=True)
class IndexCheck:
    path: str
    shards: tuple[str, ...]
    missing: tuple[str, ...]
    problem: str | None = None


@dataclass(frozen=True)
class WeightsFacts:
    files: tuple[WeightFile, ...] = ()
    formats: dict[str, int] = field(default_factory=dict)  # format -> bytes
    total_bytes: int = 0
    safe_bytes: int = 0
    unknown_size: int = 0  # weight files without a known size
    groups: tuple[WeightGroup, ...] = ()
    param_count: int | None = None  # main model; floating tensors + non-buffer integer tensors
    param_source: str | None = None  # "safetensors headers" | "hub api"
    dtypes: dict[str, int] = field(default_factory=dict)
    header_problems: tuple[tuple[str, str], ...] = ()  # (path, problem)
    headers_missing: tuple[str, ...] = ()  # safetensors files whose header was not available
    indexes: tuple[IndexCheck, ...] = ()
    shard_gaps: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (pattern, missing numbers) without an index
    gated: Any = None  # Snapshot.api["gated"] (False / "auto" / "manual"); None when unknown
    gated_evidence: tuple[Evidence, ...] = ()
    checkpoints: tuple[Evidence, ...] = ()  # evidence of intermediate checkpoints (refs, folders, card)
    checkpoint_refs: tuple[str, ...] = ()
    checkpoint_dirs: tuple[str, ...] = ()
    # Pickle scans over EVERY file a pickle loader may read (weights, training_args.bin, optimizer.pt,
    # pickles with text names...), not only weight files:
    dangerous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path, dangerous globals)
    unscannable: tuple[tuple[str, str], ...] = ()  # (path, "<ScanCode value>: reason")
    unscanned: tuple[str, ...] = ()  # pickle-family files (by name or by a weight format) with no scan result
    clean: tuple[str, ...] = ()  # scanned to the end: clean, or no pickle in them
    scan_gaps: tuple[Evidence, ...] = ()  # typed source notes that leave files unseen or unscanned
    skipped_dirs: tuple[Evidence, ...] = ()  # folders a local walk did not enter (DIRS_SKIPPED)

    @property
    def present(self) -> bool:
        return bool(self.files)

    @property
    def safe_share(self) -> float | None:
        return None if not self.total_bytes else self.safe_bytes / self.total_bytes


def _format_of(snapshot: Snapshot, path: str) -> tuple[str, str] | None:
    low = path.lower()
    if ".mlpackage/" in low or ".mlmodelc/" in low:
        return ("coreml", "extension") if low.endswith((".bin", ".mil", ".mlmodel")) else None
    ext = posixpath.splitext(low)[1]
    fmt = EXT_FORMAT.get(ext)
    if fmt is None or NOT_WEIGHTS.search(path):
        return None
    if fmt == "unknown":
        return None
    scan = snapshot.scans.get(path)
    if isinstance(scan, dict) and isinstance(scan.get("format"), str) and scan["format"] not in ("", "unknown"):
        return str(scan["format"]), "scan"
    head = snapshot.head_bytes.get(path)
    if head:
        sniffed = sniff(bytes(head))
        if sniffed != "unknown":
            return sniffed, "content"
    if fmt == "pickle" and ext == ".bin" and DATA_EXT.search(low):
        stem = low[: -len(ext)]
        if snapshot.file(path[: -len(ext)] + ".idx") is not None or snapshot.file(stem + ".idx") is not None:
            return None  # Megatron data index pair: data, not weights
    return fmt, "extension"


def _is_safe(fmt: str, scan: dict | None) -> bool:
    if fmt == "numpy":  # object arrays pickle; only a scan saying "not_pickle"/clean makes npy safe
        return isinstance(scan, dict) and scan.get("status") in ("not_pickle", "clean")
    return fmt in SAFE_FORMATS


def _int_param(name: str) -> bool:
    n = name.lower()
    return not (n.endswith(("position_ids", "num_batches_tracked", "token_type_ids", "_ids")) or "masked_bias" in n)


def _group_key(path: str) -> str:
    d, base = posixpath.split(path)
    m = SHARD.match(base)
    if m:
        base = m.group("stem") + m.group("ext")
    base = re.sub(r"\.(fp16|fp32|bf16|non_ema|ema|half)(?=\.)", r".\1", base)
    return posixpath.join(d, base)


def _params_from_headers(snapshot: Snapshot, files: list[WeightFile]) -> tuple[list[WeightGroup], list, list]:
    problems: list[tuple[str, str]] = []
    missing: list[str] = []
    acc: dict[str, dict[str, Any]] = {}
    for wf in files:
        if wf.format != "safetensors" or not wf.path.lower().endswith(".safetensors"):
            continue
        raw = snapshot.safetensors_headers.get(wf.path)
        if raw is None:
            missing.append(wf.path)
            continue
        info = _ext.parse_safetensors(raw, wf.size, wf.path)
        for p in info.problems:
            problems.append((wf.path, p))
        g = acc.setdefault(_group_key(wf.path), {"paths": [], "params": 0, "elements": 0, "dtypes": {}, "sig": set()})
        g["paths"].append(wf.path)
        for name, (dtype, shape) in info.shapes.items():
            n = _ext.numel(shape)
            g["elements"] += n
            g["sig"].add((name, shape))
            if dtype.upper() not in _ext.INT_DTYPES or _int_param(name):
                g["params"] += n
                g["dtypes"][dtype] = g["dtypes"].get(dtype, 0) + n

    # Order: outside checkpoint/variant folders first, shallow first, then path.
    def rank(key: str) -> tuple:
        return (bool(CKPT_DIR.search(key)), bool(VARIANT_DIRS.search(key)), key.count("/"), key)

    groups: list[WeightGroup] = []
    kept: list[tuple[str, frozenset, int]] = []
    for key in sorted(acc, key=rank):
        g = acc[key]
        if g["elements"] == 0:
            continue
        sig = frozenset(g["sig"])
        role, of = "main", None
        if CKPT_DIR.search(key):
            role = "checkpoint"
        else:
            for k2, sig2, p2 in kept:
                if sig == sig2 or (p2 and abs(g["params"] - p2) <= 0.005 * p2 and g["params"] > 1_000_000):
                    role, of = "variant", k2
                    break
            if role == "main" and VARIANT_DIRS.search(key) and kept:
                role, of = "variant", kept[0][0]
        if role == "main":
            kept.append((key, sig, g["params"]))
        groups.append(
            WeightGroup(
                key=key,
                paths=tuple(sorted(g["paths"])),
                params=g["params"],
                elements=g["elements"],
                dtypes=dict(sorted(g["dtypes"].items())),
                role=role,
                variant_of=of,
            )
        )
    return groups, problems, missing


def _indexes(snapshot: Snapshot) -> tuple[list[IndexCheck], list]:
    paths = {f.path for f in snapshot.files}
    out: list[IndexCheck] = []
    for f in snapshot.files:
        if not f.path.endswith(".index.json") or not re.search(r"(safetensors|bin|pt|pth|ckpt)\.index\.json$", f.path):
            continue
        text = snapshot.texts.get(f.path)
        if text is None:
            out.append(IndexCheck(f.path, (), (), problem="index file was not read"))
            continue
        try:
            data = load_json(text, source=f.path)
        except ParseProblem as exc:
            out.append(IndexCheck(f.path, (), (), problem=exc.reason))
            continue
        wm = data.get("weight_map") if isinstance(data, dict) else None
        if not isinstance(wm, dict):
            out.append(IndexCheck(f.path, (), (), problem="no weight_map object"))
            continue
        base = posixpath.dirname(f.path)
        shards = sorted({str(v) for v in wm.values() if isinstance(v, str)})
        missing = tuple(s for s in shards if posixpath.normpath(posixpath.join(base, s)) not in paths)
        out.append(IndexCheck(f.path, tuple(shards), missing))
    # shard series without an index: numbers 1..N must all be there
    series: dict[tuple[str, str], set[int]] = {}
    for p in paths:
        m = SHARD.match(posixpath.basename(p))
        if m and posixpath.splitext(p)[1].lower() in EXT_FORMAT:
            key = (
                posixpath.join(posixpath.dirname(p), m.group("stem")) + "-*-of-" + m.group("n") + m.group("ext"),
                m.group("n"),
            )
            series.setdefault(key, set()).add(int(m.group("i")))
    gaps = []
    for (pattern, n), have in sorted(series.items()):
        total = int(n)
        start = 0 if 0 in have else 1
        want = set(range(start, total + start))
        if total <= 10000 and want - have:
            gaps.append((pattern, tuple(sorted(want - have))[:20]))
    return out, gaps


def checkpoint_dir(path: str) -> str | None:
    """The checkpoint folder a weight file sits in: the deepest folder named like one
    (``checkpoints/step-10/model.safetensors`` -> ``checkpoints/step-10``), or None."""
    parts = path.split("/")[:-1]
    hits = [i for i, part in enumerate(parts) if CKPT_DIR.match(part + "/")]
    return "/".join(parts[: hits[-1] + 1]) if hits else None


def _checkpoints(snapshot: Snapshot, card: CardFacts, files: list[WeightFile]) -> tuple[list, list, list]:
    ev: list[Evidence] = []
    refs = [r for r in snapshot.refs if CKPT_REF.search(r.split("/")[-1])]
    if refs:
        shown = ", ".join(refs[:8]) + (f" … ({len(refs)} in all)" if len(refs) > 8 else "")
        ev.append(Evidence(kind="api_field", field="refs", snippet=f"checkpoint branches/tags: {shown}"))
    dirs = sorted({d for wf in files for d in [checkpoint_dir(wf.path)] if d})
    if dirs:
        ev.append(
            Evidence(
                kind="file",
                path=dirs[0] + "/",
                snippet=f"{plural(len(dirs), 'checkpoint folder')} with weights: " + ", ".join(dirs[:6]),
            )
        )
    if card.exists:
        for ln, text in card.grep(CARD_CKPT)[:3]:
            strong = re.search(r"revision\s*=|branch", text, re.I) is not None
            if CARD_CKPT_NEG.search(text) and not strong:
                continue
            ev.append(card.line_evidence(ln, text))
    return ev, refs, dirs


def collect(snapshot: Snapshot, card: CardFacts) -> WeightsFacts:
    files: list[WeightFile] = []
    for f in snapshot.files:
        if f.kind != "file":
            continue
        got = _format_of(snapshot, f.path)
        if got is None:
            continue
        fmt, by = got
        scan = snapshot.scans.get(f.path)
        scan = dict(scan) if isinstance(scan, dict) else None
        if fmt == "safetensors" and f.path not in snapshot.safetensors_headers and f.path in snapshot.head_bytes:
            fmt, by = "invalid-safetensors", "content"  # read, but its header is not a safetensors header
        files.append(WeightFile(f.path, f.size, fmt, _is_safe(fmt, scan), by, scan))
    formats: dict[str, int] = {}
    total = safe = unknown = 0
    for wf in files:
        formats[wf.format] = formats.get(wf.format, 0) + (wf.size or 0)
        if wf.size is None:
            unknown += 1
            continue
        total += wf.size
        if wf.safe:
            safe += wf.size
    groups, problems, missing = _params_from_headers(snapshot, files)
    main = [g for g in groups if g.role == "main"]
    params: int | None = sum(g.params for g in main) if main else None
    dtypes: dict[str, int] = {}
    for g in main:
        for k, v in g.dtypes.items():
            dtypes[k] = dtypes.get(k, 0) + v
    source = "safetensors headers" if params else None
    if not params:
        st = snapshot.api.get("safetensors") if snapshot.api else None
        if isinstance(st, dict) and isinstance(st.get("total"), int) and st["total"] > 0:
            params, source = int(st["total"]), "hub api"
            if isinstance(st.get("parameters"), dict):
                dtypes = {str(k): int(v) for k, v in st["parameters"].items() if isinstance(v, int)}
        else:
            params = None
    indexes, gaps = _indexes(snapshot)
    gated, gated_ev = None, []
    if snapshot.api and "gated" in snapshot.api:
        gated = snapshot.api.get("gated")
        gated_ev.append(Evidence(kind="api_field", field="gated", snippet=f"gated: {gated!r}"))
    gate_keys = [k for k in card.metadata if str(k).startswith("extra_gated")] if card.exists else []
    if gate_keys:
        gated_ev.append(card.field_evidence(gate_keys[0], snippet=f"{gate_keys[0]}: … (access form in card metadata)"))
    ckpt_ev, refs, dirs = _checkpoints(snapshot, card, files)
    dangerous, unscannable, unscanned, clean = _pickle_scans(snapshot, files)
    scan_gaps = tuple(
        Evidence(kind="note", path=n.path, snippet=short(n.message, 200)) for n in snapshot.notes_with(*SCAN_GAPS)
    )
    skipped = tuple(
        Evidence(kind="note", path=n.path, snippet=short(n.message, 300))
        for n in snapshot.notes_with(Condition.DIRS_SKIPPED)
    )
    return WeightsFacts(
        files=tuple(files),
        formats=dict(sorted(formats.items())),
        total_bytes=total,
        safe_bytes=safe,
        unknown_size=unknown,
        groups=tuple(groups),
        param_count=params,
        param_source=source,
        dtypes=dict(sorted(dtypes.items())),
        header_problems=tuple(problems),
        headers_missing=tuple(missing),
        indexes=tuple(indexes),
        shard_gaps=tuple(gaps),
        gated=gated,
        gated_evidence=tuple(gated_ev),
        checkpoints=tuple(ckpt_ev),
        checkpoint_refs=tuple(refs),
        checkpoint_dirs=tuple(dirs),
        dangerous=tuple(dangerous),
        unscannable=tuple(unscannable),
        unscanned=tuple(unscanned),
        clean=tuple(clean),
        scan_gaps=scan_gaps,
        skipped_dirs=skipped,
    )


# Typed source notes after which not every file a pickle loader may read was seen or scanned.
SCAN_GAPS = (
    Condition.LISTING_CAPPED,
    Condition.SCAN_INCOMPLETE,
    Condition.FOLDER_UNLISTED,
    Condition.READS_STOPPED,
    Condition.ACCESS_DENIED,
    Condition.TREE_UNLISTED,
    Condition.FILE_UNREADABLE,
)


def _pickle_scans(snapshot: Snapshot, files: list[WeightFile]) -> tuple[list, list, list, list]:
    """Sort every scan result (and every pickle-family file without one) into dangerous /
    unscannable / unscanned / clean. Decided on the typed ``status`` and ``code``."""
    dangerous, unscannable, clean = [], [], []
    for path in sorted(snapshot.scans):
        scan = snapshot.scans[path]
        st = status_of(scan)
        if st is ScanStatus.DANGEROUS:
            dangerous.append((path, tuple(str(g) for g in scan.get("dangerous") or ()) or ("(unnamed)",)))
        elif st is ScanStatus.UNSCANNABLE:
            unscannable.append(
                (path, short(f"{code_of(scan).value}: {scan.get('reason') or 'could not be parsed'}", 160))
            )
        else:
            clean.append(path)
    pickle_weights = {
        wf.path for wf in files if wf.format in ("pickle", "torch-zip", "zip", "numpy", "joblib", "nemo", "keras")
    }
    unscanned = sorted(
        f.path
        for f in snapshot.files
        if f.path not in snapshot.scans
        and (f.path in pickle_weights or strict_name(f.path))
        and f.kind in ("file", "symlink")
        and f.size != 0
    )
    return dangerous, unscannable, unscanned, clean
