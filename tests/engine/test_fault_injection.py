"""Fault injection on a real (tiny) TransAdv run: one artifact of each stage kind is truncated,
deleted or edited in turn; the next run rebuilds exactly that node (its rebuild is bit-identical on
the CPU, so nothing downstream is stale) and the final F1 equals the undamaged run's."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core import runner
from xner.core.engine.graph import topological
from xner.core.engine.store import MANIFEST

pytestmark = pytest.mark.slow
STAGES = ("encoder", "translate", "source", "teacher", "pseudo_label", "select", "distill", "evaluate")


def _truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[: max(1, f.stat().st_size // 2)])


def _edit(f: Path) -> None:
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    f.write_bytes(bytes(data))


DAMAGE = {"truncate": _truncate, "delete": Path.unlink, "edit": _edit}


def _largest_artifact(folder: Path) -> Path:
    files = [f for f in folder.rglob("*") if f.is_file() and f.name != MANIFEST]
    return max(files, key=lambda f: (f.stat().st_size, f.name))


def test_each_stage_kind_damaged_in_turn_rebuilds_exactly_it(tmp_path: Path) -> None:
    exp_file = tiny_experiment(tmp_path, train=40, evaluation=12)
    sets = [*TINY, "teachers.context.weight=0", "teachers.order.weight=0"]  # one teacher is enough
    exp = runner.build(exp_file, sets)
    _, results = runner.run(exp)
    clean = results[("base", "es")][0]
    nodes = {n.stage: n for n in topological([t.node for t in exp.targets])}
    assert set(nodes) == set(STAGES)
    for i, stage in enumerate(STAGES):
        for mode in DAMAGE if stage in ("source", "evaluate", "translate") else [list(DAMAGE)[i % 3]]:
            node = nodes[stage]
            victim = _largest_artifact(exp.store.path(node.stage, node.key))
            DAMAGE[mode](victim)
            again = runner.build(exp_file, sets)  # a new Store: nothing verified in memory
            summary, results = runner.run(again)
            assert [n.key for n in summary.ran] == [node.key], (stage, mode, victim.name)
            row = results[("base", "es")][0]
            assert (row["dev_f1"], row["test_f1"]) == (clean["dev_f1"], clean["test_f1"]), (stage, mode)
    assert not [c for c in again.store.verify(full=True) if c.problem]
