"""One tiny TransAdv trained (and tracked) once for every test of a model leaving the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_experiment import tiny_experiment
from inference_sets import SETS

from xner.core.cli import main


@pytest.fixture(scope="session")
def trained_tracked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(experiment file, tracking URI) of a finished tiny TransAdv, es, seed 1, logged to MLflow."""
    tmp = tmp_path_factory.mktemp("trained")
    exp = tiny_experiment(tmp, train=40, evaluation=15)
    uri = f"sqlite:///{tmp}/mlflow.db"
    assert main(["run", str(exp), *SETS, "--tracking-uri", uri]) == 0
    return exp, uri
