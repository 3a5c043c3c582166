"""Training data as the publisher fed it, streamed (bounded memory whatever the file size).

* a token store (raw bytes, little-endian uint16/uint32 ids) memory-mapped, read window by window at
  the offsets of a published data-order file;
* a tokenized dataset (JSON lines or a ``datasets`` ``save_to_disk`` folder of Arrow files) read row by
  row (a JSON-lines file is indexed by line offsets, never loaded whole; Arrow files are memory-mapped),
  in the order of a published index file or of the sampler that produced it: the ``Trainer``'s seeded
  sampler (accelerate's ``SeedableRandomSampler``: ``RandomSampler`` reseeded with ``seed + epoch``) or a
  plain ``DataLoader(shuffle=True, generator=torch.Generator().manual_seed(seed))`` -- both rebuilt from
  torch's own classes, so the order is the library's, not an imitation.

Imports torch and numpy; only loaded when a replay runs.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from openaudit.base.parse import load_json
from openaudit.errors import InvalidDocument
from openaudit.verify.codes import ArtifactProblem, Code, ReplayGap

MAX_ORDER_BYTES = 64 << 20
MAX_ROW_BYTES = 16 << 20
MAX_STATE_BYTES = 1 << 20
TOKEN_DTYPES = {"bytes": np.uint8, "uint16": np.dtype("<u2"), "uint32": np.dtype("<u4")}
COLUMNS = ("input_ids", "labels", "attention_mask")


# -- token stores ------------------------------------------------------------------------------------
class TokenStore:
    """A memory-mapped token file; nothing is read until a window is asked for."""

    def __init__(self, path: Path, fmt: str, rel: str):
        dtype = TOKEN_DTYPES[fmt]
        size = path.stat().st_size
        width = np.dtype(dtype).itemsize
        if size % width:
            raise ArtifactProblem(f"{rel}: size {size} is not a multiple of {width} ({fmt} tokens)")
        self.n = size // width
        self.rel = rel
        self._map = np.memmap(path, dtype=dtype, mode="r") if self.n else np.zeros(0, dtype=dtype)

    def windows(self, offsets: Sequence[int], length: int) -> torch.Tensor:
        out = np.empty((len(offsets), length), dtype=np.int64)
        for i, o in enumerate(offsets):
            out[i] = self._map[o : o + length]
        return torch.from_numpy(out)


def read_order(path: Path, rel: str) -> list[Any]:
    """The ``batches`` list of a data-order file ``{"batches": [[...], ...]}``."""
    try:
        size = path.stat().st_size
        if size > MAX_ORDER_BYTES:
            raise ArtifactProblem(f"{rel}: {size} bytes is over the {MAX_ORDER_BYTES}-byte limit for a data order")
        doc = load_json(path.read_bytes().decode("utf-8"), source=rel, max_bytes=MAX_ORDER_BYTES)
    except (UnicodeDecodeError, InvalidDocument, OSError) as exc:
        raise ArtifactProblem(
            f"{rel}: unreadable ({' '.join(str(getattr(exc, 'message', exc)).split())[:160]})"
        ) from None
    batches = doc.get("batches") if isinstance(doc, dict) else None
    if not isinstance(batches, list):
        raise ArtifactProblem(f"{rel}: no 'batches' list")
    return batches


def check_offsets(batches: list[Any], n_tokens: int, size: int, length: int, rel: str) -> list[list[int]]:
    for i, b in enumerate(batches):
        if not isinstance(b, list) or len(b) != size:
            raise ArtifactProblem(f"{rel}: batch {i} must list exactly {size} offsets")
        for o in b:
            if isinstance(o, bool) or not isinstance(o, int) or o < 0 or o + length > n_tokens:
                raise ArtifactProblem(f"{rel}: batch {i} offset {o!r} is outside the token store ({n_tokens} tokens)")
    return batches


# -- tokenized datasets ------------------------------------------------------------------------------
class JsonlRows:
    """Rows of a JSON-lines file, found by a one-pass index of line offsets."""

    def __init__(self, path: Path, rel: str):
        self.path, self.rel = path, rel
        starts = array("q")
        with path.open("rb") as fh:
            pos = 0
            for line in iter(lambda: fh.readline(MAX_ROW_BYTES + 1), b""):
                if len(line) > MAX_ROW_BYTES:
                    raise ArtifactProblem(f"{rel}: a line longer than {MAX_ROW_BYTES} bytes")
                if line.strip():
                    starts.append(pos)
                pos += len(line)
        self._starts = np.frombuffer(starts, dtype=np.int64) if starts else np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return int(self._starts.size)

    def row(self, i: int) -> dict[str, Any]:
        with self.path.open("rb") as fh:
            fh.seek(int(self._starts[i]))
            line = fh.readline(MAX_ROW_BYTES + 1)
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ArtifactProblem(f"{self.rel}: row {i} is not JSON") from None
        if not isinstance(obj, dict):
            raise ArtifactProblem(f"{self.rel}: row {i} is not an object")
        return obj


class ArrowRows:
    """Rows of a ``datasets.Dataset.save_to_disk`` folder (``state.json`` + Arrow stream files), memory-mapped."""

    def __init__(self, folder: Path, rel: str, root):
        import pyarrow as pa

        self.rel = rel
        state = load_json(
            (folder / "state.json").read_text(encoding="utf-8"), source=f"{rel}/state.json", max_bytes=MAX_STATE_BYTES
        )
        files = [f.get("filename") for f in (state.get("_data_files") or []) if isinstance(f, dict)]
        if not files or not all(isinstance(f, str) for f in files):
            raise ArtifactProblem(f"{rel}/state.json: no _data_files")
        tables = []
        for name in files:
            p = root.path(f"{rel}/{name}")
            try:
                with pa.memory_map(str(p)) as src:
                    tables.append(pa.ipc.open_stream(src).read_all())
            except (pa.ArrowInvalid, OSError) as exc:
                raise ArtifactProblem(
                    f"{rel}/{name}: not an Arrow stream ({' '.join(str(exc).split())[:120]})"
                ) from None
        self._table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        if "input_ids" not in self._table.column_names:
            raise ArtifactProblem(f"{rel}: the dataset has no input_ids column")
        self._cols = [c for c in COLUMNS if c in self._table.column_names]

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def row(self, i: int) -> dict[str, Any]:
        return {c: self._table.column(c)[i].as_py() for c in self._cols}


def open_rows(root, rel: str):
    p = root.path(rel)
    if p.is_dir():
        if not (p / "state.json").is_file():
            raise ArtifactProblem(f"{rel}: a dataset folder needs the state.json that save_to_disk writes")
        return ArrowRows(p, rel, root)
    if p.suffix.lower() not in (".jsonl", ".json"):
        raise ReplayGap(
            Code.DATA_LAYOUT, f"{rel}: tokenized datasets are read as JSON lines (.jsonl) or a save_to_disk folder"
        )
    return JsonlRows(p, rel)


def rows_have_labels(root, rel: str) -> bool:
    """Whether the dataset's first row has its own labels (True when it cannot be read: nothing to choose)."""
    try:
        rows = open_rows(root, rel)
        return len(rows) == 0 or "labels" in rows.row(0)
    except (ArtifactProblem, ReplayGap, OSError, ValueError):
        return True


# -- orders --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sampling:
    """How rows were drawn: ``trainer`` (Trainer / accelerate seeded sampler), ``torch`` (DataLoader
    shuffle with a seeded generator), ``sequential``."""

    kind: str
    seed: int
    micro_size: int  # rows per micro-batch (the DataLoader's batch size)
    accumulation: int  # micro-batches per optimizer update
    drop_last: bool = False


def _epoch_batches(n: int, s: Sampling, epoch: int, loader_state: dict[str, Any]) -> list[list[int]]:
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

    if s.kind == "sequential":
        return [list(b) for b in BatchSampler(SequentialSampler(range(n)), s.micro_size, s.drop_last)]
    if s.kind == "trainer":
        g = torch.Generator()
        g.manual_seed(s.seed + epoch)
        return [list(b) for b in BatchSampler(RandomSampler(range(n), generator=g), s.micro_size, s.drop_last)]
    loader = loader_state.get("loader")
    if loader is None:
        g = torch.Generator()
        g.manual_seed(s.seed)
        loader = loader_state["loader"] = DataLoader(
            range(n), batch_size=s.micro_size, shuffle=True, generator=g, drop_last=s.drop_last
        )
    return [b.tolist() for b in loader]


def sampled_updates(n: int, s: Sampling, steps: int, epoch_starts: set[int] | None = None) -> list[list[list[int]]]:
    """Row indices of each micro-batch of updates 1..``steps``, epoch by epoch, grouped as the Trainer's
    loop groups them (``accumulation`` batches per update; the last update of an epoch takes the rest).
    ``epoch_starts`` collects the (1-based) updates that open an epoch."""
    if n <= 0:
        raise ArtifactProblem("the dataset has no rows")
    updates: list[list[list[int]]] = []
    state: dict[str, Any] = {}
    epoch = 0
    while len(updates) < steps:
        batches = _epoch_batches(n, s, epoch, state)
        if not batches:
            raise ArtifactProblem("an epoch yields no batch (fewer rows than one batch with drop_last)")
        if epoch_starts is not None:
            epoch_starts.add(len(updates) + 1)
        for i in range(0, len(batches), s.accumulation):
            updates.append(batches[i : i + s.accumulation])
            if len(updates) >= steps:
                break
        epoch += 1
    return updates


def explicit_updates(batches: list[Any], n: int, accumulation: int, rel: str) -> list[list[list[int]]]:
    """Row indices per update from a published order file (each entry: the rows of one update)."""
    out = []
    for i, b in enumerate(batches):
        if (
            not isinstance(b, list)
            or not b
            or any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < n for x in b)
        ):
            raise ArtifactProblem(f"{rel}: batch {i} must list row indices of the dataset (0..{n - 1})")
        if len(b) % accumulation:
            raise ArtifactProblem(f"{rel}: batch {i} has {len(b)} rows, not a multiple of {accumulation} micro-batches")
        k = len(b) // accumulation
        out.append([b[j : j + k] for j in range(0, len(b), k)])
    return out


@dataclass(frozen=True)
class Collator:
    """How rows became a batch. ``pad_token_id`` set: ``DataCollatorForLanguageModeling(mlm=False)`` with
    that pad token (from the recipe or the tokenizer saved with the checkpoints): rows of unequal length
    padded on ``side``, and the labels of rows without labels are the inputs with every pad-id token
    -100 — unless ``mask`` is False, the other reading of equal-length rows (a dataset that copied its
    inputs as labels). ``unknown``: the tokenizer names a pad token whose id could not be read."""

    pad_token_id: int | None = None
    side: str = "right"
    mask: bool = True
    unknown: str = ""


def collate(rows: list[dict[str, Any]], collator: Collator, rel: str) -> dict[str, torch.Tensor]:
    """Stack rows as ``default_data_collator`` does, or as the language-modelling collator ``collator``
    names does (see :class:`Collator`)."""
    ids = []
    for r in rows:
        x = r.get("input_ids")
        if (
            not isinstance(x, list)
            or not x
            or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in x)
        ):
            raise ArtifactProblem(f"{rel}: a row without a list of non-negative input_ids")
        ids.append(x)
    lengths = {len(x) for x in ids}
    has = {c: all(c in r for r in rows) for c in COLUMNS}
    pad = collator.pad_token_id
    if pad is None and collator.unknown and (len(lengths) > 1 or not has["labels"]):
        raise ReplayGap(Code.DATA_LAYOUT, f"{rel}: the collator's labels depend on its pad token: {collator.unknown}")
    if len(lengths) > 1:
        if pad is None:
            raise ReplayGap(
                Code.DATA_LAYOUT,
                f"{rel}: rows of unequal length need the collator's padding, and no pad token is known: "
                "publish the tokenizer with the checkpoints or declare trainer.pad_token_id in a recipe",
            )
        width = max(lengths)
        fill = [[pad] * (width - len(x)) for x in ids]
        left = collator.side == "left"
        out_ids = [f + x if left else x + f for x, f in zip(ids, fill)]
        mask = [[0] * len(f) + [1] * len(x) if left else [1] * len(x) + [0] * len(f) for x, f in zip(ids, fill)]
        labels = [[t if t != pad else -100 for t in x] for x in out_ids]
        return {
            "input_ids": torch.tensor(out_ids),
            "attention_mask": torch.tensor(mask),
            "labels": torch.tensor(labels),
        }
    out = {"input_ids": torch.tensor(ids)}
    if has["labels"]:
        out["labels"] = torch.tensor([r["labels"] for r in rows])
    elif pad is not None and collator.mask:
        out["labels"] = torch.where(out["input_ids"] == pad, torch.tensor(-100), out["input_ids"])
    else:
        out["labels"] = out["input_ids"].clone()
    if has["attention_mask"]:
        out["attention_mask"] = torch.tensor([r["attention_mask"] for r in rows])
    if out["labels"].shape != out["input_ids"].shape:
        raise ArtifactProblem(f"{rel}: labels and input_ids differ in shape")
    return out


def iter_rows(rows, indices: Sequence[int]) -> Iterator[dict[str, Any]]:
    for i in indices:
        yield rows.row(int(i))
