"""Shared test fixtures live here and beside this file, one place for the whole tree:

* `demo_experiment.py`: a small demo corpus plus an experiment file (`tiny_experiment`, `TINY`);
* `mlflow_kit.py`: a tracking server and MLflow helpers;
* `tokenizers_for_tests.py`: tiny tokenizers for the encoder and alignment tests;
* `plugins/`: a plug-in module outside core/ (tests/cli/test_plugins.py).

The folders mirror core/ (tests/engine, tests/runner, ...). This directory is on sys.path (pytest's
rootdir conftest), so a test anywhere imports the helpers by name.
"""

from __future__ import annotations

import pytest

from xner.core.plugins import load_plugins


@pytest.fixture(scope="session", autouse=True)
def _components() -> None:
    """Every shipped component registered, as the CLI has them (runner.build also loads them)."""
    load_plugins()


@pytest.fixture(scope="session", autouse=True)
def _no_run_folders_in_the_repository():
    """A test that logs to MLflow keeps its runs in its own temporary folder: MLflow's default
    `./mlruns` must never appear in the checkout (it would mix every test database's artifacts)."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    before = {p.name for p in repo.iterdir()}
    yield
    left = sorted({"mlruns", "mlartifacts", "mlflow.db", "mlflow-artifacts"}
                  & ({p.name for p in repo.iterdir()} - before))
    assert not left, f"tests left {left} in {repo}"
