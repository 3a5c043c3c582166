"""Weights probes: presence, safe formats, shard index, parameter count, gating, intermediate
checkpoints, dangerous pickles."""

from __future__ import annotations

import re

from openaudit.collect.common import absence, note_evidence, short
from openaudit.collect.findings import NA, NAP, PA, F, P, files_unavailable, finding, partial_cache_note, plural
from openaudit.collect.weights import checkpoint_dir
from openaudit.model import Condition, Evidence, Finding
from openaudit.probes.registry import ProbeContext, probe

# Card lines that load this model's published weights (usage code, download commands, file tables).
LOADS_WEIGHTS = re.compile(
    r"\.from_pretrained\(|hf_hub_download\(|snapshot_download\(|huggingface-cli download|"
    r"\bpipeline\([^)]*model\s*=|SentenceTransformer\(\s*['\"]|CrossEncoder\(\s*['\"]|"
    r"open_clip\.create_model\w*\(|\bwhisper\.load_model\(|"
    r"[\w.-]+\.(gguf|safetensors|ckpt)\b",
    re.I,
)


def _w(ctx: ProbeContext):
    return ctx.facts["weights"]


def _file_ev(ctx: ProbeContext, paths, n: int = 3) -> list[Evidence]:
    out = []
    for p in list(paths)[:n]:
        f = ctx.snapshot.file(p)
        size = f"{f.size:,} bytes" if f is not None and f.size is not None else "size unknown"
        out.append(Evidence(kind="file", path=p, url=ctx.snapshot.url_for(p), snippet=f"{p} ({size})"))
    return out


def _format_summary(w) -> Evidence:
    parts = ", ".join(f"{k}: {v:,} B" for k, v in w.formats.items())
    share = "n/a" if w.safe_share is None else f"{w.safe_share:.1%}"
    return Evidence(
        kind="computed", snippet=short(f"weight formats by bytes — {parts}; safe-format share {share}", 300)
    )


@probe("weights.present", dimension="weights", question="Are final model weights published in the repository?")
def present(ctx: ProbeContext) -> Finding:
    w = _w(ctx)
    if w.present:
        paths = sorted(
            (f.path for f in w.files), key=lambda p: (checkpoint_dir(p) is not None, p)
        )  # final weights first
        in_ckpt = sum(1 for p in paths if checkpoint_dir(p) is not None)
        more = (
            [Evidence(kind="computed", snippet=f"… and {plural(len(paths) - 3, 'more weight file')}")]
            if len(paths) > 3
            else []
        )
        return finding(
            "weights.present",
            P,
            f"{plural(len(paths), 'weight file')} published"
            + (f" ({in_ckpt} of them in checkpoint folders)" if in_ckpt else ""),
            _file_ev(ctx, paths) + more + [_format_summary(w)],
            value=len(paths),
        )
    st = ctx.snapshot.api.get("safetensors") if ctx.snapshot.api else None
    if isinstance(st, dict) and st.get("total"):
        return finding(
            "weights.present",
            P,
            "the Hub reports safetensors weights for this repository",
            [Evidence(kind="api_field", field="safetensors", snippet=f"safetensors.total: {st['total']}")],
        )
    na = files_unavailable("weights.present", ctx.snapshot, "weight files")
    if na:
        card = ctx.facts.get("card")
        loads = card.grep(LOADS_WEIGHTS)[:3] if card is not None and card.exists and na.outcome is NA else []
        if loads:
            return finding(
                "weights.present",
                P,
                "the card's usage code loads the published weights (the files themselves were not observed)",
                [card.line_evidence(ln, t) for ln, t in loads] + list(na.evidence[:1]),
            )
        return na
    cache = partial_cache_note(ctx.snapshot)
    if cache:
        return finding(
            "weights.present",
            NA,
            "no weight files in this cache snapshot (the cache holds only what was downloaded)",
            [cache],
        )
    return finding(
        "weights.present",
        F,
        "no weight files in the repository",
        [
            absence(
                f"{len(ctx.snapshot.files)} listed files for weight formats "
                "(*.safetensors, *.bin, *.pt, *.pth, *.ckpt, *.gguf, *.onnx, *.h5, *.msgpack, *.tflite, *.npz ...)"
            )
        ],
    )


@probe(
    "weights.safe_format",
    dimension="weights",
    question="Are the weights in a safe, non-executable format (safetensors, GGUF, ONNX)?",
)
def safe_format(ctx: ProbeContext) -> Finding:
    w = _w(ctx)
    if not w.present:
        na = files_unavailable("weights.safe_format", ctx.snapshot, "weight formats")
        return na or finding("weights.safe_format", NAP, "no weight files to check", [absence("weight files")])
    share = w.safe_share
    safe_files = [f.path for f in w.files if f.safe]
    unsafe = [f.path for f in w.files if not f.safe]
    ev = [_format_summary(w)] + _file_ev(ctx, unsafe or safe_files)
    if not unsafe:
        return finding(
            "weights.safe_format",
            P,
            "all weights are in safe formats (" + ", ".join(sorted({f.format for f in w.files})) + ")",
            ev,
            value=1.0,
        )
    main_safe = any(g.role == "main" for g in w.groups) or any(f.safe and f.format in ("gguf", "onnx") for f in w.files)
    if not safe_files:
        return finding(
            "weights.safe_format",
            F,
            "weights only in formats that can run code when loaded ("
            + ", ".join(sorted({f.format for f in w.files}))
            + ")",
            ev,
            value=0.0 if share is not None else None,
        )
    if main_safe and (share is None or share >= 0.3):
        return finding(
            "weights.safe_format",
            P,
            f"the model is available in a safe format; {plural(len(unsafe), 'pickle-family file')} also present",
            ev,
            value=share,
        )
    return finding(
        "weights.safe_format",
        PA,
        f"only part of the weights are in safe formats ({'unknown' if share is None else f'{share:.0%}'} of bytes)",
        ev,
        value=share,
        score=share if share is not None else 0.5,
    )


@probe("weights.index_complete", dimension="weights", question="Does every shard named in a sharded index exist?")
def index_complete(ctx: ProbeContext) -> Finding:
    w = _w(ctx)
    if not w.indexes and not w.shard_gaps:
        return finding(
            "weights.index_complete",
            NAP,
            "no sharded weights",
            [absence("*.index.json shard indexes and -NNNNN-of-NNNNN shard series")],
        )
    unread = [ix for ix in w.indexes if ix.problem]
    missing = [(ix.path, m) for ix in w.indexes for m in ix.missing]
    if missing or w.shard_gaps:
        ev = [
            Evidence(kind="file", path=ix.path, snippet=short(f"missing shards: {', '.join(ix.missing[:6])}", 200))
            for ix in w.indexes
            if ix.missing
        ]
        ev += [
            Evidence(kind="computed", snippet=f"{pat}: missing shard numbers {', '.join(map(str, nums))}")
            for pat, nums in w.shard_gaps
        ]
        n = len(missing) + sum(len(nums) for _, nums in w.shard_gaps)
        return finding("weights.index_complete", F, f"{plural(n, 'shard')} named by the index are missing", ev, value=n)
    if unread and not any(not ix.problem for ix in w.indexes):
        return finding(
            "weights.index_complete",
            NA,
            "the shard index could not be read",
            [Evidence(kind="file", path=ix.path, snippet=ix.problem) for ix in unread],
        )
    ok = [ix for ix in w.indexes if not ix.problem]
    return finding(
        "weights.index_complete",
        P,
        f"every shard named by {plural(len(ok), 'index')} exists",
        [Evidence(kind="file", path=ix.path, snippet=f"{len(ix.shards)} shards, all present") for ix in ok]
        + [Evidence(kind="file", path=ix.path, snippet=ix.problem) for ix in unread],
    )


@probe(
    "weights.params_known",
    dimension="weights",
    question="Can the parameter count and dtypes be read from the weight headers?",
)
def params_known(ctx: ProbeContext) -> Finding:
    w = _w(ctx)
    if w.param_count:
        dt = ", ".join(f"{k}: {v:,}" for k, v in w.dtypes.items())
        main = [g for g in w.groups if g.role == "main"]
        ev = [
            Evidence(kind="computed", snippet=short(f"{w.param_count:,} parameters ({dt}) from {w.param_source}", 200))
        ]
        if w.param_source == "hub api":
            ev = [Evidence(kind="api_field", field="safetensors", snippet=ev[0].snippet)]
        ev += [
            Evidence(
                kind="file", path=g.paths[0], snippet=f"{g.key}: {g.params:,} params in {plural(len(g.paths), 'file')}"
            )
            for g in main[:3]
        ]
        variants = [g for g in w.groups if g.role == "variant"]
        if variants:
            ev.append(
                Evidence(
                    kind="computed",
                    snippet=short("not counted (variants/copies): " + ", ".join(g.key for g in variants), 200),
                )
            )
        if w.header_problems:  # counted from the valid entries, but the headers are structurally unsound
            ev += [Evidence(kind="file", path=p, snippet=short(msg, 200)) for p, msg in w.header_problems[:4]]
            return finding(
                "weights.params_known",
                PA,
                f"{w.param_count:,} parameters from the valid entries; "
                f"{plural(len(w.header_problems), 'safetensors header problem')}",
                ev,
                value=w.param_count,
                score=0.5,
            )
        return finding("weights.params_known", P, f"{w.param_count:,} parameters", ev, value=w.param_count)
    invalid = [f.path for f in w.files if f.format == "invalid-safetensors"]
    if w.header_problems or invalid:
        ev = [Evidence(kind="file", path=p, snippet=short(msg, 200)) for p, msg in w.header_problems[:4]]
        for path in invalid[:4]:
            notes = [n.message for n in ctx.snapshot.notes if n.path == path] or ["not a readable safetensors header"]
            ev.append(Evidence(kind="file", path=path, snippet=short(notes[0], 200)))
        return finding("weights.params_known", F, "safetensors headers are invalid", ev)
    if w.headers_missing:
        return finding(
            "weights.params_known",
            NA,
            "safetensors headers were not available",
            [Evidence(kind="note", path=p, snippet="header not read") for p in w.headers_missing[:3]]
            + note_evidence(ctx.snapshot, Condition.HEADER_UNREADABLE)[:2],
        )
    if not w.present:
        na = files_unavailable("weights.params_known", ctx.snapshot, "parameter count")
        return na or finding("weights.params_known", NAP, "no weight files", [absence("weight files")])
    return finding(
        "weights.params_known",
        NA,
        "no safetensors headers to read (other formats are not opened)",
        [_format_summary(w)],
    )


@probe(
    "weights.ungated", dimension="weights", question="Can the weights be downloaded without gated access or approval?"
)
def ungated(ctx: ProbeContext) -> Finding:
    w = _w(ctx)
    g = w.gated
    if g is False or (isinstance(g, str) and g.lower() in ("false", "")):
        return finding("weights.ungated", P, "downloads are not gated", w.gated_evidence, value=False)
    if isinstance(g, str) and g.lower() == "auto":
        return finding(
            "weights.ungated",
            PA,
            "gated with automatic approval (log in and accept the terms)",
            w.gated_evidence,
            value=g,
        )
    if g not in (None, False):
        return finding("weights.ungated", F, f"gated access ({g}): downloads need approval", w.gated_evidence, value=g)
    if w.gated_evidence:
        return finding(
            "weights.ungated",
            F,
            "the card defines an access form (extra_gated_*): downloads are gated",
            w.gated_evidence,
            value=True,
        )
    why = (
        "offline: Hub access settings not available"
        if ctx.snapshot.offline or not ctx.snapshot.api
        else "the Hub did not report gating"
    )
    return finding("weights.ungated", NA, why, [absence("Hub API field 'gated'; card metadata extra_gated_*")])


@probe(
    "weights.intermediate_checkpoints",
    dimension="reproducibility",
    question="Are intermediate training checkpoints published?",
)
def intermediate_checkpoints(ctx: ProbeContext) -> Finding:
    w = _w(ctx)
    strong = [
        e
        for e in w.checkpoints
        if e.kind in ("api_field", "file")
        or "revision" in (e.snippet or "").lower()
        or "branch" in (e.snippet or "").lower()
    ]
    if strong:
        n = len(w.checkpoint_refs) + len(w.checkpoint_dirs)
        return finding(
            "weights.intermediate_checkpoints",
            P,
            f"intermediate checkpoints published ({n or 'named in the card'})",
            w.checkpoints,
            value=n or None,
        )
    if w.checkpoints:
        return finding(
            "weights.intermediate_checkpoints",
            PA,
            "the card mentions intermediate checkpoints; none found in branches or folders",
            w.checkpoints,
            score=0.5,
        )
    na = files_unavailable("weights.intermediate_checkpoints", ctx.snapshot, "checkpoints")
    if na:
        return na
    refs = (
        "Hub branches/tags ("
        + (f"{len(ctx.snapshot.refs)} listed" if ctx.snapshot.refs else "not listed for this source")
        + ")"
    )
    return finding(
        "weights.intermediate_checkpoints",
        F,
        "no intermediate checkpoints found",
        [
            absence(
                f"{refs}; checkpoint-*/step*/global_step*/ folders with weights; card mentions of revisions/intermediate checkpoints"
            )
        ],
    )


@probe(
    "weights.no_dangerous_pickles",
    dimension="weights",
    question="Are weight files free of pickles that import dangerous callables?",
)
def no_dangerous_pickles(ctx: ProbeContext) -> Finding:
    """Every file a pickle loader may read (weights, training_args.bin, optimizer.pt, pickles under
    any name), judged by its bytes. Only a complete picture passes: an unscannable or unscanned file,
    a capped listing or any other scan gap makes the answer not_available."""
    pid = "weights.no_dangerous_pickles"
    w = _w(ctx)
    if w.dangerous:
        ev = [
            Evidence(
                kind="file",
                path=p,
                url=ctx.snapshot.url_for(p),
                snippet=short("dangerous imports: " + ", ".join(g), 200),
            )
            for p, g in w.dangerous
        ]
        names = sorted({x for _, g in w.dangerous for x in g})
        return finding(pid, F, "pickles import dangerous callables: " + ", ".join(names[:6]), ev, value=names)
    unsure = list(w.unscannable) + [(p, "not scanned") for p in w.unscanned]
    if unsure or w.scan_gaps:
        ev = [Evidence(kind="note", path=p, snippet=short(f"unscannable: {r}", 200)) for p, r in unsure[:4]]
        ev += list(w.scan_gaps[:3]) + list(w.skipped_dirs[:1])
        if unsure:
            msg = f"{plural(len(unsure), 'file')} a pickle loader may read could not be scanned to the end"
        else:
            msg = (
                "not every file could be seen or scanned ("
                + short(w.scan_gaps[0].snippet or "scan incomplete", 120)
                + ")"
            )
        return finding(pid, NA, msg, ev)
    if not w.clean:
        if not w.present:
            na = files_unavailable(pid, ctx.snapshot, "pickle files")
            return na or finding(pid, NAP, "no weight files", [absence("weight files")] + list(w.skipped_dirs[:1]))
        return finding(
            pid, P, "no pickle-family weight files (safe formats only)", [_format_summary(w)] + list(w.skipped_dirs[:1])
        )
    return finding(
        pid,
        P,
        f"{plural(len(w.clean), 'pickle-family file')} scanned: no dangerous imports",
        [Evidence(kind="file", path=p, snippet="scan: clean") for p in w.clean[:4]] + list(w.skipped_dirs[:1]),
    )
