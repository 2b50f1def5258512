"""The search objective and the MLproject entry script's own type checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from demo_experiment import DEMO, TINY, tiny_experiment

from xner.core.cli.mlproject import to_cli
from xner.core.errors import ConfigError
from xner.core.search.space import objective_value

ROOT = Path(__file__).resolve().parents[2]


def test_objective_is_mean_dev_f1_and_a_failed_seed_fails_the_trial() -> None:
    assert objective_value({("base", "es"): [{"dev_f1": 50.0}, {"dev_f1": 60.0}],
                            ("base", "de"): [{"dev_f1": 40.0}, {"dev_f1": 40.0}]}) == 47.5
    with pytest.raises(RuntimeError, match="seed 3 failed, so the trial is not comparable: boom"):
        objective_value({("base", "es"): [{"seed": 3, "dev_f1": float("nan"), "error": "boom"}]})


def test_mlproject_declares_the_five_entry_points() -> None:
    spec = yaml.safe_load((ROOT / "MLproject").read_text())
    assert set(spec["entry_points"]) == {"run", "ablate", "search", "compare", "analyze"}
    assert spec["entry_points"]["ablate"]["parameters"]["experiment"]["type"] == "path"


def test_mlproject_parameters_become_cli_arguments() -> None:
    exp = str(ROOT / "experiments/demo/transadv.yaml")
    assert to_cli(["ablate", "--experiment", exp, "--overrides", "seeds=[1] train.epochs=2",
                   "--device", "cpu"]) == ["ablate", exp, "--set", "seeds=[1]", "--set", "train.epochs=2",
                                           "--device", "cpu", "--metric", "test_f1"]
    assert to_cli(["search", "--experiment", exp, "--n-trials", "3.0"])[-2:] == ["--n-trials", "3"]
    assert to_cli(["compare", "--name-or-id", "abc", "--format", "csv"]) == [
        "compare", "abc", "--metric", "test_f1", "--format", "csv"]
    assert to_cli(["analyze", "--experiment", exp, "--overrides", "seeds=[1]"]) == [
        "analyze", exp, "--set", "seeds=[1]", "--device", "auto"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["run", "--experiment", "nope.yaml"], "parameter experiment: 'nope.yaml' is not a file"),
    (["run", "--experiment", str(DEMO), "--device", "gpu"], "parameter device: 'gpu'"),
    (["search", "--experiment", str(DEMO), "--n-trials", "2.5"], "n_trials: '2.5' is not a whole number"),
    (["search", "--experiment", str(DEMO), "--n-trials", "many"], "n_trials: 'many' is not a number"),
    (["ablate", "--experiment", str(DEMO), "--overrides", "seeds"], "overrides: 'seeds' is not KEY=VALUE"),
    (["compare", "--name-or-id", "x", "--format", "pdf"], "format: 'pdf' is not one of md, csv, html, latex"),
])
def test_mlproject_rejects_bad_parameters(argv: list[str], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        to_cli(argv)
    assert needle in str(info.value)


@pytest.mark.system
def test_mlflow_run_project_run_is_the_parent(tmp_path: Path) -> None:
    """`mlflow run . -e ablate --env-manager local`: one parent run, the one mlflow created."""
    import os
    import subprocess
    import sys

    from mlflow import MlflowClient

    exp = tiny_experiment(tmp_path, "name: mlproject-test\n", "  w/o Θorder: {teachers.order.weight: 0}\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    overrides = " ".join(TINY)
    proc = subprocess.run([sys.executable, "-m", "mlflow", "run", str(ROOT), "-e", "ablate",
                           "-P", f"experiment={exp}", "-P", f"overrides={overrides}", "-P", "device=cpu",
                           "--env-manager", "local", "--experiment-name", "mlproject-test"],
                          env=env, capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)  # mlflow creates the experiment: its artifacts go to ./mlruns
    assert proc.returncode == 0, proc.stderr[-3000:]
    client = MlflowClient(tracking_uri=uri)
    exp_id = client.get_experiment_by_name("mlproject-test").experiment_id
    parents = client.search_runs([exp_id], "tags.`xner.level` = 'parent'")
    assert len(parents) == 1
    (parent,) = parents
    assert parent.data.tags.get("mlflow.project.entryPoint") == "ablate"  # mlflow's own run
    assert parent.info.status == "FINISHED"
    assert len(client.search_runs([exp_id], "tags.`xner.level` = 'seed'")) == 2
    assert "ablation/ablation.md" in {a.path for a in client.list_artifacts(parent.info.run_id, "ablation")}
    assert len(client.search_runs([exp_id])) == 1 + 2 + 2  # parent, 2 groups, 2 seeds: no second parent
