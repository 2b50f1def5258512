"""What a researcher sees in the MLflow UI after a tracked ablation, rendered by headless Chromium
against a real `mlflow server`: the runs list in the model-training view with variant, seed and F1
columns, the ablation table on the parent's Overview, and a seed run's stage curves.

Set XNER_SCREENSHOTS=DIR to keep the PNGs (CI leaves them in a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
import pytest
from demo_experiment import tiny_experiment
from mlflow_kit import chromium_path, dump_dom, mlflow_server, screenshot

from xner.core.commands import run as ablate
from xner.core.tracking import ui as mlflow_ui

pytestmark = [pytest.mark.system, pytest.mark.skipif(
    chromium_path() is None, reason="no chromium on PATH (apt-get install chromium) for the UI tests")]

TINY = ["seeds=[1, 2]", "data.target_langs=[es]", "train.epochs=2", "train.teacher_epochs=1",
        "train.distill_epochs=1", "encoder.tiny.hidden=32", "encoder.tiny.vocab_size=400"]
WAIT_MS = 12_000


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("XNER_SCREENSHOTS")
    path = Path(keep) if keep else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("ui")
    exp = tiny_experiment(tmp, "label: TransAdv\n", "  w/o Θentity: {teachers.entity.weight: 0}\n",
                          train=80, evaluation=30)
    with mlflow_server(tmp / "server") as url:
        out = ablate.execute(exp, TINY, ablate=True, device="cpu", tracking_uri=url, command="ablate")
        client = mlflow.MlflowClient(tracking_uri=url)
        yield {"url": url, "out": out, "client": client,
               "exp_id": client.get_run(out.parent_run).info.experiment_id}


def _seed_run(ui: dict):
    client, parent = ui["client"], ui["out"].parent_run
    groups = client.search_runs([ui["exp_id"]], f"tags.`mlflow.parentRunId` = '{parent}'")
    group = next(g for g in groups if g.data.tags["variant"] == "TransAdv")
    seeds = client.search_runs([ui["exp_id"]], f"tags.`mlflow.parentRunId` = '{group.info.run_id}'")
    return next(s for s in seeds if s.data.tags["seed"] == "1")


def test_experiment_opens_on_the_summary_in_table_order(ui: dict, shots: Path) -> None:
    url = mlflow_ui.experiment_url(ui["url"], ui["exp_id"])
    png = screenshot(url, shots / "runs-summary.png", width=1600, height=900, wait_ms=WAIT_MS)
    assert png.stat().st_size > 20_000
    dom = dump_dom(url, wait_ms=WAIT_MS)
    (shots / "runs-summary.html").write_text(dom)
    assert "Traces" not in dom or "Runs" in dom  # the model-training navigation, not GenAI's
    for header in ("variant", "language", "test_f1_mean", "test_f1_std"):
        assert f">{header}<" in dom, f"column {header} not shown"
    assert "seed 1" not in dom  # one row per variant x language, no seed rows
    assert dom.index("TransAdv · es") < dom.index("w/o Θentity · es")  # the reference first


def test_seeds_view_has_one_row_per_seed_run(ui: dict, shots: Path) -> None:
    url = mlflow_ui.experiment_url(ui["url"], ui["exp_id"], seeds=True)
    screenshot(url, shots / "runs-seeds.png", width=1600, height=900, wait_ms=WAIT_MS)
    dom = dump_dom(url, wait_ms=WAIT_MS)
    (shots / "runs-seeds.html").write_text(dom)
    for header in ("variant", "language", "seed", "test_f1", "dev_f1"):
        assert f">{header}<" in dom, f"column {header} not shown"
    assert "TransAdv · es · seed 1" in dom and "Group:" not in dom  # seed rows, no UI group rows
    assert dom.index("TransAdv · es · seed 1") < dom.index("w/o Θentity · es · seed 1")


def test_parent_overview_shows_the_ablation_table(ui: dict, shots: Path) -> None:
    url = mlflow_ui.run_url(ui["url"], ui["exp_id"], ui["out"].parent_run)
    dom = dump_dom(url, wait_ms=WAIT_MS)
    assert "<table" in dom and "w/o Θentity" in dom and "test_f1 (reference: TransAdv)" in dom
    screenshot(url, shots / "parent-overview.png", width=1600, height=1000, wait_ms=WAIT_MS)


def test_seed_run_shows_its_stage_curves(ui: dict, shots: Path) -> None:
    seed = _seed_run(ui)
    url = mlflow_ui.run_url(ui["url"], ui["exp_id"], seed.info.run_id).replace("?", "/model-metrics?")
    screenshot(url, shots / "seed-curves.png", width=1600, height=1000, wait_ms=2 * WAIT_MS)
    dom = dump_dom(url, wait_ms=2 * WAIT_MS)
    (shots / "seed-curves.html").write_text(dom)
    assert "Model metrics" in dom and "TransAdv · es · seed 1" in dom
    for section in ("source", "teacher_entity", "distill"):  # one chart section per stage prefix
        assert f">{section}<" in dom or f">{section} (" in dom, section
    history = ui["client"].get_metric_history(seed.info.run_id, "source/dev_f1")
    assert [m.step for m in history] == [1, 2]  # logged per epoch, while the stage trained
    assert seed.info.start_time < history[0].timestamp < seed.info.end_time


def test_report_page_renders(ui: dict, shots: Path, tmp_path: Path) -> None:
    from xner.core.reporting import html as report

    page = report.write(ui["url"], ui["out"].parent_run, tmp_path / "report.html")
    png = screenshot(page.as_uri(), shots / "report.png", width=1400, height=2200, wait_ms=3000)
    assert png.stat().st_size > 50_000  # table, two figures and the diff, not a blank page
    dom = dump_dom(page.as_uri(), wait_ms=3000)
    assert dom.count("<svg") >= 2 and "What each variant changes" in dom
