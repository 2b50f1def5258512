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
