"""Keep every path a replay reads inside the target.

A recipe, a Trainer folder or a published config names files by relative paths. Absolute paths,
``..`` components and symbolic links that resolve outside the target are refused (never followed):
the audited repository never makes openaudit read a file of its choosing elsewhere. A Hugging Face
cache snapshot is the one exception the layout forces: its files are links into the same repository's
``blobs/`` folder, which is accepted as a second root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from openaudit.verify.codes import ArtifactProblem, Code


class PathRefused(ArtifactProblem):
    def __init__(self, message: str):
        super().__init__(message, Code.PATH_OUTSIDE)


def _cache_blobs(base: Path) -> Path | None:
    """``.../models--org--name/blobs`` when ``base`` is ``.../models--org--name/snapshots/<sha>``."""
    if base.parent.name == "snapshots" and base.parent.parent.name.startswith(("models--", "datasets--")):
        blobs = base.parent.parent / "blobs"
        return blobs.resolve() if blobs.is_dir() else None
    return None


@dataclass(frozen=True)
class Root:
    """The folder a target's relative paths resolve against, and the roots they may land in."""

    base: Path
    allowed: tuple[Path, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, base: Path) -> Root:
        real = base.resolve()
        extra = _cache_blobs(real)
        return cls(real, (real,) + ((extra,) if extra else ()))

    def _inside(self, p: Path) -> bool:
        return any(p == r or r in p.parents for r in self.allowed)

    def path(self, rel: str) -> Path:
        """The path of ``rel`` inside the target; :class:`PathRefused` when it would leave it."""
        if not isinstance(rel, str) or not rel or "\x00" in rel:
            raise PathRefused(f"{rel!r}: not a usable relative path")
        pure = PurePosixPath(rel.replace("\\", "/"))
        if pure.is_absolute() or Path(rel).is_absolute() or (len(rel) > 1 and rel[1] == ":"):
            raise PathRefused(f"{rel}: absolute paths are refused (paths must stay inside the target)")
        if ".." in pure.parts:
            raise PathRefused(f"{rel}: '..' is refused (paths must stay inside the target)")
        p = self.base.joinpath(*pure.parts)
        try:
            real = p.resolve()
        except (OSError, RuntimeError):
            raise PathRefused(f"{rel}: cannot be resolved (symbolic link loop?)") from None
        if not self._inside(real):
            raise PathRefused(f"{rel}: a symbolic link that leaves the target is refused")
        return p

    def is_file(self, rel: str) -> bool:
        """True for a regular file inside the target (refused paths raise, absent ones are False)."""
        return self.path(rel).is_file()

    def child_dirs(self, rel: str = "") -> list[tuple[str, Path]]:
        """Sub-folders of ``rel`` that stay inside the target (links out are skipped), sorted by name."""
        parent = self.path(rel) if rel else self.base
        out: list[tuple[str, Path]] = []
        if not parent.is_dir():
            return out
        for child in sorted(parent.iterdir(), key=lambda c: c.name):
            try:
                real = child.resolve()
            except (OSError, RuntimeError):
                continue
            if child.is_dir() and self._inside(real):
                out.append((child.name, child))
        return out
