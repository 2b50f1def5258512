"""`xner store gc`: remove the nodes that no listed experiment reaches.

Why: node keys change with any setting, seed or stage-code version, so a store accumulates nodes
nothing will ask for again (old code versions, dropped variants, finished searches). Reachable means:
some node of some variant (base included) of a listed experiment, at every seed and language, with
either precision (a GPU run's bf16 keys are reachable from a CPU machine too). Nodes are removed by
renaming them out of the store first, so an interrupted gc never leaves half a node behind.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..engine.usage import finished_nodes, human

log = logging.getLogger(__name__)


def reachable(experiments: Sequence[str | Path], overrides: Sequence[str] = ()) -> set[tuple[str, str]]:
    """(stage, key) of every node the experiments' graphs hold, all variants, both precisions."""
    from .. import runner
    from ..config.loader import load_experiment
    from ..engine.graph import topological

    keys: set[tuple[str, str]] = set()
    for path in experiments:
        variants = list(load_experiment(path, list(overrides)).variants)
        for precision in ("fp32", "bf16"):
            exp = runner.build(path, list(overrides), variants=variants, precision=precision)
            keys |= {(n.stage, n.key) for n in topological([t.node for t in exp.targets])}
    return keys


def unreachable(root: str | Path, keep: set[tuple[str, str]]) -> list[Path]:
    """Finished nodes of the store at `root` that are not in `keep`, sorted by stage then key."""
    return [node for stage, node in finished_nodes(root) if (stage, node.name) not in keep]


def size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def collect(root: str | Path, experiments: Sequence[str | Path], overrides: Sequence[str] = (),
            dry_run: bool = True) -> list[Path]:
    """The unreachable nodes; removed unless `dry_run`. Returns them either way."""
    root = Path(root)
    if not experiments:
        raise ValueError("store gc needs the experiments whose nodes to keep; with none it would "
                         "remove everything")
    victims = unreachable(root, reachable(experiments, overrides))
    if dry_run:
        return victims
    for node in victims:
        doomed = node.with_name(f".gc-{node.name}-{os.getpid()}")
        os.replace(node, doomed)  # the node vanishes atomically; the bytes go after
        shutil.rmtree(doomed)
    log.info("store gc: removed %d nodes from %s", len(victims), root)
    return victims


def render(victims: list[Path], root: str | Path, dry_run: bool) -> str:
    total = sum(size(v) for v in victims) if dry_run else None
    lines = [f"{v.parent.name}/{v.name}" for v in victims]
    verb = "would remove" if dry_run else "removed"
    tail = f" ({human(total)})" if total is not None else ""
    lines.append(f"{verb} {len(victims)} unreachable nodes{tail} from {root}")
    return "\n".join(lines)
