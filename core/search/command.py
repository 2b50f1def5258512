"""`xner search` and `xner search --rerun-best`: check the space, create or join the study, run its
queued trials on this command's workers, then put the plots and the best trial's YAML on the
study's run. Orchestration only: every Optuna call is in `core/search/study.py`, the one module that
imports optuna.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.loader import load_experiment
from ..errors import ConfigError
from ..plugins import loaded
from .runs import STATE_TAG, STUDY_TAG, TRIAL_TAG, close_study_run, open_study_run, redact, write_best
from .space import best_trial, check_space, count
from .study import (
    CONFIG,
    RUN,
    STUDY_RUN,
    Job,
    load_study,
    open_storage,
    open_study,
    plots,
    storage_location,
)

log = logging.getLogger(__name__)


@dataclass
class SearchOutcome:
    study: Any
    ran: int  # trials run by this command's workers
    best_yaml: Path | None
    study_run: str | None


def search(path: str | Path, overrides: Sequence[str] = (), n_trials: int | None = None,
           storage: str | None = None, device: str = "auto", track: bool = True,
           tracking_uri: str | None = None, *, study_name: str | None = None, workers: int | None = None,
           seeds: int | None = None, pruner: str | None = None, executor: str | None = None,
           ray_address: str | None = None, best_out: str | Path | None = None) -> SearchOutcome:
    """Create or join the study, run its queued trials with `workers` workers, then put the plots and
    the best trial's YAML on the study's run."""
    if n_trials is not None and n_trials < 1:  # 0 is not "unset": it would have run a whole search
        raise ConfigError(f"--n-trials {n_trials}: a study holds 1 or more trials (it is the study's "
                          "total, all workers together; leave it out for search.n_trials)")
    overrides = list(overrides)
    if pruner is not None:
        overrides.append(f"search.pruner.type={pruner}")
    cfg = load_experiment(path, overrides)
    check_space(path, overrides, cfg)
    search_cfg = cfg.search
    name = study_name or search_cfg.study or cfg.name
    location = storage_location(cfg, storage)
    k = seeds or search_cfg.seeds
    if k > len(cfg.seeds):
        raise ConfigError(f"--seeds {k}: the experiment has only {len(cfg.seeds)} seeds")
    uri = None
    if track:
        from ..tracking.journal import check_tracking
        from ..tracking.uri import resolve_tracking_uri

        uri = resolve_tracking_uri(tracking_uri, cfg.tracking.uri)
        check_tracking(uri)
    st = open_storage(location, search_cfg)

    def create_run() -> str | None:
        if uri is None:
            return None
        return open_study_run(uri, cfg.tracking.experiment or cfg.name, name, location, {
            **{k: p.model_dump(exclude_none=True) for k, p in search_cfg.space.items()},
            **{f"simplex.{g}": ks for g, ks in search_cfg.simplex.items()}, "seeds": k,
            "pruner": search_cfg.pruner.type})

    study = open_study(st, name, search_cfg.n_trials if n_trials is None else n_trials, search_cfg,
                       create_run)
    log.info("study %s in %s: %d trials queued, %d workers here", name, redact(location),
             count(study, "WAITING"), workers or search_cfg.workers)
    job = Job(str(path), overrides, location, name, cfg.seeds[:k], device, track, uri,
              logging.getLogger().getEffectiveLevel(), plugins=loaded())
    from .workers import run_workers

    ran = run_workers(job, workers or search_cfg.workers, executor or cfg.execution.executor,
                      ray_address or cfg.execution.ray_address, cfg.execution.threads)
    study = load_study(st, name, search_cfg)
    best_yaml = finish(study, path, overrides, best_out or best_path(cfg, name), uri)
    return SearchOutcome(study, ran, best_yaml, study.user_attrs.get(STUDY_RUN))


def best_path(cfg: Any, study: str) -> Path:
    """Where a study's best experiment goes unless --best-out says otherwise: beside the store."""
    return Path(cfg.store).parent / "search" / f"{study}.best.yaml"


def write_best_trial(study: str, best: Any, path: str | Path, overrides: Sequence[str], out: str | Path
                     ) -> Path:
    header = (f"best of study {study}: trial #{best.number}, mean target-dev F1 {best.value:.4f} on "
              f"seeds {best.user_attrs.get('seeds', '')}\nrerun on every seed and on test: xner search "
              f"{path} --rerun-best")
    return write_best(path, out, overrides, best.user_attrs.get(CONFIG, {}), header)


def finish(study: Any, path: str | Path, overrides: Sequence[str], out: str | Path, uri: str | None
           ) -> Path | None:
    """The best trial's YAML, and on the study's run: counts, best value, plots, the YAML."""
    best = best_trial(study)
    best_yaml = write_best_trial(study.study_name, best, path, overrides, out) if best else None
    run = study.user_attrs.get(STUDY_RUN)
    if uri is None or run is None:
        return best_yaml
    counts = {f"trials_{s.lower()}": count(study, s) for s in ("COMPLETE", "PRUNED", "FAIL")}
    if best is not None:
        counts["best_dev_f1"] = best.value
    open_ = count(study, "RUNNING") + count(study, "WAITING")

    with tempfile.TemporaryDirectory() as tmp:
        files = plots(study, Path(tmp)) + ([best_yaml] if best_yaml else [])
        try:
            close_study_run(uri, run, counts, {"trial": best.number, "run": best.user_attrs.get(RUN)}
                            if best else None, files, finished=open_ == 0)
        except Exception as exc:
            log.warning("could not update the study's MLflow run: %s", exc)
    return best_yaml


def rerun_best(path: str | Path, overrides: Sequence[str] = (), storage: str | None = None,
               study_name: str | None = None, best_out: str | Path | None = None, device: str = "auto",
               track: bool = True, tracking_uri: str | None = None) -> tuple[Any, Path, Any]:
    """The best trial's YAML, run as an ordinary experiment on every seed (test F1 included):
    returns (best trial, YAML path, ablate Outcome)."""
    from ..commands import run as ablate

    cfg = load_experiment(path, list(overrides))
    name = study_name or cfg.search.study or cfg.name
    study = load_study(open_storage(storage_location(cfg, storage), cfg.search), name, cfg.search)
    best = best_trial(study)
    if best is None:
        raise ConfigError(f"study {name!r} has no complete trial yet; run `xner search {path}` first")
    yaml_path = write_best_trial(name, best, path, overrides, best_out or best_path(cfg, name))
    outcome = ablate.execute(yaml_path, [], device=device, track=track, tracking_uri=tracking_uri,
                             command=f"search-best:{name}#{best.number}",
                             tags={STUDY_TAG: name, TRIAL_TAG: f"best #{best.number}", STATE_TAG: "rerun"})
    return best, yaml_path, outcome

