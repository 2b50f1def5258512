"""A tracking server killed mid-grid: the grid finishes, `xner track` fills MLflow once the server is
back, and the run tree equals that of an undisturbed grid (runs, statuses, params, metrics, tags).

Before (issue 10): the lost server cost 551 s of retries, then a crash with no summary and 2 runs
left RUNNING; the results of the rest of the grid never reached MLflow.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from demo_experiment import TINY, tiny_experiment
from mlflow import MlflowClient
from mlflow_kit import free_port, mlflow_server

from xner.core.cli import main
from xner.core.commands import run as ablate

pytestmark = pytest.mark.system
GRID = [*TINY[1:], "seeds=[1,2]"]
VOLATILE = {"wall_seconds"}  # the only numbers that differ between two equal runs
# (the undisturbed grid runs on a store of its own, so its `store` param is left out too)
KEPT_TAGS = ("method", "variant", "language", "seed", "xner.level", "xner.cache_hits", "xner.stages_run",
             "xner.variants", "xner.langs", "xner.seeds", "xner.reference")


def tree(uri: str, parent_id: str) -> dict[Any, Any]:
    """Everything a person compares in the UI, keyed by level/variant/language/seed, ids left out."""
    client = MlflowClient(uri)
    parent = client.get_run(parent_id)
    runs = [parent, *client.search_runs([parent.info.experiment_id],
                                        f"tags.`xner.root_run` = '{parent_id}'", max_results=1000)]
    out = {}
    for r in runs:
        tags = r.data.tags
        key = (tags.get("xner.level"), tags.get("variant"), tags.get("language"), tags.get("seed"))
        assert key not in out, f"duplicate run {key}"
        arts = sorted(a.path for a in client.list_artifacts(r.info.run_id))
        out[key] = {"status": r.info.status, "name": r.info.run_name.split("@")[0],
                    "params": {k: v for k, v in r.data.params.items() if k != "store"}, "artifacts": arts,
                    "metrics": {k: v for k, v in r.data.metrics.items() if k not in VOLATILE},
                    "tags": {k: tags.get(k) for k in KEPT_TAGS}}
    return out


def test_server_killed_mid_grid_then_track_equals_undisturbed(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path, "name: outage\nlabel: TransAdv\n",
                          "  w/o Θorder: {teachers.order.weight: 0}\n")
    with mlflow_server(tmp_path / "calm-server") as url:
        calm = ablate.execute(exp, [*GRID, f"store={tmp_path / 'calm-store'}"], ablate=True, device="cpu",
                              tracking_uri=url, command="ablate")
        expected = tree(url, calm.parent_run)

    port = free_port()
    server = mlflow_server(tmp_path / "server", port=port)
    url = server.__enter__()
    sets = [arg for s in GRID for arg in ("--set", s)]
    proc = subprocess.Popen([sys.executable, "-m", "xner.core.cli", "ablate", str(exp), "--tracking-uri", url,
                             *sets], cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    client = MlflowClient(url)
    try:
        deadline = time.monotonic() + 300
        while not client.search_runs([e.experiment_id for e in client.search_experiments()],
                                     "tags.`xner.level` = 'seed'"):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.3)
    finally:
        server.__exit__(None, None, None)  # the server dies while the grid has seeds left to run
    killed_at = time.monotonic()
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert time.monotonic() - killed_at < 120  # retries are capped: the outage costs seconds
    assert "tracking stopped" in err and "MLflow logging stopped mid-run" in out and "xner track" in out
    assert "Traceback" not in err

    with mlflow_server(tmp_path / "server", port=port) as url:
        assert main(["track", str(exp), "--tracking-uri", url]) == 0
        client = MlflowClient(url)
        (parent,) = client.search_runs([e.experiment_id for e in client.search_experiments()],
                                       "tags.`xner.level` = 'parent'")
        got = tree(url, parent.info.run_id)
    assert got.keys() == expected.keys() and len(got) == 1 + 2 + 4  # parent, 2 groups, 2 x 2 seeds
    for key in expected:
        assert got[key] == expected[key], key
