"""`xner run` and `xner ablate` with tracking: build, plan, run (one parent MLflow run), summarise.

`ablate` runs the base config and every `variants:` entry over all languages and seeds, sharing
cached nodes, then builds the paper-style table (rows: variants, columns: languages + average).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from xner.core import runner
from xner.core.config import load_experiment
from xner.core.pipeline import topological
from xner.core.runner import METRICS, Experiment, Results, row_name

log = logging.getLogger(__name__)


TRAINING = ("source", "teacher", "distill")


def naive_training(exp: Experiment) -> int:
    """Training nodes summed over every (variant, language, seed) graph, as if nothing were shared."""
    return sum(1 for t in exp.targets for n in topological([t.node]) if n.stage in TRAINING)


def results_frame(exp: Experiment, results: Results) -> pd.DataFrame:
    """One row per (variant, language, seed) with the final metrics; failed seeds have NaN."""
    rows = []
    for (variant, lang), seeds in results.items():
        for r in seeds:
            rows.append({"variant": row_name(exp, variant), "lang": lang, "seed": r["seed"],
                         **{m: float(r.get(m, math.nan)) for m in METRICS}})
    return pd.DataFrame(rows)


@dataclass
class Outcome:
    summary: runner.RunSummary
    results: Results
    plan: runner.Plan
    table: Any | None = None  # tables.AblationTable
    parent_run: str | None = None
    rows: dict[str, str] | None = None  # variant -> table row name
    naive_training: int = 0  # source/teacher/distill nodes a run without sharing would train


def execute(path: str | Path, overrides: Sequence[str] = (), variants: Sequence[str] | None = None,
            *, ablate: bool = False, device: str = "auto", track: bool = True,
            tracking_uri: str | None = None, metric: str = "test_f1", command: str = "run",
            fail_fast: bool = False, only_seeds: Sequence[int] | None = None,
            reuse_other_code: bool = False) -> Outcome:
    """Build everything first (so bad configs fail before training), then run with one parent run."""
    from xner.core.tables import ablation_table

    cfg = load_experiment(path, list(overrides))  # only to read the variant names: no graph yet
    names = list(cfg.variants) if ablate else list(variants or [])
    exp = runner.build(path, list(overrides), names, include_base=ablate or not names,
                       only_seeds=list(only_seeds) if only_seeds else None, reuse_other_code=reuse_other_code,
                       device=device)
    plan = runner.plan(exp)
    trained, naive = sum(1 for r in plan.rows if r.node.stage in TRAINING), naive_training(exp)
    sys.stdout.write(f"plan: {len(plan.rows)} nodes, {plan.to_run} to run, {plan.cached} cached; "
                     f"{trained} training nodes vs {naive} without sharing\n")
    if plan.other_code:
        sys.stdout.write(f"plan: {plan.other_code} of the nodes to run are cached under other code"
                         + (" and will be reused (--reuse-other-code)\n" if reuse_other_code
                            else "; they are retrained (--reuse-other-code reuses them)\n"))
    tracker = None
    if track:
        from xner.core.tracking import MlflowTracker, resolve_tracking_uri

        uri = resolve_tracking_uri(tracking_uri, cfg.tracking.uri)
        run_name = f"{command}:{cfg.name}@{time.strftime('%Y-%m-%d %H:%M:%S')}"
        variants_order = [row_name(exp, v) for v in exp.configs]
        tracker = MlflowTracker(uri, cfg.tracking.experiment or cfg.name, run_name, command, path,
                                tags={"method": cfg.method, "xner.variants": "|".join(variants_order),
                                      "xner.langs": "|".join(cfg.data.target_langs),
                                      "xner.reference": variants_order[0]})
    error: BaseException | None = None
    try:
        summary, results = runner.run(exp, hooks=tracker, fail_fast=fail_fast)
        table = None
        if ablate or len(exp.configs) > 1:
            table = ablation_table(results_frame(exp, results), metric=metric,
                                   variant_order=[row_name(exp, v) for v in exp.configs],
                                   lang_order=list(cfg.data.target_langs))
        if tracker:
            tracker.log_summary(len(summary.ran), len(summary.cached), plan.naive, summary.seconds,
                                trained, naive)
            if table is not None:
                tracker.log_table(table)
        return Outcome(summary, results, plan, table, tracker.parent_id if tracker else None,
                       {v: row_name(exp, v) for v in exp.configs}, naive)
    except BaseException as exc:
        error = exc
        raise
    finally:
        if tracker:
            tracker.finish(error)


def report(out: Outcome, tracking_uri: str | None = None) -> str:
    """What the terminal shows at the end: the per-language table, the ablation table, one summary."""
    lines = [runner.format_results(out.results, out.rows)]
    if out.table is not None:
        lines += ["", out.table.format_terminal()]
    failed = sum(1 for rows in out.results.values() for r in rows if "error" in r)
    trained = sum(1 for r in out.plan.rows if r.node.stage in TRAINING)
    lines.append(f"nodes run {len(out.summary.ran)}, cached {len(out.summary.cached)}; "
                 f"training nodes {trained} in the plan vs {out.naive_training} without sharing; "
                 f"{failed} failed seed(s); wall {out.summary.seconds:.0f}s")
    if out.parent_run:
        from xner.core.tracking import resolve_tracking_uri

        uri = resolve_tracking_uri(tracking_uri)
        lines.append(f"MLflow parent run {out.parent_run} in {uri}; browse with: mlflow ui "
                     f"--backend-store-uri {uri}" if not uri.startswith("http") else
                     f"MLflow parent run {out.parent_run}: {uri}")
    return "\n".join(lines)
