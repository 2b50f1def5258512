"""`xner plan --cost`: what each row of a table costs, read from the times its finished nodes took.

Why: a table's rows share nodes (one M_src for TSL, UniTrans and CoLaDa; one translation for every
row of a language), so "how long does UniTrans take" has two answers a researcher budgets with: the
row run by itself (every node of its graph) and what the row adds to the table (the nodes no other
row holds). Both come from the store, so they are measured on whatever machine built each node.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from ..engine.graph import Node, topological
from ..runner import Experiment, row_name


@dataclass
class RowCost:
    row: str
    lang: str
    seeds: int  # seeds whose every node is finished
    alone_s: list[float]  # per finished seed: every node of its graph
    own_s: list[float]  # per finished seed: the nodes no other row's graph holds
    done: int  # finished nodes over all seeds, each once
    total: int


def _seconds(exp: Experiment, node: Node) -> float | None:
    store = exp.store
    if not store.has(node.stage, node.key):
        return None
    return float(store.manifest(node.stage, node.key).get("seconds") or 0.0)


def row_costs(exp: Experiment) -> tuple[list[RowCost], float, float]:
    """Per (row, language): the costs above; then the grid's seconds with every finished node once, and
    the sum of the rows run alone (what the same rows would cost without sharing)."""
    holders: dict[str, set[str]] = defaultdict(set)  # node key -> rows whose graphs hold it
    graphs = [(t, row_name(exp, t.variant), topological([t.node])) for t in exp.targets]
    for _, row, nodes in graphs:
        for n in nodes:
            holders[n.key].add(row)
    cells: dict[tuple[str, str], RowCost] = {}
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    everything: dict[str, float] = {}
    for t, row, nodes in graphs:
        cell = cells.setdefault((row, t.lang), RowCost(row, t.lang, 0, [], [], 0, 0))
        times = {n.key: _seconds(exp, n) for n in nodes}
        for key, s in times.items():
            if key not in seen[(row, t.lang)]:
                seen[(row, t.lang)].add(key)
                cell.total += 1
                cell.done += s is not None
            if s is not None:
                everything[key] = s
        if all(s is not None for s in times.values()):
            cell.seeds += 1
            cell.alone_s.append(sum(s for s in times.values() if s is not None))
            cell.own_s.append(sum(s for k, s in times.items() if s is not None and holders[k] == {row}))
    alone = sum(sum(c.alone_s) for c in cells.values())
    return list(cells.values()), sum(everything.values()), alone


def _clock(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}m"


def render_costs(exp: Experiment) -> str:
    costs, grid, alone = row_costs(exp)
    lines = ["| row | lang | seeds finished | alone per seed | added to the table per seed | nodes "
             "finished |", "| --- | --- | --- | --- | --- | --- |"]
    for c in costs:
        def mean(xs: list[float]) -> str:
            return _clock(statistics.fmean(xs)) if xs else "—"
        lines.append(f"| {c.row} | {c.lang} | {c.seeds} | {mean(c.alone_s)} | {mean(c.own_s)} | "
                     f"{c.done}/{c.total} |")
    lines.append("")
    lines.append(f"finished nodes, each once: {_clock(grid)}; the finished rows run alone: {_clock(alone)} "
                 "(node times from the store, measured where each node was built)")
    return "\n".join(lines) + "\n"
