"""Run an experiment on the executor it names: the one function every command calls to train."""

from __future__ import annotations

import logging

from ..engine.graph import RunSummary
from ..engine.progress import logging_above_bars
from ..plugins import EXECUTORS
from . import executors  # noqa: F401  (registers the built-in executors)
from .experiment import Collector, Experiment, Hooks, Results, plan

log = logging.getLogger(__name__)


def run(exp: Experiment, hooks: Hooks | None = None, fail_fast: bool = False, executor: str | None = None,
        ray_address: str | None = None) -> tuple[RunSummary, Results]:
    """Run every target's missing nodes on the chosen executor (`--executor`, else the experiment's
    `execution.executor`), looked up in `plugins.EXECUTORS`: `local` (executors/local.py), `ray`
    (executors/ray.py), or one a plug-in registered.

    A failing seed does not stop the others: its row gets NaN metrics (a table shows it as missing,
    never as 0), its error goes to `hooks`, and every later target that needs the failed node fails
    at once instead of retraining it. `fail_fast` re-raises the first failure instead.
    """
    execution = next(iter(exp.configs.values())).execution
    collector = Collector(exp, hooks)
    name = executor or execution.executor
    if name != "local" and plan(exp).to_run == 0:  # nothing to schedule: no cluster to start
        log.info("every node is in the store: %s is not started", name)
        name = "local"
    run_on = EXECUTORS.get(name)
    with logging_above_bars():  # log lines print above the progress bar instead of through it
        run_on(exp, collector, fail_fast, ray_address or execution.ray_address)
    return collector.finish()
