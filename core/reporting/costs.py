"""`xner plan --cost`: what each row of a table costs, read from the times its finished nodes took.

Why: a table's rows share nodes (one M_src for TSL, UniTrans and CoLaDa; one translation for every
row of a language), so "how long does UniTrans take" has two answers a researcher budgets with: the
row run by itself (every node of its graph) and what the row adds to the table (the nodes no other
row holds). Both come from the store, so they are measured on whatever machine built each node.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from ..engine.graph import Node, topological
from ..runner import Experiment, row_name


@dataclass
class RowCost:
    row: str
    lang: str
    seeds: int = 0  # seeds whose every node is finished
    alone_s: list[float] = field(default_factory=list)  # per finished seed: every node of its graph
    own_s: list[float] = field(default_factory=list)  # per finished seed: nodes no other row holds
    nodes: dict[str, float | None] = field(default_factory=dict)  # its nodes over all seeds: seconds

    @property
    def done(self) -> int:
        return sum(s is not None for s in self.nodes.values())

    @property
    def total(self) -> int:
        return len(self.nodes)


def _seconds(exp: Experiment, node: Node) -> float | None:
    store = exp.store
    if not store.has(node.stage, node.key):
        return None
    return float(store.manifest(node.stage, node.key).get("seconds") or 0.0)


def row_costs(exp: Experiment) -> tuple[list[RowCost], float, float]:
    """Per (row, language): the costs above; then the grid's seconds with every finished node once, and
    the sum of the rows run alone (what the same rows would cost without sharing)."""
    graphs = [(t, row_name(exp, t.variant), topological([t.node])) for t in exp.targets]
    holders: dict[str, set[str]] = defaultdict(set)  # node key -> rows whose graphs hold it
    seconds: dict[str, float | None] = {}  # each node's time read once, however many graphs hold it
    for _, row, nodes in graphs:
        for n in nodes:
            holders[n.key].add(row)
            if n.key not in seconds:
                seconds[n.key] = _seconds(exp, n)
    cells: dict[tuple[str, str], RowCost] = {}
    for t, row, nodes in graphs:
        cell = cells.setdefault((row, t.lang), RowCost(row, t.lang))
        times = {n.key: seconds[n.key] for n in nodes}
        cell.nodes.update(times)
        finished = {k: s for k, s in times.items() if s is not None}
        if len(finished) == len(times):
            cell.seeds += 1
            cell.alone_s.append(sum(finished.values()))
            cell.own_s.append(sum(s for k, s in finished.items() if holders[k] == {row}))
    grid = sum(s for s in seconds.values() if s is not None)
    return list(cells.values()), grid, sum(sum(c.alone_s) for c in cells.values())


def _clock(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"


def _mean_clock(seconds: list[float]) -> str:
    return _clock(statistics.fmean(seconds)) if seconds else "—"


def render_costs(exp: Experiment) -> str:
    costs, grid, alone = row_costs(exp)
    lines = ["| row | lang | seeds finished | alone per seed | added to the table per seed | nodes "
             "finished |", "| --- | --- | --- | --- | --- | --- |"]
    for c in costs:
        lines.append(f"| {c.row} | {c.lang} | {c.seeds} | {_mean_clock(c.alone_s)} | "
                     f"{_mean_clock(c.own_s)} | {c.done}/{c.total} |")
    lines.append("")
    lines.append(f"finished nodes, each once: {_clock(grid)}; the finished rows run alone: {_clock(alone)} "
                 "(node times from the store, measured where each node was built)")
    return "\n".join(lines) + "\n"
