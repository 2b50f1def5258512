"""Running an experiment: `build` every (variant x language x seed) graph and check its inputs,
`plan` what is cached, and `run` the missing nodes on an executor (`executors/`: one file per
executor, each registered by name).

May import: `stages` and everything below it. Never `tracking`: a run reports through `Hooks`.
"""

from ..engine.graph import Plan, RunSummary
from .experiment import (
    METRICS,
    Collector,
    Experiment,
    Hooks,
    Outcome,
    Results,
    Target,
    build,
    format_results,
    mean_std,
    plan,
    result_row,
    row_name,
    services_for,
)
from .run import run

__all__ = ["METRICS", "Collector", "Experiment", "Hooks", "Outcome", "Plan", "Results", "RunSummary",
           "Target", "build", "format_results", "mean_std", "plan", "result_row", "row_name", "run",
           "services_for"]
