"""Speed changes that claim not to change the maths, checked on the CPU with the same seed.

Scoring test and source dev after every epoch (`train.epoch_eval`) only draws curves: the trained
weights, the selected epoch and every final F1 must be the same bit for bit without it.
"""

from __future__ import annotations

from pathlib import Path

import torch
from demo_experiment import TINY, tiny_experiment
from safetensors.torch import load_file

from xner.core import runner
from xner.core.engine.graph import topological


def _run(exp_file: Path, extra: list[str]) -> tuple[dict, dict[str, dict[str, torch.Tensor]], dict]:
    exp = runner.build(exp_file, [*TINY, "train.epochs=2", "teachers.context.weight=0",
                                  "teachers.order.weight=0", *extra])
    _, results = runner.run(exp)
    nodes = [n for n in topological([t.node for t in exp.targets])
             if n.stage in ("source", "teacher", "distill")]
    weights = {n.name: load_file(str(exp.store.path(n.stage, n.key) / "model.safetensors")) for n in nodes}
    best = {n.name: (exp.store.manifest(n.stage, n.key)["result"]["best_epoch"],
                     "test_f1" in exp.store.manifest(n.stage, n.key)["result"]["curve"][0]) for n in nodes}
    return results[("base", "es")][0], weights, best


def test_per_epoch_test_and_source_dev_scoring_changes_nothing_but_the_curves(tmp_path: Path) -> None:
    exp_file = tiny_experiment(tmp_path, train=40, evaluation=12)
    lean, lean_w, lean_best = _run(exp_file, [])
    full, full_w, full_best = _run(exp_file, ["train.epoch_eval=[dev,test,source_dev]"])
    assert all(not curve for _, curve in lean_best.values()) and all(c for _, c in full_best.values())
    assert [e for e, _ in lean_best.values()] == [e for e, _ in full_best.values()]
    assert set(lean_w) == {"source[language+order]", "teacher[entity]", "distill"}
    for name, state in lean_w.items():
        assert state.keys() == full_w[name].keys()
        assert all(torch.equal(v, full_w[name][k]) for k, v in state.items()), name
    for key in ("dev_f1", "test_f1", "dev_strict_f1", "test_strict_f1"):
        assert lean[key] == full[key], key
