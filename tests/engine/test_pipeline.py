"""Stage graph: content keys, sharing, plan counts, atomic publication, resume after SIGKILL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from xner.core.engine.graph import Node, StageFailed, build, execute, make_plan, stable_hash, topological
from xner.core.engine.store import Store
from xner.core.errors import Terminated, check_stop, stop_on_signals


def _graph(distill_lr: float = 6e-5, weights: tuple[float, ...] = (1, 1)) -> Node:
    src = Node("source", {"lr": 6e-5}, seed=1, lang="es")
    t1 = Node("teacher", {"kind": "entity"}, seed=1, lang="es", inputs={"src": src})
    t2 = Node("teacher", {"kind": "order"}, seed=1, lang="es", inputs={"src": src})
    pl = Node("pseudo", {"w": list(weights)}, seed=1, lang="es", inputs={"a": t1, "b": t2})
    return Node("distill", {"lr": distill_lr}, seed=1, lang="es", inputs={"pl": pl})


def test_key_depends_only_on_what_the_node_reads() -> None:
    a, b = _graph(), _graph()
    assert a.key == b.key
    c = _graph(distill_lr=1e-4)
    assert c.key != a.key
    # the teachers upstream are the same nodes
    up_a = {n.key for n in topological([a]) if n.stage == "teacher"}
    up_c = {n.key for n in topological([c]) if n.stage == "teacher"}
    assert up_a == up_c and len(up_a) == 2
    assert Node("s", {"x": 1}, seed=2).key != Node("s", {"x": 1}, seed=3).key
    assert Node("s", {"x": 1}, data={"f": "aa"}).key != Node("s", {"x": 1}, data={"f": "ab"}).key
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})


def test_topological_dedupes_shared_nodes() -> None:
    order = topological([_graph(), _graph(weights=(1, 0))])
    stages = [n.stage for n in order]
    assert stages.count("source") == 1 and stages.count("teacher") == 2
    assert stages.count("pseudo") == 2 and stages.count("distill") == 2
    assert stages.index("source") < stages.index("teacher") < stages.index("pseudo")


def test_execute_runs_once_and_plan_sees_cache(tmp_path: Path) -> None:
    store = Store(tmp_path)
    calls: list[str] = []

    def stage(ctx) -> dict:
        calls.append(ctx.node.stage)
        for role in ctx.node.inputs:
            assert ctx.input_manifest(role)["stage"] == ctx.node.inputs[role].stage
        (ctx.out / "artifact.txt").write_text(ctx.node.key)
        return {"f1": 1.0}

    stages = {s: stage for s in ("source", "teacher", "pseudo", "distill")}
    plan = make_plan([_graph()], store)
    assert (plan.to_run, plan.cached, plan.naive) == (5, 0, 5)
    summary = execute([_graph()], store, stages)
    assert len(summary.ran) == 5 and calls.count("source") == 1
    # a variant changing only the distill lr reuses everything but the student
    plan2 = make_plan([_graph(distill_lr=1e-3)], store)
    assert plan2.to_run == 1 and plan2.cached == 4
    seen: list[tuple[str, bool]] = []
    execute([_graph(distill_lr=1e-3)], store, stages, on_done=lambda n, m, c: seen.append((n.stage, c)))
    assert calls.count("distill") == 2 and calls.count("teacher") == 2
    assert ("source", True) in seen and ("distill", False) in seen
    assert store.manifest("distill", _graph().key)["result"] == {"f1": 1.0}


def test_failed_stage_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)

    def boom(ctx) -> dict:
        (ctx.out / "half.bin").write_bytes(b"x")
        raise RuntimeError("stage failed")

    node = Node("source", {"lr": 1})
    with pytest.raises(StageFailed) as info:
        execute([node], store, {"source": boom})
    assert info.value.node is node and str(info.value.__cause__) == "stage failed"
    assert not store.has("source", node.key)
    assert list((tmp_path / "source").iterdir()) == []


@pytest.mark.parametrize("where", ["on_start", "stage", "commit"])
def test_interrupt_anywhere_before_the_rename_leaves_no_partial_node(tmp_path: Path, where: str) -> None:
    # CI once caught a SIGTERM landing in on_start (after the partial directory existed, before the
    # stage's try): the partial node outlived the run
    store = Store(tmp_path)
    node = Node("source", {"lr": 1})

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    def stage(ctx) -> dict:
        (ctx.out / "half.bin").write_bytes(b"x")
        if where == "stage":
            stop()
        return {}

    if where == "commit":  # the manifest is written, the rename has not happened yet
        store.commit = lambda stage, key, tmp, manifest: ((tmp / "manifest.json").write_text("{}"), stop())
    with pytest.raises(KeyboardInterrupt):
        build(node, store, {"source": stage}, on_start=stop if where == "on_start" else None)
    assert not store.has("source", node.key)
    assert list((tmp_path / "source").iterdir()) == []


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from xner.core.engine.graph import Node, execute
    from xner.core.engine.store import Store

    log = Path(sys.argv[2])
    def stage(ctx):
        with log.open("a") as f:
            f.write(ctx.node.stage + "\\n")
        (ctx.out / "part.bin").write_bytes(b"x" * 1000)
        if ctx.node.stage == "slow":
            time.sleep(60)
        return {}
    a = Node("fast", {})
    b = Node("slow", {}, inputs={"a": a})
    execute([b], Store(sys.argv[1]), {"fast": stage, "slow": stage})
    """
)


def test_sigkill_mid_stage_then_resume(tmp_path: Path) -> None:
    store_dir, log = tmp_path / "store", tmp_path / "calls.log"
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(store_dir), str(log)])
    deadline = time.time() + 60
    while time.time() < deadline and (not log.exists() or "slow" not in log.read_text()):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert log.read_text().split() == ["fast", "slow"]
    store = Store(store_dir)  # opening sweeps the dead run's temporary directory
    assert not any(p.name.startswith(".") for p in (store_dir / "slow").iterdir())
    fast = Node("fast", {})
    assert store.has("fast", fast.key)
    assert not store.has("slow", Node("slow", {}, inputs={"a": fast}).key)
    # resume: the finished node is not recomputed; the killed one runs again (quickly this time)
    env = dict(os.environ)
    quick = SCRIPT.replace("time.sleep(60)", "pass")
    script.write_text(quick)
    subprocess.run([sys.executable, str(script), str(store_dir), str(log)], check=True, env=env)
    assert log.read_text().split() == ["fast", "slow", "slow"]


@pytest.mark.parametrize(("sig", "stop"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)])
def test_a_signal_a_library_swallowed_still_stops_at_the_next_node(tmp_path: Path, sig: int,
                                                                     stop: type) -> None:
    """CI saw Ctrl-C land in SQLAlchemy's weakref callback, printed as "Exception ignored", and the
    run went on to exit 0; the node loop raises it again before building anything more."""
    store, calls = Store(tmp_path), []

    def stage(ctx) -> dict:
        calls.append(ctx.node.stage)
        if ctx.node.stage == "source":
            # the library's callback: the signal's exception is raised here, and lost, as
            # "Exception ignored in ..." amounts to
            with contextlib.suppress(BaseException):
                os.kill(os.getpid(), sig)
                time.sleep(1)
        return {}

    # a suite started in the background (`nohup pytest &`) ignores SIGINT, which xner then respects
    interactive = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        before = signal.getsignal(sig)
        with stop_on_signals(), pytest.raises(stop):
            execute([_graph()], store, {s: stage for s in ("source", "teacher", "pseudo", "distill")})
        assert calls == ["source"] and signal.getsignal(sig) is before
    finally:
        signal.signal(signal.SIGINT, interactive)
    check_stop()  # outside the run the signal is forgotten


def test_the_swallowed_signal_prints_no_traceback_and_other_unraisables_still_do(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """CI: the run stopped with 130, but stderr carried the interpreter's "Exception ignored ...
    Traceback ... KeyboardInterrupt" for the signal that landed in SQLAlchemy's weakref callback."""
    import sys

    class Landed:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)

    class Broken:
        def __del__(self) -> None:
            raise ValueError("a library's own bug")

    seen: list[str] = []  # what reaches the interpreter's report ("Exception ignored in ...")
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(type(u.exc_value).__name__))
    default = sys.unraisablehook
    with stop_on_signals(), pytest.raises(Terminated):
        Landed()  # its __del__ runs at once: the signal is raised there, and swallowed
        Broken()
        check_stop()
    assert seen == ["ValueError"] and sys.unraisablehook is default
