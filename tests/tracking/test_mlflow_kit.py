"""The MLflow test kit works: a real tracking server takes runs and artifacts over HTTP, and headless
Chromium renders the MLflow UI's run page with the logged artifacts."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow_kit import chromium_path, dump_dom, free_port, mlflow_server, screenshot

needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="no chromium on PATH (apt-get install chromium) for the UI tests"
)

ABLATION = pd.DataFrame({"variant": ["full", "no-adv", "no-picker"], "f1": [0.71, 0.66, 0.68]})


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory):
    with mlflow_server(tmp_path_factory.mktemp("mlflow")) as url:
        yield url


@pytest.fixture(scope="module")
def logged(server_url: str) -> dict[str, str]:
    """One experiment with a parent run (param, stepped metric, table + text artifacts) and a child run."""
    client = mlflow.MlflowClient(tracking_uri=server_url)
    exp_id = client.create_experiment("kit")
    parent = client.create_run(exp_id, run_name="parent")
    child = client.create_run(exp_id, run_name="child", tags={"mlflow.parentRunId": parent.info.run_id})
    pid, cid = parent.info.run_id, child.info.run_id
    client.log_param(pid, "lr", "0.001")
    client.log_param(cid, "variant", "no-adv")
    for step in (1, 2, 3):
        client.log_metric(pid, "f1", 0.5 + 0.1 * step, step=step)
    client.set_terminated(cid)

    previous_uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(server_url)
    try:
        with mlflow.start_run(run_id=pid):
            mlflow.log_table(ABLATION, artifact_file="ablation.json")
            mlflow.log_text("target language: de\n", "notes.txt")
    finally:
        mlflow.set_tracking_uri(previous_uri)
    return {"exp_id": exp_id, "parent": pid, "child": cid}


def test_free_port_is_bindable():
    port = free_port()
    assert 1024 < port < 65536
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_chromium_path_is_executable_or_none():
    path = chromium_path()
    assert path is None or os.access(path, os.X_OK)


@pytest.mark.system
def test_server_stops_on_exit(tmp_path: Path):
    with mlflow_server(tmp_path) as url, urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
        assert resp.status == 200
    with pytest.raises((urllib.error.URLError, OSError)):
        urllib.request.urlopen(f"{url}/health", timeout=2)
    assert (tmp_path / "mlflow.db").is_file()


@pytest.mark.system
def test_runs_and_artifacts_round_trip_through_http_server(
    server_url: str, logged: dict[str, str], tmp_path: Path
):
    client = mlflow.MlflowClient(tracking_uri=server_url)
    parent = client.get_run(logged["parent"])
    assert parent.data.params == {"lr": "0.001"}
    assert parent.info.status == "FINISHED"
    # artifacts go through the server's proxy, not to a path the client writes itself
    assert parent.info.artifact_uri.startswith("mlflow-artifacts:")

    history = client.get_metric_history(logged["parent"], "f1")
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == [1, 2, 3]
    assert sorted(m.value for m in history) == pytest.approx([0.6, 0.7, 0.8])

    children = client.search_runs(
        [logged["exp_id"]], filter_string=f"tags.mlflow.parentRunId = '{logged['parent']}'"
    )
    assert [r.info.run_id for r in children] == [logged["child"]]
    assert children[0].data.params == {"variant": "no-adv"}

    assert {a.path for a in client.list_artifacts(logged["parent"])} == {"ablation.json", "notes.txt"}
    local = Path(client.download_artifacts(logged["parent"], "ablation.json", str(tmp_path)))
    table = json.loads(local.read_text())
    assert table["columns"] == ["variant", "f1"]
    assert [row[0] for row in table["data"]] == ["full", "no-adv", "no-picker"]
    notes = Path(client.download_artifacts(logged["parent"], "notes.txt", str(tmp_path)))
    assert notes.read_text() == "target language: de\n"


@pytest.mark.system
@needs_chromium
def test_ui_run_page_shows_artifacts(server_url: str, logged: dict[str, str], tmp_path: Path):
    run_url = f"{server_url}/#/experiments/{logged['exp_id']}/runs/{logged['parent']}"

    # the run page's overview (the default tab) links the nested child run under "Child runs"
    overview = dump_dom(run_url, wait_ms=10_000)
    assert "Child runs" in overview
    exp_id, child_id = logged["exp_id"], logged["child"]
    assert f'href="#/experiments/{exp_id}/runs/{child_id}">child</a>' in overview

    # the Artifacts tab renders the artifact tree
    artifacts_url = f"{run_url}/artifacts"
    dom = dump_dom(artifacts_url, wait_ms=10_000)
    assert 'artifact-name="ablation.json"' in dom and 'artifact-name="notes.txt"' in dom

    png = screenshot(artifacts_url, tmp_path / "run-artifacts.png", wait_ms=10_000)
    assert png.is_file()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 20_000  # a blank 1400x1000 page compresses to a few KB
