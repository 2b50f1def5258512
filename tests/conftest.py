"""Shared test fixtures live here and beside this file, one place for the whole tree:

* `demo_experiment.py`: a small demo corpus plus an experiment file (`tiny_experiment`, `TINY`);
* `mlflow_kit.py`: a tracking server and MLflow helpers;
* `tokenizers_for_tests.py`: tiny tokenizers for the encoder and alignment tests;
* `plugins/`: a plug-in module outside core/ (tests/cli/test_plugins.py).

The folders mirror core/ (tests/engine, tests/runner, ...). This directory is on sys.path (pytest's
rootdir conftest), so a test anywhere imports the helpers by name.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from xner.core.plugins import load_plugins


@pytest.fixture(scope="session", autouse=True)
def _components() -> None:
    """Every shipped component registered, as the CLI has them (runner.build also loads them)."""
    load_plugins()


REPO = Path(__file__).resolve().parent.parent
LEAKS = ("mlruns", "mlartifacts", "mlflow.db", "mlflow-artifacts")


@pytest.fixture(autouse=True)
def _nothing_left_in_the_checkout() -> Iterator[None]:
    """A test that writes MLflow runs or a database into the checkout fails, by name: such leftovers
    hide a command that forgot its tracking URI or put artifacts in `./mlruns` of the current folder."""
    before = {name for name in LEAKS if (REPO / name).exists()}
    yield
    left = sorted(name for name in LEAKS if name not in before and (REPO / name).exists())
    if left:
        found = [str(p.relative_to(REPO)) for name in left for p in sorted((REPO / name).rglob("*"))[:5]]
        for name in left:  # the next test starts clean, so one leak fails one test
            target = REPO / name
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        pytest.fail(f"the test left {', '.join(left)} in the checkout: {found}")
