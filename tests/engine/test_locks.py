"""Node claims: two workers never build the same node; a waiting worker takes the other's result; the
claim of a dead worker (same host and dead pid, or another host gone silent) is taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core.engine import locks
from xner.core.engine.locks import claim


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_claim_waits_and_takes_the_published_result(tmp_path: Path) -> None:
    lock, done = tmp_path / ".k.lock", threading.Event()
    first = claim(lock, done.is_set)
    assert first is not None and lock.exists()
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(claim(lock, done.is_set, poll=0.05)))
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive()  # waiting on a live owner
    done.set()  # the owner publishes the node...
    first.release()  # ...and lets go
    waiter.join(5)
    assert got == [None] and not lock.exists()


def test_a_dead_local_owner_is_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lock = tmp_path / ".k.lock"
    pid = _dead_pid()
    lock.write_text(json.dumps({"host": os.uname().nodename, "pid": str(pid), "start": "", "token": "x"}))
    held = claim(lock, lambda: False)
    assert held is not None and json.loads(lock.read_text())["pid"] == str(os.getpid())
    assert f"process {pid} is gone" in caplog.text
    held.release()


def test_another_hosts_claim_is_taken_over_only_when_silent(tmp_path: Path, monkeypatch) -> None:
    lock = tmp_path / ".k.lock"
    lock.write_text(json.dumps({"host": "elsewhere", "pid": "1", "start": "", "token": "x"}))
    monkeypatch.setattr(locks, "STALE_S", 5.0)
    flag = threading.Event()
    threading.Timer(0.5, flag.set).start()
    assert claim(lock, flag.is_set, poll=0.05) is None  # fresh: waited until the node appeared
    old = time.time() - 60
    os.utime(lock, (old, old))
    held = claim(lock, lambda: False)
    assert held is not None
    held.release()


def test_two_processes_build_each_node_once(tmp_path: Path) -> None:
    store, calls = tmp_path / "store", tmp_path / "calls.log"
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from xner.core.engine.graph import Node, execute
        from xner.core.engine.store import Store

        def stage(ctx):
            with open({str(calls)!r}, "a") as f:
                f.write(ctx.node.stage + "\\n")
            time.sleep(1.0)
            (ctx.out / "x").write_text("x")
            return {{}}

        a = Node("a", {{}})
        b = [Node("b", {{"i": i}}, inputs={{"a": a}}) for i in range(3)]
        execute(b, Store({str(store)!r}), {{"a": stage, "b": stage}})
    """))
    procs = [subprocess.Popen([sys.executable, str(script)]) for _ in range(3)]
    assert [p.wait(120) for p in procs] == [0, 0, 0]
    assert sorted(calls.read_text().split()) == ["a", "b", "b", "b"]  # four nodes, each built once


@pytest.mark.system
def test_two_xner_runs_on_one_store_build_each_node_once(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path, "", "  w/o Θorder: {teachers.order.weight: 0}\n")
    sets = [arg for s in [*TINY[1:], "seeds=[1,2]"] for arg in ("--set", s)]
    cmd = [sys.executable, "-m", "xner.core.cli", "ablate", str(exp), "--no-track", *sets]
    procs = [subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    built = [k for j in (tmp_path / "store" / ".journal").glob("*.json")
             for o in json.loads(j.read_text())["outcomes"] for k in o["ran"]]
    assert built and len(built) == len(set(built))  # no node key built by both
    both = [json.loads(j.read_text()) for j in (tmp_path / "store" / ".journal").glob("*.json")]
    assert all(len(j["outcomes"]) == 4 and not any(o["error"] for o in j["outcomes"]) for j in both)
