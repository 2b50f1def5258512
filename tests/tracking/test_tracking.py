"""MLflow records: URI precedence, the full run tree of a small ablation checked through MlflowClient,
cache hits that still carry their stage curves, failed seeds, and `compare` from MLflow alone."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from demo_experiment import tiny_experiment
from mlflow import MlflowClient

from xner.core.commands import run as ablate
from xner.core.errors import ConfigError
from xner.core.reporting.compare import compare
from xner.core.stages import STAGES
from xner.core.tracking.uri import DEFAULT_URI, resolve_tracking_uri

TINY = ["seeds=[1, 2]", "data.target_langs=[es]", "train.epochs=2", "train.teacher_epochs=1",
        "train.distill_epochs=1", "encoder.tiny.hidden=32", "encoder.tiny.vocab_size=400"]


def test_uri_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert resolve_tracking_uri() == DEFAULT_URI == "sqlite:///mlflow.db"
    assert resolve_tracking_uri(None, "sqlite:///cfg.db") == "sqlite:///cfg.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///env.db")
    assert resolve_tracking_uri(None, "sqlite:///cfg.db") == "sqlite:///env.db"
    assert resolve_tracking_uri("http://127.0.0.1:5000", "sqlite:///cfg.db") == "http://127.0.0.1:5000"


@pytest.mark.parametrize("uri", ["./mlruns", "file:///tmp/mlruns", "mlruns"])
def test_file_store_is_refused_plainly(uri: str) -> None:
    with pytest.raises(ConfigError, match=r"file store, which mlflow 3\.x no longer accepts"):
        resolve_tracking_uri(uri)


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One tracked ablation: base + 'w/o Θentity' x es x 2 seeds; seed 2's distillation of the
    variant fails on purpose, so the failure path is recorded too."""
    tmp = tmp_path_factory.mktemp("tracked")
    exp = tiny_experiment(tmp, "label: TransAdv\n", "  w/o Θentity: {teachers.entity.weight: 0}\n"
                          "  broken: {teachers.order.weight: 0}\n", train=100, evaluation=30)
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    real = STAGES["distill"]

    def flaky(ctx):  # the 'broken' variant (order weight 0) fails for seed 2 only
        models = ctx.node.inputs["pseudo"].inputs
        if ctx.node.seed == 2 and "model:order" not in models and "model:entity" in models:
            raise RuntimeError("injected failure")
        return real(ctx)

    STAGES["distill"] = flaky
    try:
        out = ablate.execute(exp, TINY, ablate=True, device="cpu", tracking_uri=uri, command="ablate")
    finally:
        STAGES["distill"] = real
    return {"out": out, "uri": uri, "client": MlflowClient(tracking_uri=uri), "exp": exp}


def _children(client: MlflowClient, run_id: str) -> list:
    run = client.get_run(run_id)
    return list(client.search_runs([run.info.experiment_id], f"tags.`mlflow.parentRunId` = '{run_id}'"))


def test_run_tree_parent_groups_seeds(tracked: dict) -> None:
    client, out = tracked["client"], tracked["out"]
    parent = client.get_run(out.parent_run)
    assert parent.info.status == "FINISHED"
    tags = parent.data.tags
    assert tags["xner.level"] == "parent" and tags["method"] == "transadv"
    assert len(tags["xner.experiment_hash"]) == 16 and tags["xner.git_commit"]
    assert parent.data.metrics["nodes_naive"] > parent.data.metrics["nodes_run"]
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    assert set(groups) == {"TransAdv", "w/o Θentity", "broken"}
    g = groups["TransAdv"]
    assert g.data.params["train.lr_ner"] == "0.001" and g.data.params["language"] == "es"
    assert g.data.params["teachers.entity.weight"] == "1.0"
    assert groups["w/o Θentity"].data.params["teachers.entity.weight"] == "0.0"
    assert {"test_f1_mean", "test_f1_std", "dev_f1_mean", "test_strict_f1_mean"} <= set(g.data.metrics)
    seeds = _children(client, g.info.run_id)
    assert sorted(s.data.tags["seed"] for s in seeds) == ["1", "2"]
    for s in seeds:
        t = s.data.tags
        assert (t["method"], t["variant"], t["language"]) == ("transadv", "TransAdv", "es")
        assert t["xner.root_run"] == out.parent_run
        assert t["xner.experiment_hash"] == tags["xner.experiment_hash"]
        steps = [m.step for m in client.get_metric_history(s.info.run_id, "source/dev_f1")]
        assert steps == [1, 2]  # one point per epoch
        assert client.get_metric_history(s.info.run_id, "teacher_entity/dev_f1")
        assert client.get_metric_history(s.info.run_id, "distill/dev_f1")
        arts = {a.path for a in client.list_artifacts(s.info.run_id)}
        assert {"config.yaml", "test_predictions.conll", "test_report.txt"} <= arts
        mean = g.data.metrics["test_f1_mean"]
        assert 0 <= s.data.metrics["test_f1"] <= 100 and 0 <= mean <= 100


def test_cache_hits_are_tagged_and_still_carry_curves(tracked: dict) -> None:
    client, out = tracked["client"], tracked["out"]
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    (seed1,) = [s for s in _children(client, groups["w/o Θentity"].info.run_id) if s.data.tags["seed"] == "1"]
    hits = seed1.data.tags["xner.cache_hits"].split(",")
    assert "source[language+order]" in hits and "teacher[context]" in hits and "teacher[order]" in hits
    assert "distill" in seed1.data.tags["xner.stages_run"]
    base1 = next(s for s in _children(client, groups["TransAdv"].info.run_id) if s.data.tags["seed"] == "1")
    curve = [m.value for m in client.get_metric_history(seed1.info.run_id, "teacher_context/dev_f1")]
    assert curve and curve == [m.value for m in client.get_metric_history(base1.info.run_id,
                                                                          "teacher_context/dev_f1")]


def test_failed_seed_is_failed_and_missing_not_zero(tracked: dict) -> None:
    client, out = tracked["client"], tracked["out"]
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    seeds = {s.data.tags["seed"]: s for s in _children(client, groups["broken"].info.run_id)}
    assert seeds["2"].info.status == "FAILED" and seeds["1"].info.status == "FINISHED"
    arts = {a.path for a in client.list_artifacts(seeds["2"].info.run_id)}
    assert "error.txt" in arts
    text = Path(client.download_artifacts(seeds["2"].info.run_id, "error.txt")).read_text()
    assert "injected failure" in text
    assert groups["broken"].info.status == "FAILED" and groups["broken"].data.metrics["seeds_ok"] == 1
    cells = out.table.cells.set_index(["variant", "lang"])
    assert cells.loc[("broken", "es"), "n"] == 1  # mean over the seed that finished
    row = out.results[("broken", "es")]
    assert math.isnan(next(r for r in row if r["seed"] == 2)["test_f1"])


def test_table_artifacts_and_compare_from_mlflow_alone(tracked: dict) -> None:
    client, out, uri = tracked["client"], tracked["out"], tracked["uri"]
    arts = {a.path for a in client.list_artifacts(out.parent_run, "ablation")}
    assert {f"ablation/ablation.{x}" for x in ("md", "parquet", "png", "csv", "html")} <= arts
    assert "ablation_table.json" in {a.path for a in client.list_artifacts(out.parent_run)}
    rebuilt = compare(uri, out.parent_run)
    assert rebuilt.notes == ["broken / es: 1 of 2 seeds finished"]  # the failed seed is said, not hidden
    assert rebuilt.to_markdown() == out.table.to_markdown() + "\n> broken / es: 1 of 2 seeds finished\n"
    by_name = compare(uri, "demo-transadv")  # the experiment name: its newest parent run
    assert by_name.to_markdown() == rebuilt.to_markdown()
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    only = compare(uri, runs=[groups["TransAdv"].info.run_id])
    assert list(only.to_frame().index) == ["TransAdv"]


def test_curves_are_logged_while_the_stage_trains(tracked: dict) -> None:
    """A seed run exists before its stages train and gets each epoch as it ends: the first epoch of
    Θsrc reaches MLflow before Θsrc's node is committed to the store, and no point is logged twice."""
    import json

    client, out = tracked["client"], tracked["out"]
    store = tracked["exp"].parent / "store"
    committed = {}
    for manifest in (store / "source").glob("*/node.json"):
        committed[json.loads(manifest.read_text())["seed"]] = manifest.stat().st_mtime * 1000
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    for s in _children(client, groups["TransAdv"].info.run_id):  # the grid's first variant ran Θsrc
        assert "source[language+order]" in s.data.tags["xner.stages_run"]
        history = client.get_metric_history(s.info.run_id, "source/dev_f1")
        assert [m.step for m in history] == [1, 2]
        assert history[0].timestamp < committed[int(s.data.tags["seed"])]
        assert s.info.start_time < history[0].timestamp


def test_the_summary_ends_with_the_parent_runs_url(tracked: dict) -> None:
    out, uri, client = tracked["out"], tracked["uri"], tracked["client"]
    *_, runs, seeds, last = ablate.report(out, uri).splitlines()
    experiment = client.get_run(out.parent_run).info.experiment_id
    base = f"http://127.0.0.1:5000/#/experiments/{experiment}/runs"
    url = f"{base}/{out.parent_run}?workflowType=machine_learning"
    assert last == f"MLflow parent run: {url} after `mlflow ui --backend-store-uri {uri}`"
    assert runs == (f"MLflow results (a row per variant x language): "
                    f"{base}?workflowType=machine_learning&viewStateShareKey=xner-results")
    assert seeds == f"MLflow seed runs: {base}?workflowType=machine_learning&viewStateShareKey=xner-seeds"
    assert ablate.run_url(uri, "0" * 32) is None  # an unknown run gives no URL, never an error


def test_the_ui_opens_on_model_training_with_the_result_columns(tracked: dict) -> None:
    """MLflow 3 shows an experiment of unknown kind as GenAI (traces, latency): xner tags it as model
    training and stores the view the printed URL opens (variant, language, seed and F1 columns)."""
    client, out = tracked["client"], tracked["out"]
    exp = client.get_experiment(client.get_run(out.parent_run).info.experiment_id)
    assert exp.tags["mlflow.experimentKind"] == "custom_model_development"
    summary = json.loads(exp.tags["mlflow.sharedViewState.xner-results"])
    assert summary["selectedColumns"][:3] == ["tags.`variant`", "tags.`language`", "metrics.`test_f1_mean`"]
    shown = client.search_runs([exp.experiment_id], summary["searchFilter"],
                               order_by=["tags.`xner.order` ASC"])  # the filter and order the view applies
    assert [r.data.tags["variant"] for r in shown] == ["TransAdv", "w/o Θentity", "broken"]  # table order
    assert all(r.data.metrics["test_f1_mean"] == round(r.data.metrics["test_f1_mean"], 2) for r in shown
               if "test_f1_mean" in r.data.metrics)
    view = json.loads(exp.tags["mlflow.sharedViewState.xner-seeds"])
    assert view["selectedColumns"][:3] == ["tags.`variant`", "tags.`language`", "tags.`seed`"]
    assert {"metrics.`test_f1`", "metrics.`dev_f1`"} <= set(view["selectedColumns"])
    assert "groupBy" not in view  # the UI's group rows would pass the seed filter as extra rows
    shown = client.search_runs([exp.experiment_id], view["searchFilter"])  # the filter the view applies
    assert {r.data.tags["xner.level"] for r in shown} == {"seed"} and len(shown) == 3 * 2
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    seed_run = _children(client, groups["TransAdv"].info.run_id)[0]
    group = client.get_run(seed_run.data.tags["mlflow.parentRunId"])
    carried = {"tags": {**seed_run.data.tags, **group.data.tags},
               "metrics": {**seed_run.data.metrics, **group.data.metrics}}
    for column in view["selectedColumns"]:  # every column names something the runs really carry
        kind, name = column.split(".", 1)
        assert name.strip("`") in carried[kind], column


def test_the_parent_overview_holds_the_ablation_table(tracked: dict, tmp_path: Path) -> None:
    client, out = tracked["client"], tracked["out"]
    assert "xner.log" in {a.path for a in client.list_artifacts(out.parent_run)}  # the full log
    text = Path(client.download_artifacts(out.parent_run, "xner.log", str(tmp_path))).read_text()
    assert "ERROR xner.core.runner.experiment: demo-transadv [broken] es seed 2 failed" in text
    note = client.get_run(out.parent_run).data.tags["mlflow.note.content"]
    assert note.startswith("### test_f1 (reference: TransAdv)")
    assert out.table.to_markdown().strip() in note and "| w/o Θentity |" in note


def test_each_trained_stage_logs_its_selected_epoch(tracked: dict, tmp_path: Path) -> None:
    """The store's best epoch and the scores it was chosen on reach MLflow, per stage, per seed."""
    client, out = tracked["client"], tracked["out"]
    groups = {g.data.tags["variant"]: g for g in _children(client, out.parent_run)}
    seed = next(s for s in _children(client, groups["TransAdv"].info.run_id) if s.data.tags["seed"] == "1")
    assert not [k for k in seed.data.metrics if "/best" in k]  # no one-bar chart per best value
    path = client.download_artifacts(seed.info.run_id, "selection.json", str(tmp_path))
    selection = json.loads(Path(path).read_text())
    for stage in ("source", "teacher_entity", "distill"):
        history = client.get_metric_history(seed.info.run_id, f"{stage}/dev_f1")
        best = selection[stage]["best_epoch"]
        assert 1 <= best <= len(history) and selection[stage]["selection_metric"] == "target_dev"
        top = max(h.value for h in history)  # selected on target dev
        assert selection[stage]["dev_f1"] == round(top, 4)
        assert seed.data.tags[f"xner.selection/{stage}"] == f"epoch {best} by target_dev, dev_f1 {top:.2f}"


def test_report_is_one_self_contained_page(tracked: dict, tmp_path: Path) -> None:
    from xner.core.cli import main

    out, uri = tracked["out"], tracked["uri"]
    target = tmp_path / "r" / "report.html"
    assert main(["report", out.parent_run, "--tracking-uri", uri, "--output", str(target)]) == 0
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert page.count("<svg") == 2  # the ablation figure and the per-epoch curves, inline
    assert "<script" not in page and 'src="http' not in page and "<link" not in page
    groups = {g.data.tags["variant"]: g.info.run_id for g in _children(tracked["client"], out.parent_run)}
    assert f'runs/{groups["w/o Θentity"]}?workflowType=machine_learning">w/o Θentity</a>' in page
    # the config diff names what the variant changes, with both values
    assert ("<td>w/o Θentity</td><td><code>teachers.entity.weight</code></td><td>1.0</td><td>0.0</td>"
            in page)
    assert "source" in page and "distill" in page  # the curve panels' titles
