"""Grid progress: the ETA weighted by measured stage costs, the plain line for logs, the full log."""

from __future__ import annotations

import json
import logging
import time

import pytest

from xner.core.engine.graph import Node
from xner.core.engine.progress import (
    PRIOR,
    GridProgress,
    close_full_log,
    describe,
    fmt_seconds,
    open_full_log,
)
from xner.core.engine.store import Partial


def _nodes(*stages: str) -> list[Node]:
    return [Node(stage, {"i": i}, seed=1, lang="es") for i, stage in enumerate(stages)]


def test_eta_prices_each_stage_by_its_own_measured_cost():
    src1, src2, dis1, dis2 = _nodes("source", "source", "distill", "distill")
    prog = GridProgress([src1, src2, dis1, dis2], tty=True)
    assert prog.eta() is None and "ETA after the first node" in prog.line()
    prog.finish(src1, seconds=10.0)
    # one source left at its measured 10 s; two students priced from the prior, scaled by source's
    assert prog.eta() == pytest.approx(10.0 + 2 * 10.0 * PRIOR["distill"] / PRIOR["source"])
    prog.finish(dis1, seconds=30.0)
    assert prog.eta() == pytest.approx(10.0 + 30.0)  # measured costs replace the prior
    prog.finish(src2, seconds=20.0)
    assert prog.eta() == pytest.approx(30.0) and prog.line().startswith("3/4 nodes")
    prog.finish(dis2, seconds=30.0)
    assert prog.eta() == 0.0


def test_plain_progress_line_goes_to_the_log_when_no_terminal(caplog):
    (node,) = _nodes("source")
    prog = GridProgress([node, *_nodes("evaluate")], every_s=0.0, tty=False)
    prog.start(node)
    part = Partial("vm", 1, time.time() - 61, {"epoch": 2, "epochs": 3, "dev_f1": 41.5})
    with caplog.at_level(logging.INFO, logger="xner.core.engine.progress"):
        prog.update([describe(node, "w/o Θentity", part)])
        prog.finish(node, seconds=5.0)
        prog.update([])
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("progress: 0/2 nodes (1 running, 1 queued)")
    assert lines[0].endswith("now w/o Θentity es seed 1 · source · epoch 2/3 · dev F1 41.50 · 1m01s")
    assert lines[-1].startswith("progress: 1/2 nodes (0 running, 1 queued)") and "now" not in lines[-1]
    quiet = GridProgress([node], every_s=0.0, tty=True)  # a terminal shows the bar instead
    with caplog.at_level(logging.INFO, logger="xner.core.engine.progress"):
        caplog.clear()
        quiet.finish(node, seconds=1.0)
    assert not caplog.records


def test_describe_without_progress_and_with_host():
    (node,) = _nodes("teacher")
    assert describe(node, "TransAdv", None) == "TransAdv es seed 1 · teacher"
    part = Partial("gpu-3", 42, time.time() - 5, {})  # building, no epoch finished yet
    assert describe(node, "", part, host=True) == "es seed 1 · teacher · 0m05s · on gpu-3:42"


def test_fmt_seconds():
    assert (fmt_seconds(59), fmt_seconds(61), fmt_seconds(3725)) == ("0m59s", "1m01s", "1h02m")


def test_full_log_keeps_xner_debug_without_touching_the_terminal(tmp_path, capsys):
    root = logging.getLogger()
    console = logging.StreamHandler()
    console.setLevel(logging.INFO)  # what `xner`'s main sets up
    saved = root.handlers[:]
    root.handlers = [console]
    try:
        handler = open_full_log(tmp_path / "run.log")
        logging.getLogger("xner.core.test").debug("a debug line")
        logging.getLogger("xner.core.test").info("an info line")
        logging.getLogger("urllib3").debug("third-party debug")
        close_full_log(handler)
    finally:
        root.handlers = saved
    text = (tmp_path / "run.log").read_text()
    assert "DEBUG xner.core.test: a debug line" in text and "an info line" in text
    assert "third-party" not in text
    err = capsys.readouterr().err
    assert "an info line" in err and "a debug line" not in err
    assert logging.getLogger("xner").level == logging.NOTSET  # restored


def test_log_lines_above_the_bar_keep_the_terminal_level(tmp_path, capsys):
    from xner.core.engine.progress import logging_above_bars

    root = logging.getLogger()
    console = logging.StreamHandler()
    console.setLevel(logging.INFO)
    saved = root.handlers[:]
    root.handlers = [console]
    try:
        handler = open_full_log(tmp_path / "run.log")
        with logging_above_bars():
            logging.getLogger("xner.core.test").debug("hidden on the terminal")
            logging.getLogger("xner.core.test").info("shown above the bar")
        close_full_log(handler)
        assert root.handlers == [console]  # the console handler is back
    finally:
        root.handlers = saved
    err = capsys.readouterr().err
    assert "shown above the bar" in err and "hidden on the terminal" not in err
    assert "hidden on the terminal" in (tmp_path / "run.log").read_text()


def test_each_epoch_reaches_the_live_view_through_the_partial_node_and_is_never_committed(
        tmp_path, monkeypatch):
    from demo_experiment import TINY, tiny_experiment

    from xner.core import runner
    from xner.core.engine.store import PROGRESS
    from xner.core.runner.executors import local

    seen: list[tuple[str, dict]] = []
    real = local.describe

    def spy(node, variant, part, host=False):
        if part is not None and "epoch" in part.progress:
            seen.append((node.stage, dict(part.progress)))
        return real(node, variant, part, host)

    monkeypatch.setattr(local, "describe", spy)
    path = tiny_experiment(tmp_path, train=30, evaluation=10)
    sets = [*TINY, "train.epochs=2", "teachers.context.weight=0", "teachers.order.weight=0"]
    runner.run(runner.build(path, sets))
    by_stage = {stage: [p["epoch"] for s, p in seen if s == stage] for stage, _ in seen}
    assert by_stage["source"] == [1, 2] and by_stage["teacher"] == [1] and by_stage["distill"] == [1]
    assert {p["epochs"] for s, p in seen if s != "source"} == {1}  # teacher_epochs, distill_epochs
    source = next(p for s, p in seen if s == "source" and p["epoch"] == 2)
    assert source["epochs"] == 2 and 0.0 <= source["dev_f1"] <= 100.0 and source["started"] <= source["at"]
    store = tmp_path / "store"
    assert not list(store.rglob(f"{PROGRESS}*")) and not list(store.glob("*/.*.tmp-*"))
    for manifest in store.glob("*/*/node.json"):
        assert not any(PROGRESS in name for name in json.loads(manifest.read_text())["artifacts"])


def test_eta_divides_by_the_measured_parallelism_up_to_the_workers(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    nodes = _nodes(*["source"] * 6)
    prog = GridProgress(nodes, tty=True, workers=2)
    clock[0] += 10.0
    prog.finish(nodes[0], seconds=10.0)  # a chain so far: one node-second per wall second
    assert prog.parallel() == 1.0 and prog.eta() == pytest.approx(50.0)
    clock[0] += 10.0
    prog.finish(nodes[1], seconds=10.0)
    prog.finish(nodes[2], seconds=10.0)  # two at once: 30 node-seconds in 20 s
    assert prog.parallel() == pytest.approx(1.5) and prog.eta() == pytest.approx(30.0 / 1.5)
    clock[0] += 5.0
    for n in nodes[3:5]:
        prog.finish(n, seconds=20.0)  # 70 node-seconds in 25 s would be 2.8: capped at the 2 workers
    assert prog.parallel() == 2.0 and prog.eta() == pytest.approx(14.0 / 2)
