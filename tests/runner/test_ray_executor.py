"""The `ray` executor: the same bits as `local`, each node built once on a multi-node cluster whose
nodes declare (fake) GPUs, and a task whose worker is killed is retried with nothing lost."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core import runner
from xner.core.config.schema import ExecutionConfig
from xner.core.runner.executors.ray import task_options

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow
GRID = [*TINY[1:], "seeds=[1,2]", "execution.threads=1"]  # CPU bits follow the thread count: pin it
VARIANT = "  w/o Θorder: {teachers.order.weight: 0}\n"


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "builds.log"
    monkeypatch.setenv("XNER_BUILD_LOG", str(log))  # Ray workers inherit the driver's environment
    yield log
    if ray.is_initialized():
        ray.shutdown()


def _grid(tmp_path: Path, store: str) -> runner.Experiment:
    exp = tiny_experiment(tmp_path, "", VARIANT)
    return runner.build(exp, [*GRID, f"store={tmp_path / store}"], variants=["w/o Θorder"])


def _builds(log: Path) -> Counter:
    return Counter(line.split()[1] for line in log.read_text().splitlines())


def test_task_resources_follow_the_cluster() -> None:
    ex = ExecutionConfig()
    assert task_options("source", True, ex) == {"num_cpus": 1.0, "num_gpus": 1.0}
    assert task_options("source", False, ex) == {"num_cpus": 1.0, "num_gpus": 0.0}
    assert task_options("select", True, ex) == {"num_cpus": 1.0, "num_gpus": 0.0}
    custom = ExecutionConfig(resources={"source": {"cpus": 4, "gpus": 0.5}})
    assert task_options("source", True, custom) == {"num_cpus": 4.0, "num_gpus": 0.5}


def test_ray_gives_the_bits_of_local_and_builds_each_node_once(tmp_path: Path, audit: Path) -> None:
    local = _grid(tmp_path, "local-store")
    _, expected = runner.run(local)
    ray.init(num_cpus=2, include_dashboard=False)
    on_ray = _grid(tmp_path, "ray-store")
    audit.unlink()
    summary, got = runner.run(on_ray, executor="ray")
    assert got == expected  # every metric of every seed, bit for bit, in the same order
    builds = _builds(audit)
    assert set(builds.values()) == {1} and len(builds) == len(summary.ran) == 26


@pytest.mark.system
def test_fake_gpu_cluster_schedules_heavy_stages_on_gpus_once(tmp_path: Path, audit: Path) -> None:
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "num_gpus": 1})
    cluster.add_node(num_cpus=2, num_gpus=1)
    try:
        ray.init(address=cluster.address)
        assert ray.cluster_resources()["GPU"] == 2
        _, results = runner.run(_grid(tmp_path, "store"), executor="ray")
        assert all(not any("error" in r for r in rows) for rows in results.values())
        lines = [line.split() for line in audit.read_text().splitlines()]
        assert Counter(parts[1] for parts in lines).most_common(1)[0][1] == 1  # each key once
        heavy = {parts[-1] for parts in lines if parts[0] in ("source", "teacher", "distill")}
        assert heavy <= {"gpus=0"} and heavy  # each training task held one (fake) GPU
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.mark.system
def test_a_killed_worker_is_retried_and_nothing_is_lost(tmp_path: Path, audit: Path) -> None:
    ray.init(num_cpus=2, include_dashboard=False)
    exp = _grid(tmp_path, "store")
    killed: list[int] = []

    def kill_first_source_builder() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for lock in (tmp_path / "store" / "source").glob(".*.lock"):
                try:
                    pid = int(json.loads(lock.read_text())["pid"])
                except (OSError, ValueError, KeyError):
                    continue
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_source_builder)
    killer.start()
    _, results = runner.run(exp, executor="ray")
    killer.join()
    assert killed, "no source node was seen building"
    assert all(not any("error" in r for r in rows) for rows in results.values())
    builds = _builds(audit)
    assert set(builds.values()) == {1}  # the killed attempt committed nothing; its retry built it once
    assert not list((tmp_path / "store").glob("*/.*.tmp-*"))


@pytest.mark.system
def test_tracked_ray_grid_logs_curves_live_and_once(tmp_path: Path, audit: Path) -> None:
    from mlflow import MlflowClient

    from xner.core.commands import run as ablate

    ray.init(num_cpus=2, include_dashboard=False)
    exp = tiny_experiment(tmp_path, "label: TransAdv\n", VARIANT)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = ablate.execute(exp, GRID, ablate=True, device="cpu", tracking_uri=uri, command="ablate",
                         executor="ray")
    client = MlflowClient(uri)
    parent = client.get_run(out.parent_run)
    runs = client.search_runs([parent.info.experiment_id], f"tags.`xner.root_run` = '{out.parent_run}'")
    seeds = [r for r in runs if r.data.tags["xner.level"] == "seed"]
    assert len(seeds) == 4 and {r.info.status for r in runs} == {"FINISHED"}
    committed = {json.loads(m.read_text())["seed"]: m.stat().st_mtime * 1000
                 for m in (tmp_path / "store" / "source").glob("*/node.json")}
    for r in seeds:
        history = client.get_metric_history(r.info.run_id, "source/dev_f1")
        assert [m.step for m in history] == [1]  # one point per epoch, never twice
        if "source" in r.data.tags["xner.stages_run"]:  # the run that Θsrc trained for: live
            assert history[0].timestamp < committed[int(r.data.tags["seed"])]


def test_running_lines_name_what_runs_where_and_how_far_from_the_store(tmp_path: Path) -> None:
    import os
    import socket

    from xner.core.engine.graph import topological
    from xner.core.engine.progress import GridProgress
    from xner.core.engine.store import write_progress
    from xner.core.runner.executors.ray import running_lines
    from xner.core.runner.experiment import row_name

    exp = _grid(tmp_path, "store")
    nodes = {n.key: n for n in topological([t.node for t in exp.targets])}
    first: dict = {}
    for t in exp.targets:
        for n in topological([t.node]):
            first.setdefault(n.key, t)
    keys = [k for k, n in nodes.items() if n.stage in ("source", "teacher")][:5]
    busy, other = nodes[keys[1]], nodes[keys[2]]
    tmp = exp.store.begin(busy.stage, busy.key)  # this process builds it, at epoch 2 of 3
    write_progress(tmp, {"epoch": 2, "epochs": 3, "dev_f1": 45.3})
    far = exp.store.root / other.stage / f".{other.key}.tmp-gpu-node-3-4242"  # another host's worker
    far.mkdir(parents=True)
    dead = exp.store.root / nodes[keys[3]].stage / f".{keys[3]}.tmp-{socket.gethostname()}-999999"
    dead.mkdir(parents=True)  # a dead process of this host: not running
    lines = running_lines(exp, nodes, first, keys[1:])
    assert len(lines) == 2
    variant = row_name(exp, first[busy.key].variant)
    assert lines[0].startswith(f"{variant} {busy.lang} seed {busy.seed} · {busy.name} · epoch 2/3 · "
                               "dev F1 45.30 · 0m0"), lines
    assert lines[0].endswith(f"on {socket.gethostname()}:{os.getpid()}")
    assert other.name in lines[1] and lines[1].endswith("on gpu-node-3:4242") and "epoch" not in lines[1]
    prog = GridProgress([nodes[k] for k in keys], tty=False)
    prog.finish(nodes[keys[0]], seconds=1.0)
    prog.update(lines)
    assert prog.line().startswith("1/5 nodes (2 running, 2 queued)")
    assert prog.line().endswith(f"now {lines[0]}; {lines[1]}")


@pytest.mark.system
def test_sigkill_of_the_ray_driver_then_the_rerun_redoes_nothing(tmp_path: Path, audit: Path) -> None:
    import subprocess
    import sys

    from mlflow import MlflowClient

    exp = tiny_experiment(tmp_path, "label: TransAdv\n", VARIANT)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    sets = [arg for s in [*GRID, "train.epochs=2"] for arg in ("--set", s)]
    cmd = [sys.executable, "-m", "xner.core.cli", "ablate", str(exp), "--tracking-uri", uri, *sets]
    proc = subprocess.Popen([*cmd, "--executor", "ray"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    store = tmp_path / "store"
    deadline = time.monotonic() + 240
    while len(list(store.glob("*/*/node.json"))) < 8:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    proc.kill()  # Ray's local cluster shares the driver's fate (its processes die with it)
    proc.wait()
    time.sleep(3)
    finished = {m.parent.name for m in store.glob("*/*/node.json")}
    audit.write_text("")
    again = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert not set(_builds(audit)) & finished  # nothing that had finished was built again
    client = MlflowClient(uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()], "")
    assert "RUNNING" not in {r.info.status for r in runs}
    orphans = [r for r in runs if r.data.tags.get("xner.orphaned")]
    assert any(r.data.tags.get("xner.level") == "parent" and r.info.status == "KILLED" for r in orphans)
