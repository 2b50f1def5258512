"""Plug-ins: a selector, an executor and a table format registered by a module outside core/
(tests/plugins/xner_test_plugins.py), each run end to end through the CLI with no change to core/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core import plugins
from xner.core.cli import main
from xner.core.errors import ConfigError
from xner.core.plugins import EXECUTORS, SELECTORS, TABLE_FORMATS, load_plugins

PLUGINS = str(Path(__file__).resolve().parents[1] / "plugins")


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch):
    """The plug-in loaded for one test, then forgotten: later tests' workers (Ray tasks, search
    processes) are handed `plugins.loaded()` and could not import a module only this test can."""
    families = (SELECTORS, EXECUTORS, TABLE_FORMATS)
    saved = [(dict(f._entries), dict(f._docs)) for f in families]
    monkeypatch.syspath_prepend(PLUGINS)
    monkeypatch.setenv("XNER_PLUGINS", "xner_test_plugins")
    monkeypatch.setattr(plugins, "_loaded", list(plugins._loaded))
    load_plugins()
    yield sys.modules["xner_test_plugins"]
    for family, (entries, docs) in zip(families, saved, strict=True):
        family._entries, family._docs = entries, docs
    sys.modules.pop("xner_test_plugins", None)


def test_a_plugin_selector_executor_and_table_format_run_end_to_end(plugged, tmp_path: Path) -> None:
    assert {"first-half", "last-first", "tsv"} <= {*SELECTORS.names(), *EXECUTORS.names(),
                                                   *TABLE_FORMATS.names()}
    exp = tiny_experiment(tmp_path, train=40, evaluation=12,
                          variants="  w/o Θorder: {teachers.order.weight: 0}\n")
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    sets = [a for s in [*TINY, "teachers.context.weight=0", "selection.strategy=first-half"]
            for a in ("--set", s)]
    assert main(["ablate", str(exp), *sets, "--executor", "last-first", "--tracking-uri", uri]) == 0
    assert plugged.CALLS == ["last-first"]
    selects = list((tmp_path / "store" / "select").glob("*/selected.json"))
    assert selects and all(json.loads(p.read_text()) == list(range(20)) for p in selects)  # 40 // 2
    out = tmp_path / "table.tsv"
    assert main(["compare", "demo-transadv", "--format", "tsv", "--tracking-uri", uri,
                 "--output", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("variant\t") and {ln.split("\t")[0] for ln in lines[1:]} == {
        "transadv", "w/o Θorder"}


def test_an_unknown_plugin_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "_loaded", list(plugins._loaded))
    monkeypatch.setenv("XNER_PLUGINS", "no_such_xner_plugin")
    with pytest.raises(ConfigError, match="plug-in module 'no_such_xner_plugin' cannot be imported"):
        load_plugins()


def test_an_unregistered_executor_lists_the_known_ones(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path, train=20, evaluation=8)
    sets = [a for s in [*TINY, "execution.executor=nowhere"] for a in ("--set", s)]
    assert main(["plan", str(exp), *sets]) == 2  # a ConfigError, said in one line
