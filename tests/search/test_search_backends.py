"""A study on PostgreSQL (Debian's server on 127.0.0.1, started here) and workers as Ray tasks: the
storages and workers a lab uses across machines, with the same exact trial budget."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core.search.command import search

SPACE = ("search:\n  study: {study}\n  pruner: {{type: none}}\n  space:\n"
         "    train.lr_distill: {{type: float, low: 3.0e-4, high: 3.0e-3, log: true}}\n"
         "    train.lr_ner: null\n    train.lr_discriminator: null\n    discriminators.order.hidden: null\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1; its URL."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    bindir = Path(found[-1]).parent if found[-1] else None
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries absent (Debian: apt-get install postgresql; .ci/run does)")
    pytest.importorskip("psycopg", reason="psycopg absent (pip install -e '.[dev]' brings it)")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="xner-pg-"))
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "xner", "--auth=trust", "-E", "UTF8")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1", "start")
        yield f"postgresql://xner@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.system
def test_two_workers_share_a_postgresql_study(tmp_path: Path, postgres: str) -> None:
    exp = tiny_experiment(tmp_path, SPACE.format(study="pg"), train=150)
    sets = [*TINY, "train.distill_epochs=4"]  # trials long enough for the second process to start
    out = search(exp, sets, n_trials=8, workers=2, storage=postgres, device="cpu", track=False)
    trials = optuna.load_study(study_name="pg", storage=postgres).trials
    assert sorted(t.number for t in trials) == list(range(8))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["xner.worker"]["pid"] for t in trials}) == 2
    assert 0 < out.ran < 8
    # a second command on the same study and budget finds nothing left to do
    again = search(exp, sets, n_trials=8, storage=postgres, device="cpu", track=False)
    assert again.ran == 0 and len(again.study.trials) == 8


@pytest.mark.system
def test_workers_as_ray_tasks(tmp_path: Path) -> None:
    import ray

    exp = tiny_experiment(tmp_path, SPACE.format(study="ray"))
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        out = search(exp, TINY, n_trials=4, workers=2, executor="ray", device="cpu", track=False)
    finally:
        ray.shutdown()
    trials = out.study.trials
    assert out.ran == 4 and sorted(t.number for t in trials) == [0, 1, 2, 3]
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    pids = {t.user_attrs["xner.worker"]["pid"] for t in trials}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # Ray's worker processes ran them
