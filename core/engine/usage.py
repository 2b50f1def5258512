"""How much disk a store uses, per stage: what `xner store du` prints.

Why a command: checkpoints dominate a store (one per trained model, per seed, per variant), and a
researcher deciding what to prune, or whether a grid fits a disk, needs bytes per stage and per node,
not a `du -sh` over hashed directory names. Hard links (nodes adopted across code versions share
files) are counted once, as the disk holds them once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .store import MANIFEST


@dataclass
class StageUsage:
    stage: str
    nodes: int = 0
    bytes: int = 0
    by_file: dict[str, int] = field(default_factory=dict)  # artifact name -> bytes over the nodes

    @property
    def per_node(self) -> float:
        return self.bytes / self.nodes if self.nodes else 0.0


def finished_nodes(root: str | Path) -> Iterator[tuple[str, Path]]:
    """(stage, node folder) of every finished node, sorted; in-progress and hidden folders skipped."""
    for stage_dir in sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(".")):
        for node in sorted(stage_dir.iterdir()):
            if (node / MANIFEST).is_file():
                yield stage_dir.name, node


def usage(root: str | Path) -> list[StageUsage]:
    """Finished nodes (those with a manifest) per stage, largest stage first."""
    seen: set[tuple[int, int]] = set()
    rows: dict[str, StageUsage] = {}
    for stage, node in finished_nodes(root):
        row = rows.setdefault(stage, StageUsage(stage))
        row.nodes += 1
        for f in node.rglob("*"):
            if not f.is_file():
                continue
            st = f.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            row.bytes += st.st_size
            name = f.relative_to(node).as_posix()
            row.by_file[name] = row.by_file.get(name, 0) + st.st_size
    return sorted(rows.values(), key=lambda r: -r.bytes)


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def render(rows: list[StageUsage], root: str | Path) -> str:
    """A fixed-width table: stage, nodes, total, per node, and the largest artifact kind."""
    lines = [f"{'stage':<14}{'nodes':>7}{'total':>12}{'per node':>12}  largest artifacts"]
    for r in rows:
        top = sorted(r.by_file.items(), key=lambda kv: -kv[1])[:2]
        files = ", ".join(f"{name} {human(size / r.nodes)}/node" for name, size in top)
        lines.append(f"{r.stage:<14}{r.nodes:>7}{human(r.bytes):>12}{human(r.per_node):>12}  {files}")
    total = sum(r.bytes for r in rows)
    lines.append(f"{'total':<14}{sum(r.nodes for r in rows):>7}{human(total):>12}{'':>12}  {root}")
    return "\n".join(lines)
