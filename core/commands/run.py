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

from .. import runner
from ..config.loader import load_experiment
from ..engine.graph import topological
from ..engine.progress import close_full_log, open_full_log
from ..errors import Pruned
from ..reporting import published as pub
from ..runner.experiment import METRICS, Experiment, Results, row_name

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
    tracking_error: str | None = None  # why MLflow logging stopped mid-run (the journal has it all)
    experiment: str = ""


def make_table(exp: Experiment, results: Results, metric: str, ablate: bool) -> Any | None:
    """The ablation table of a run with several variants (or of `ablate`), else None."""
    from ..reporting.tables import ablation_table

    if not (ablate or len(exp.configs) > 1):
        return None
    cfg = exp.configs[next(iter(exp.configs))]
    table = ablation_table(results_frame(exp, results), metric=metric,
                           variant_order=[row_name(exp, v) for v in exp.configs],
                           lang_order=list(cfg.data.target_langs))
    table.published = pub.as_dict(cfg.published)
    return table


def parent_tags(exp: Experiment) -> dict[str, str]:
    cfg = exp.configs[next(iter(exp.configs))]
    order = [row_name(exp, v) for v in exp.configs]
    seeds = sorted({t.seed for t in exp.targets})
    tags = {"method": cfg.method, "xner.variants": "|".join(order), "xner.reference": order[0],
            "xner.langs": "|".join(cfg.data.target_langs), "xner.seeds": "|".join(map(str, seeds))}
    if cfg.published:
        tags[pub.TAG] = pub.to_tag(cfg.published)
    return tags


def execute(path: str | Path, overrides: Sequence[str] = (), variants: Sequence[str] | None = None,
            *, ablate: bool = False, device: str = "auto", track: bool = True,
            tracking_uri: str | None = None, metric: str = "test_f1", command: str = "run",
            fail_fast: bool = False, only_seeds: Sequence[int] | None = None,
            reuse_other_code: bool = False, executor: str | None = None, ray_address: str | None = None,
            listeners: Sequence[Any] = (), nest_under: str | None = None,
            tags: dict[str, str] | None = None, on_parent: Any = None) -> Outcome:
    """Build and check everything first (configs, inputs, the tracking URI), so that a mistake fails
    before training; then run with one journal in the store and one parent run in MLflow.

    A search trial passes `listeners` (called every epoch; a pruner raises `Pruned` there),
    `nest_under` (the study's run, which the trial's run hangs below), `tags` (study, trial) and
    `on_parent` (called with the run's id as soon as it exists, so that even a killed trial has it)."""
    from ..tracking.journal import Journal, Recorder, check_tracking, mark_orphans

    cfg = load_experiment(path, list(overrides))  # only to read the variant names: no graph yet
    names = list(cfg.variants) if ablate else list(variants or [])
    if not ablate and not names and cfg.variants and command == "run":
        log.warning("%s has %d variants (%s); `xner run` runs its base config only: `xner ablate %s` runs "
                    "them all, `--variant NAME` one", Path(path).name, len(cfg.variants),
                    ", ".join(list(cfg.variants)[:6]) + (", ..." if len(cfg.variants) > 6 else ""), path)
    include_base = ablate or not names
    exp = runner.build(path, list(overrides), names, include_base=include_base,
                       only_seeds=list(only_seeds) if only_seeds else None, reuse_other_code=reuse_other_code,
                       device=device)
    uri = None
    if track:
        from ..tracking.uri import resolve_tracking_uri

        uri = resolve_tracking_uri(tracking_uri, cfg.tracking.uri)
        check_tracking(uri)
    plan = runner.plan(exp)
    trained, naive = sum(1 for r in plan.rows if r.node.stage in TRAINING), naive_training(exp)
    sys.stdout.write(f"plan: {len(plan.rows)} nodes, {plan.to_run} to run, {plan.cached} cached; "
                     f"{trained} training nodes vs {naive} without sharing\n")
    if plan.other_code:
        sys.stdout.write(f"plan: {plan.other_code} of the nodes to run are cached under other code"
                         + (" and will be reused (--reuse-other-code)\n" if reuse_other_code
                            else "; they are retrained (--reuse-other-code reuses them)\n"))
    run_name = f"{command}:{cfg.name}@{time.strftime('%Y-%m-%d %H:%M:%S')}"
    journal = Journal.start(
        exp.store.root, command=command, experiment=str(Path(path).resolve()), overrides=list(overrides),
        variants=names, include_base=include_base, only_seeds=list(only_seeds or []), metric=metric,
        ablate=ablate, precision=next(iter(exp.configs.values())).precision, device=str(exp.device),
        tracking={"uri": uri, "experiment": cfg.tracking.experiment or cfg.name, "run_name": run_name,
                  "tags": {**parent_tags(exp), **(tags or {})}, "nest_under": nest_under},
        tracked=False, parent_run=None)
    full_log = open_full_log(journal.path.with_suffix(".log"))
    recorder = Recorder(journal, None)
    recorder.listeners.extend(listeners)
    if uri is not None:
        from ..tracking.tracker import MlflowTracker

        def start() -> None:
            tracker = MlflowTracker(uri, journal.record["tracking"]["experiment"], run_name, command, path,
                                    tags=journal.record["tracking"]["tags"], invocation=journal.record["id"],
                                    nest_under=nest_under)
            recorder.tracker = tracker
            journal.set(parent_run=tracker.parent_id)
            if on_parent is not None:
                on_parent(tracker.parent_id)
            mark_orphans(tracker)
            tracker.start_heartbeat()

        recorder.guard("start", start)
    error: BaseException | None = None
    try:
        summary, results = runner.run(exp, hooks=recorder, fail_fast=fail_fast, executor=executor,
                                      ray_address=ray_address)
        table = make_table(exp, results, metric, ablate)
        journal.set(summary={"ran": len(summary.ran), "cached": len(summary.cached), "naive": plan.naive,
                             "seconds": summary.seconds, "training": trained, "naive_training": naive},
                    status="finished")
        recorder.track("summary", "log_summary", len(summary.ran), len(summary.cached), plan.naive,
                       summary.seconds, trained, naive)
        if table is not None:
            recorder.track("table", "log_table", table)
        return Outcome(summary, results, plan, table,
                       recorder.tracker.parent_id if recorder.tracker else journal.record["parent_run"],
                       {v: row_name(exp, v) for v in exp.configs}, naive, recorder.error, str(path))
    except BaseException as exc:
        error = exc
        journal.set(status="killed" if isinstance(exc, KeyboardInterrupt) else
                    "pruned" if isinstance(exc, Pruned) else "failed")
        raise
    finally:
        full_log.flush()
        recorder.track("finish", "finish", error, None, Path(full_log.baseFilename))
        close_full_log(full_log)
        journal.set(tracked=recorder.tracker is not None)


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
    if out.tracking_error:
        lines.append(f"MLflow logging stopped mid-run ({out.tracking_error}); every result is in the store: "
                     f"`xner track {out.experiment}` logs what is missing once the server is back")
    elif out.parent_run:
        from ..tracking.uri import resolve_tracking_uri

        uri = resolve_tracking_uri(tracking_uri)
        urls = ui_urls(uri, out.parent_run)
        after = "" if uri.startswith("http") else f" after `mlflow ui --backend-store-uri {uri}`"
        if urls:
            lines.append(f"MLflow results (a row per variant x language): {urls[0]}")
            lines.append(f"MLflow seed runs: {urls[0].replace('xner-results', 'xner-seeds')}")
        lines.append(f"MLflow parent run: {urls[1] if urls else out.parent_run}{after}")
    return "\n".join(lines)


def ui_urls(uri: str, run_id: str, ui: str = "http://127.0.0.1:5000") -> tuple[str, str] | None:
    """(the experiment's runs list, the run's page) in the MLflow UI's model-training view, on the
    server itself or `mlflow ui`'s default address for a local database; None when the run cannot be
    looked up."""
    from mlflow import MlflowClient

    from ..tracking import ui as mlflow_ui

    try:
        experiment = MlflowClient(uri).get_run(run_id).info.experiment_id
    except Exception as exc:  # a summary line must never fail the run it summarises
        log.debug("no URL for run %s: %s", run_id, exc)
        return None
    base = uri.rstrip("/") if uri.startswith("http") else ui
    return mlflow_ui.experiment_url(base, experiment), mlflow_ui.run_url(base, experiment, run_id)


def run_url(uri: str, run_id: str, ui: str = "http://127.0.0.1:5000") -> str | None:
    """The run's page in the MLflow UI; None when the run cannot be looked up."""
    urls = ui_urls(uri, run_id, ui)
    return urls[1] if urls else None
