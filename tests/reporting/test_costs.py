"""`xner plan --cost`: a row's time alone and what it adds to the table, from the store's node times."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core import runner
from xner.core.cli import main
from xner.core.engine.graph import topological
from xner.core.reporting import costs

VARIANT = "  w/o Θorder: {teachers.order.weight: 0}\n"
SETS = [s.replace("seeds=[1]", "seeds=[1, 2]") for s in TINY]


@pytest.fixture
def exp(tmp_path: Path):
    path = tiny_experiment(tmp_path, "", VARIANT, train=30, evaluation=10)
    return runner.build(path, SETS, ["w/o Θorder"], include_base=True)


def test_alone_added_and_grid_seconds_follow_the_shared_nodes(exp, monkeypatch) -> None:
    graphs = {(t.variant, t.seed): topological([t.node]) for t in exp.targets}
    every = {n.key: n for nodes in graphs.values() for n in nodes}
    secs = {key: float(2 ** i) for i, key in enumerate(sorted(every))}  # every subset has its own sum
    missing: set[str] = set()
    monkeypatch.setattr(costs, "_seconds", lambda _e, n: None if n.key in missing else secs[n.key])

    rows, grid, alone = costs.row_costs(exp)
    by = {r.row: r for r in rows}
    assert set(by) == {"transadv", "w/o Θorder"} and all(r.seeds == 2 for r in rows)
    base = {k for (v, _), ns in graphs.items() if v == "base" for k in (n.key for n in ns)}
    other = {k for (v, _), ns in graphs.items() if v != "base" for k in (n.key for n in ns)}
    assert base & other and base - other  # shared nodes (Θsrc, the entity teacher) and its own ones
    for seed in (1, 2):
        keys = [n.key for n in graphs[("base", seed)]]
        assert by["transadv"].alone_s[seed - 1] == sum(secs[k] for k in keys)
        assert by["transadv"].own_s[seed - 1] == sum(secs[k] for k in keys if k not in other)
    assert grid == sum(secs.values())  # each node once, however many rows and seeds hold it
    assert alone == sum(sum(r.alone_s) for r in rows) > grid  # sharing saved the difference
    assert by["transadv"].total == len(base) and by["transadv"].done == len(base)

    # a seed with one node left to build counts as unfinished, and the node as not done
    unbuilt = next(n for n in graphs[("base", 2)] if n.stage == "distill")
    missing.add(unbuilt.key)
    rows, grid, _ = costs.row_costs(exp)
    by = {r.row: r for r in rows}
    assert by["transadv"].seeds == 1 and by["transadv"].done == len(base) - 1
    assert grid == sum(secs.values()) - secs[unbuilt.key]


def test_cli_plan_cost_prints_a_row_per_variant_and_language(tmp_path: Path, capsys) -> None:
    path = tiny_experiment(tmp_path, "", VARIANT, train=30, evaluation=10)
    sets = [arg for s in TINY for arg in ("--set", s)]
    assert main(["plan", str(path), "--all-variants", "--cost", *sets]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| row | lang | seeds finished | alone per seed")
    assert [line.split(" | ")[0:2] for line in out[2:4]] == [["| transadv", "es"], ["| w/o Θorder", "es"]]
    assert all(line.endswith(f"| 0/{line.split('/')[-1]}") for line in out[2:4])  # nothing built yet
    assert "—" in out[2] and out[-1].startswith("finished nodes, each once: 0m")
