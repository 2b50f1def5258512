"""`xner status`: done / running / queued per variant x language, from the store alone."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from demo_experiment import TINY, tiny_experiment

from xner.core import runner
from xner.core.cli import main
from xner.core.engine.graph import topological
from xner.core.engine.store import write_progress
from xner.core.reporting import status

SETS = [*TINY, "teachers.context.weight=0", "teachers.order.weight=0"]


def test_status_follows_a_grid_from_queued_to_finished(tmp_path: Path, capsys) -> None:
    path = tiny_experiment(tmp_path, train=40, evaluation=12)
    sets = [s.replace("seeds=[1]", "seeds=[1, 2]") for s in SETS]
    exp = runner.build(path, sets)
    total = {n.key for n in topological([t.node for t in exp.targets])}

    (cell,) = status.grid(exp)
    assert (cell.seeds, cell.done, cell.running, cell.queued) == (2, set(), {}, total)

    runner.run(runner.build(path, [*sets, "seeds=[1]"]))  # seed 1 only, as an interrupted grid
    (cell,) = status.grid(exp)
    assert len(cell.test_f1) == len(cell.dev_f1) == 1 and cell.done and cell.queued and not cell.running
    assert cell.done | cell.queued == total and not cell.done & cell.queued

    # a worker of this host is building seed 2's source node: a live pid is running, a dead one queued
    source = next(n for n in topological([t.node for t in exp.targets])
                  if n.stage == "source" and n.seed == 2)
    live = exp.store.root / "source" / f".{source.key}.tmp-{socket.gethostname()}-{os.getpid()}"
    live.mkdir(parents=True)
    (cell,) = status.grid(exp)
    assert list(cell.running) == [source.key] and "seed 2" in cell.running[source.key]
    write_progress(live, {"started": time.time() - 125, "epoch": 1, "epochs": 2, "dev_f1": 38.25})
    (cell,) = status.grid(exp)  # how far its stage has got, as the stage records it after each epoch
    assert cell.running[source.key] == f"{source.name} seed 2 · epoch 1/2 · dev F1 38.25 · 2m05s"
    live.rename(live.with_name(f".{source.key}.tmp-{socket.gethostname()}-{2**22 + 7}"))
    (cell,) = status.grid(exp)
    assert not cell.running and source.key in cell.queued

    assert main(["status", str(path), *[x for s in sets for x in ("--set", s)]]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("variant") and "1/2" in out[1]
    assert out[-2] == (f"grid stopped: {len(cell.done)} nodes done, 0 running, "
                       f"{len(cell.queued)} queued; 1/2 seed results")
    assert out[-1].startswith(f"store: {exp.store.root.resolve()} ")

    runner.run(exp)
    text = status.render(status.grid(exp), exp.store.root)
    assert f"grid finished: {len(total)} nodes done, 0 running, 0 queued; 2/2 seed results" in text
    (cell,) = status.grid(exp)
    row = text.splitlines()[1]  # dev before test, each the mean ± std of the store's evaluate nodes
    assert row.index(status._f1(cell.dev_f1)) < row.index(status._f1(cell.test_f1)) and " ± " in row
