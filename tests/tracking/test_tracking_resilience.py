"""Tracking is never on the critical path, and no run is left stuck (issue 10).

Before: an unreachable server cost 257 s of retries and a traceback, a read-only sqlite folder a
traceback, two commands on a fresh sqlite database raced on its schema, kill -9 / SIGTERM / Ctrl-C left
parent and group runs RUNNING forever, and `compare` averaged 1 of 2 seeds without a word.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment
from mlflow import MlflowClient

from xner.core.cli import main
from xner.core.commands import run as ablate
from xner.core.reporting.compare import compare

pytestmark = pytest.mark.system
SLOW = ["train.epochs=2", "train.teacher_epochs=2", "train.distill_epochs=2"]


def _sets(values: list[str]) -> list[str]:
    return [arg for v in values for arg in ("--set", v)]


def _default_sigint() -> None:
    # a suite started as a background job (`nohup ... &`) inherits SIGINT ignored, and Python then
    # installs no KeyboardInterrupt handler: give the child the interactive default back
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _xner(args: list[str], cwd: Path) -> subprocess.Popen:
    # PYTHONFAULTHANDLER: a SIGABRT makes the child print every thread's stack (see _stopped)
    return subprocess.Popen([sys.executable, "-m", "xner.core.cli", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            preexec_fn=_default_sigint, env={**os.environ, "PYTHONFAULTHANDLER": "1"})


def _stopped(proc: subprocess.Popen, timeout: float = 120.0) -> str:
    """The child's stderr once it exits; where it hangs (every thread's stack) if it does not."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        err = proc.communicate(timeout=30)[1]
        pytest.fail(f"xner still running {timeout:.0f} s after the signal; its threads:\n{err[-20000:]}")


def _wait_for(client: MlflowClient, query: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        with contextlib.suppress(Exception):  # the database is still being created by the other process
            exps = [e.experiment_id for e in client.search_experiments()]
            if exps and client.search_runs(exps, query):
                return
        time.sleep(0.2)
    raise TimeoutError(query)


def _runs(client: MlflowClient, parent_id: str) -> list:
    exp = client.get_run(parent_id).info.experiment_id
    return client.search_runs([exp], f"tags.`xner.root_run` = '{parent_id}'", max_results=1000)


def test_unreachable_server_fails_in_seconds(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    exp = tiny_experiment(tmp_path)
    t0 = time.monotonic()
    assert main(["run", str(exp), "--tracking-uri", "http://127.0.0.1:9", *_sets(TINY)]) == 2
    assert time.monotonic() - t0 < 15
    assert "tracking URI http://127.0.0.1:9 is unreachable" in caplog.text and "--no-track" in caplog.text
    store = tmp_path / "store"  # at most the parsed-corpus cache: no node
    assert not store.exists() or not [p for p in store.glob("*/*") if p.parent.name != ".cache"]


def test_unwritable_sqlite_folder_fails_cleanly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    exp = tiny_experiment(tmp_path)
    for uri in ("sqlite:////proc/xner-mlflow.db", f"sqlite:///{tmp_path}/missing/mlflow.db"):
        caplog.clear()
        assert main(["run", str(exp), "--tracking-uri", uri, "--set", "seeds=[1]"]) == 2
        assert f"tracking URI {uri}" in caplog.text


def test_two_commands_create_a_fresh_sqlite_database_together(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/fresh.db"
    code = ("import sys; from xner.core.tracking.journal import check_tracking;"
            "from mlflow import MlflowClient;"
            f"check_tracking('{uri}'); c = MlflowClient('{uri}');"
            "e = c.get_experiment_by_name('x') or None; sys.exit(0)")
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_closes_every_run_as_killed(tmp_path: Path, sig: int, code: int) -> None:
    exp = tiny_experiment(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    # long enough that the signal lands mid-run (3 seeds x 2 epochs once finished before it arrived);
    # the signal stops it, so the length costs nothing
    proc = _xner(["run", str(exp), "--tracking-uri", uri, "--set", "seeds=[1,2,3,4,5,6]",
                  *_sets([*TINY[1:], "train.epochs=8", "train.teacher_epochs=4", "train.distill_epochs=8"])],
                 tmp_path)
    client = MlflowClient(uri)
    _wait_for(client, "tags.`xner.level` = 'group'", proc)
    proc.send_signal(sig)
    err = _stopped(proc)
    assert proc.returncode == code, err
    assert "Traceback" not in err and "every finished node is in the store" in err
    exps = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(exps, "")
    assert runs and {r.info.status for r in runs if r.data.tags.get("xner.level") != "seed"} == {"KILLED"}
    assert not list((tmp_path / "store").glob("*/.*.tmp-*"))  # the partial node is gone


def test_kill_9_orphans_are_closed_by_the_next_start_and_compare_says_incomplete(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    sets = _sets(["seeds=[1,2]", *TINY[1:], *SLOW])
    proc = _xner(["run", str(exp), "--tracking-uri", uri, *sets], tmp_path)
    client = MlflowClient(uri)
    _wait_for(client, "tags.`xner.level` = 'seed' and attributes.status = 'FINISHED'", proc)
    proc.kill()
    proc.wait()
    (parent,) = [r for r in client.search_runs([e.experiment_id for e in client.search_experiments()], "")
                 if r.data.tags.get("xner.level") == "parent"]
    assert parent.info.status == "RUNNING"
    table = compare(uri, parent.info.run_id)
    assert any("is RUNNING, not FINISHED" in n for n in table.notes)
    assert any("1 of 2 seeds finished" in n for n in table.notes)

    again = _xner(["run", str(exp), "--tracking-uri", uri, *sets], tmp_path)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert f"run {parent.info.run_id}" in err and f"process {proc.pid}" in err
    old = client.get_run(parent.info.run_id)
    assert old.info.status == "KILLED" and f"process {proc.pid}" in old.data.tags["xner.orphaned"]
    assert {r.info.status for r in _runs(client, parent.info.run_id)} <= {"KILLED", "FINISHED"}
    assert "nodes run" in out


def test_no_track_then_track_fills_mlflow_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exp = tiny_experiment(tmp_path, "", "  w/o Θorder: {teachers.order.weight: 0}\n")
    monkeypatch.chdir(tmp_path)
    out = ablate.execute(exp, TINY, ablate=True, device="cpu", track=False)
    assert out.parent_run is None
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    assert main(["track", str(exp), "--tracking-uri", uri]) == 0
    client = MlflowClient(uri)
    (parent,) = client.search_runs([e.experiment_id for e in client.search_experiments()],
                                   "tags.`xner.level` = 'parent'")
    assert parent.info.status == "FINISHED"
    first = sorted((r.info.run_name, r.info.status) for r in _runs(client, parent.info.run_id))
    assert len(first) == 4  # two groups, two seed runs
    assert main(["track", str(exp), "--tracking-uri", uri, "--all"]) == 0  # idempotent
    assert sorted((r.info.run_name, r.info.status) for r in _runs(client, parent.info.run_id)) == first
    assert compare(uri, parent.info.run_id).to_markdown() == out.table.to_markdown()
