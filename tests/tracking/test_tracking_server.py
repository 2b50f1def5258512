"""A real `mlflow server` on 127.0.0.1 (started here, stopped by PID): an xner ablation tracked over
HTTP, and its parent run rendered by the real MLflow UI in headless Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment
from mlflow import MlflowClient
from mlflow_kit import chromium_path, dump_dom, mlflow_server, screenshot

from xner.core.commands import run as ablate
from xner.core.reporting.compare import compare

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("remote")
    exp = tiny_experiment(tmp, "name: remote-ablation\nlabel: TransAdv\n",
                          "  w/o Θorder: {teachers.order.weight: 0}\n")
    with mlflow_server(tmp / "server") as url:
        out = ablate.execute(exp, TINY, ablate=True, device="cpu", tracking_uri=url, command="ablate")
        yield {"url": url, "out": out, "tmp": tmp}


def test_ablation_tracked_over_http(remote: dict) -> None:
    client = MlflowClient(tracking_uri=remote["url"])
    parent = client.get_run(remote["out"].parent_run)
    assert parent.info.status == "FINISHED" and parent.info.artifact_uri.startswith("mlflow-artifacts:")
    runs = client.search_runs([parent.info.experiment_id], f"tags.`xner.root_run` = '{parent.info.run_id}'")
    assert sorted(r.data.tags["xner.level"] for r in runs) == ["group", "group", "seed", "seed"]
    md = Path(client.download_artifacts(parent.info.run_id, "ablation/ablation.md")).read_text()
    assert "w/o Θorder" in md and md.strip() == remote["out"].table.to_markdown().strip()
    assert compare(remote["url"], "remote-ablation").to_markdown() == remote["out"].table.to_markdown()


@pytest.mark.skipif(chromium_path() is None, reason="no chromium on PATH (apt-get install chromium)")
def test_parent_run_renders_in_the_mlflow_ui(remote: dict) -> None:
    client = MlflowClient(tracking_uri=remote["url"])
    parent = client.get_run(remote["out"].parent_run)
    page = f"{remote['url']}/#/experiments/{parent.info.experiment_id}/runs/{parent.info.run_id}"
    dom = dump_dom(page + "/artifacts", wait_ms=10000)
    assert 'artifact-name="ablation_table.json"' in dom and 'artifact-name="ablation"' in dom
    overview = dump_dom(page, wait_ms=10000)
    assert "remote-ablation" in overview or "ablate:" in overview  # the run's name is on its page
    png = screenshot(page + "/artifacts", remote["tmp"] / "ablation-run.png", wait_ms=10000)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    keep = os.environ.get("XNER_UI_SCREENSHOT")  # where a person wants to look at it
    if keep:
        shutil.copy(png, keep)
