"""`xner store gc`: exactly the nodes no listed experiment reaches, removed whole."""

from __future__ import annotations

from pathlib import Path

from demo_experiment import TINY, tiny_experiment

from xner.core import runner
from xner.core.cli import main
from xner.core.engine.graph import topological

SETS = [*TINY, "teachers.context.weight=0", "teachers.order.weight=0"]


def _nodes(exp) -> set[tuple[str, str]]:
    return {(n.stage, n.key) for n in topological([t.node for t in exp.targets])}


def test_gc_removes_exactly_what_only_the_dropped_experiment_reached(tmp_path: Path, capsys) -> None:
    a = tiny_experiment(tmp_path, train=40, evaluation=12)
    b = tmp_path / "b.yaml"  # the same experiment with another student learning rate
    b.write_text(a.read_text().replace("variants:", "train: {lr_distill: 2.0e-3}\nvariants:"))
    exp_a, exp_b = runner.build(a, SETS), runner.build(b, SETS)
    runner.run(exp_a)
    runner.run(exp_b)
    only_a = _nodes(exp_a) - _nodes(exp_b)
    assert {s for s, _ in only_a} == {"distill", "evaluate"}  # sources, teachers, pseudo labels shared
    store = tmp_path / "store"
    sets = [x for s in SETS for x in ("--set", s)]

    assert main(["store", "gc", str(store), str(b), *sets, "--dry-run"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert {tuple(line.split("/")) for line in listed[:-1]} == only_a
    assert listed[-1].startswith(f"would remove {len(only_a)} unreachable nodes")
    assert all(exp_a.store.path(s, k).is_dir() for s, k in only_a)  # a dry run removes nothing

    assert main(["store", "gc", str(store), str(b), *sets]) == 0
    assert not any(exp_a.store.path(s, k).exists() for s, k in only_a)
    assert not list(store.glob("*/.gc-*"))
    assert main(["store", "gc", str(store), str(a), str(b), *sets, "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("would remove 0 unreachable nodes")
    again = runner.build(b, SETS)
    summary, _ = runner.run(again)
    assert not summary.ran  # everything b needs survived
