"""`xner status EXPERIMENT`: what a running or finished grid has done, read from the store alone.

Works from any shell on the machine (or a shared filesystem), while another command runs the grid, or
long after: a node is *done* when its directory is committed, *running* while a partial directory
`.<key>.tmp-<host>-<pid>` of a live process exists (with the epoch and dev F1 its stage recorded
there), otherwise *queued*. No MLflow, no Ray."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.graph import topological
from ..engine.progress import progress_bits
from ..runner.experiment import Experiment, row_name


@dataclass
class Cell:
    """One variant x language: its seeds' results and the state of every node it needs."""

    variant: str
    lang: str
    seeds: int = 0
    dev_f1: list[float] = field(default_factory=list)  # what a choice between rows rests on
    test_f1: list[float] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    running: dict[str, str] = field(default_factory=dict)  # node key -> "source seed 3, 2m"
    queued: set[str] = field(default_factory=set)


def grid(exp: Experiment, now: float | None = None) -> list[Cell]:
    now = time.time() if now is None else now
    cells: dict[tuple[str, str], Cell] = {}
    for t in exp.targets:
        cell = cells.setdefault((t.variant, t.lang), Cell(row_name(exp, t.variant), t.lang))
        cell.seeds += 1
        for node in topological([t.node]):
            if node.key in cell.done or node.key in cell.running:
                continue
            if exp.store.has(node.stage, node.key):
                cell.done.add(node.key)
                cell.queued.discard(node.key)
                if node is t.node:
                    result = exp.store.manifest(node.stage, node.key)["result"]
                    for name, scores in (("dev_f1", cell.dev_f1), ("test_f1", cell.test_f1)):
                        f1 = result.get(name)
                        if isinstance(f1, (int, float)) and math.isfinite(f1):
                            scores.append(float(f1))
            elif (part := exp.store.partial(node.stage, node.key)) is not None:
                seed = f" seed {node.seed}" if node.seed is not None else ""
                cell.running[node.key] = " · ".join([f"{node.name}{seed}", *progress_bits(part, now)])
                cell.queued.discard(node.key)
            else:
                cell.queued.add(node.key)
    return list(cells.values())


def _f1(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f} (n=1)"
    return f"{statistics.fmean(values):.2f} ± {statistics.stdev(values):.2f}"


def render(cells: Iterable[Cell], store: Path) -> str:
    cells = list(cells)
    width = max([len("variant"), *(len(c.variant) for c in cells)])
    lines = [f"{'variant':<{width}}  lang  seeds  nodes done/run/queued  dev F1                test F1"
             "               running"]
    for c in cells:
        nodes = f"{len(c.done)}/{len(c.running)}/{len(c.queued)}"
        lines.append(f"{c.variant:<{width}}  {c.lang:<4}  {len(c.test_f1)}/{c.seeds:<3}  {nodes:<21}  "
                     f"{_f1(c.dev_f1):<20}  {_f1(c.test_f1):<20}  {', '.join(c.running.values()) or '-'}")
    # a node shared by several cells (Θsrc, pseudo labels) counts once in the totals
    done = set().union(*(c.done for c in cells)) if cells else set()
    running = set().union(*(c.running for c in cells)) if cells else set()
    queued = (set().union(*(c.queued for c in cells)) if cells else set()) - done - running
    results = sum(len(c.test_f1) for c in cells)
    seeds = sum(c.seeds for c in cells)
    state = ("finished" if not running and not queued else "running" if running else
             "not started" if not done else "stopped")
    lines.append(f"grid {state}: {len(done)} nodes done, {len(running)} running, {len(queued)} queued; "
                 f"{results}/{seeds} seed results")
    lines.append(f"store: {Path(store).resolve()} (the experiment's `store`, relative to the working "
                 "directory)")
    return "\n".join(lines)
