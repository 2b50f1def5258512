"""The Optuna layer of `xner search` (the command is `core/search/command.py`): storage, study,
queue, trial loop, recovery and figures, maximising mean target-dev F1.

* A trial is an ordinary tracked run of the experiment with the sampled values as overrides, on the
  first `search.seeds` seeds: it reuses every cached node its values do not touch (a trial that moves
  only ρ or the teacher weights trains only the student). Test F1 is logged, never returned.
* Teacher weights are a simplex: one uniform [0, 1] parameter per weight, w = -log(1-u) / Σ, which is
  a flat Dirichlet, so TPE keeps independent parameters while w1..w4 cover the simplex.
* Pruning: the dev F1 of every epoch of whatever stage trains is reported at a step that counts
  epochs through the trial's (language, seed) targets; the pruner's `Pruned` stops the stage between
  epochs, and the half-trained node is thrown away, never stored.
* The budget is exact: the command that creates the study enqueues `n_trials` empty trials, and every
  worker only pops queued trials (an atomic state change in every Optuna storage), so W workers on
  any number of machines run exactly `n_trials`, never one more.
* Storage: a journal file by default (safe across processes on one machine), any RDB URL (PostgreSQL,
  MySQL, SQLite) for workers on several machines. A worker stamps its trial with host, pid and a
  heartbeat; whoever starts next fails a trial whose worker is gone and queues it again (`retries`).
* `--workers W` runs W workers from one command: processes here, or Ray tasks with one GPU each
  anywhere on the cluster under `--executor ray`.

This module is the only one that imports optuna.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.loader import load_experiment
from ..config.schema import ExperimentConfig
from ..config.search import SearchConfig
from ..engine.locks import process_start
from ..errors import ConfigError, Pruned
from .runs import STUDY_TAG, TRIAL_TAG, close_trial_run
from .space import BEAT, WORKER, Reporter, as_overrides, count, dead_reason, objective_value, sample

log = logging.getLogger(__name__)

CONFIG, RUN = "xner.config", "xner.mlflow_run"
BUDGET, STUDY_RUN, RETRIES, RETRY_OF = "xner.budget", "xner.study_run", "xner.retries", "xner.retry_of"


@dataclass
class Job:
    """What every worker of one command needs (picklable: it travels to processes and Ray tasks)."""

    path: str
    overrides: list[str]
    location: str
    study: str
    seeds: list[int]
    device: str = "auto"
    track: bool = True
    tracking_uri: str | None = None  # resolved by the command; None when not tracking
    log_level: int = logging.INFO
    extra: list[str] = field(default_factory=list)  # worker-only overrides (threads), not in best.yaml
    plugins: list[str] = field(default_factory=list)  # plug-in modules the caller loaded (plugins.loaded)


def run_trial(study: Any, storage: Any, trial_id: int, job: Job, search: SearchConfig) -> str:
    """One trial from the queue, told to Optuna as COMPLETE, PRUNED or FAIL; returns the state."""
    import optuna

    from ..commands import run as ablate

    trial = optuna.Trial(study, trial_id)
    storage.set_trial_user_attr(trial_id, WORKER, {"host": socket.gethostname(), "pid": os.getpid(),
                                                   "start": process_start(os.getpid()), "time": time.time()})
    values: dict[str, Any] = {}
    run: dict[str, str] = {}
    state, value, error, metrics = "FAIL", None, None, {}
    with heartbeat(storage, trial_id, search.heartbeat_s):
        try:
            values = sample(trial, search)
            trial.set_user_attr(CONFIG, values)
            trial.set_user_attr("seeds", job.seeds)

            def started(run_id: str) -> None:
                run["id"] = run_id
                trial.set_user_attr(RUN, run_id)

            out = ablate.execute(job.path, [*job.overrides, *job.extra, *as_overrides(values)],
                                 device=job.device, track=job.track, tracking_uri=job.tracking_uri,
                                 command=f"search:{job.study}#{trial.number}", only_seeds=job.seeds,
                                 listeners=[Reporter(trial)], nest_under=study.user_attrs.get(STUDY_RUN),
                                 tags={STUDY_TAG: job.study, TRIAL_TAG: str(trial.number)},
                                 executor="local", on_parent=started)
            value = objective_value(out.results)
            metrics = {"objective": value, "dev_f1": value}
            try:
                metrics["test_f1"] = objective_value(out.results, "test_f1")
                trial.set_user_attr("test_f1", metrics["test_f1"])  # for the record; never the objective
            except RuntimeError as exc:  # dev scored, test did not: the objective stands
                log.warning("trial %d: no test F1 to log (%s)", trial.number, exc)
            state = "COMPLETE"
        except Pruned as exc:
            state, error = "PRUNED", str(exc)
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM: FAIL, its run KILLED, its values queued again
            trial.set_user_attr("xner.error", "interrupted (Ctrl-C or SIGTERM)")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            _after_death(study, storage.get_trial(trial_id), "interrupted", search, job)
            raise
        except Exception as exc:
            error = "".join(traceback.format_exception(exc))
            trial.set_user_attr("xner.error", f"{type(exc).__name__}: {exc}"[:2000])
            log.error("trial %d failed: %s: %s", trial.number, type(exc).__name__, exc)
    states = optuna.trial.TrialState
    study.tell(trial, value if state == "COMPLETE" else None,
               state={"COMPLETE": states.COMPLETE, "PRUNED": states.PRUNED, "FAIL": states.FAIL}[state])
    log.info("trial %d %s%s %s", trial.number, state, f" target dev F1 {value:.2f}" if value is not None
             else "", {k: round(v, 6) if isinstance(v, float) else v for k, v in values.items()})
    if run.get("id") and job.tracking_uri:
        try:
            close_trial_run(job.tracking_uri, run["id"], state, values, metrics, error)
        except Exception as exc:  # the study goes on; the trial is in Optuna's storage
            log.warning("could not close trial %d's MLflow run: %s", trial.number, exc)
    return state


@contextmanager
def heartbeat(storage: Any, trial_id: int, every: float) -> Any:
    """Stamp the trial while it runs: Optuna's own heartbeat on an RDB, a `xner.beat` user attr on
    a journal (which has none), so a worker elsewhere can tell a dead trial from a slow one."""
    native = getattr(storage, "get_heartbeat_interval", lambda: None)() is not None

    def stamp() -> None:
        if native:
            storage.record_heartbeat(trial_id)
        else:
            storage.set_trial_user_attr(trial_id, BEAT, time.time())

    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                stamp()
            except Exception:  # finished meanwhile, or the storage is briefly away
                continue

    stamp()
    thread = threading.Thread(target=beat, name="xner-trial-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


# -- storage, study, budget, recovery --------------------------------------------------------------
def storage_location(cfg: ExperimentConfig, cli: str | None = None) -> str:
    """`--storage`, else `search.storage`, else a journal file beside the store."""
    return cli or cfg.search.storage or str(Path(cfg.store).parent / "optuna.journal")


def open_storage(location: str, search: SearchConfig) -> Any:
    import optuna

    if "://" in location:  # sqlite:///f.db, postgresql://user:pw@host/db, mysql://...
        with warnings.catch_warnings():  # the heartbeat arguments are marked experimental
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(location, heartbeat_interval=search.heartbeat_s,
                                              grace_period=search.grace_s)
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    Path(location).parent.mkdir(parents=True, exist_ok=True)
    return JournalStorage(JournalFileBackend(location))


def _sampler_pruner(search: SearchConfig) -> tuple[Any, Any]:
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=search.sampler_seed, constant_liar=True)
    p = search.pruner
    if p.type == "median":
        pruner = optuna.pruners.MedianPruner(n_startup_trials=p.n_startup_trials,
                                             n_warmup_steps=p.n_warmup_steps)
    else:
        pruner = optuna.pruners.HyperbandPruner() if p.type == "hyperband" else optuna.pruners.NopPruner()
    return sampler, pruner


def load_study(storage: Any, name: str, search: SearchConfig) -> Any:
    import optuna

    sampler, pruner = _sampler_pruner(search)
    try:
        return optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)
    except KeyError:
        raise ConfigError(f"search.study: no study {name!r} in this storage") from None


def open_study(storage: Any, name: str, n_trials: int, search: SearchConfig, on_create: Any = None) -> Any:
    """Create the study and queue its `n_trials` (exactly one command does: creation is atomic), or
    join it once its creator has queued them; a larger `--n-trials` queues the difference."""
    import optuna

    sampler, pruner = _sampler_pruner(search)
    try:
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize",
                                    sampler=sampler, pruner=pruner)
    except optuna.exceptions.DuplicatedStudyError:
        study = load_study(storage, name, search)
        deadline = time.monotonic() + 120
        while BUDGET not in study.user_attrs:  # its creator is still queueing the trials
            if time.monotonic() > deadline:
                raise ConfigError(f"study {name!r} exists but its creator never queued its trials; "
                                  "give a new --study name") from None
            time.sleep(0.5)
        budget = int(study.user_attrs[BUDGET])
        if n_trials > budget:
            _enqueue(study, n_trials - budget)
            study.set_user_attr(BUDGET, n_trials)
            log.info("study %s: budget raised from %d to %d trials", name, budget, n_trials)
        return study
    study.set_user_attr("xner.direction", "maximize target-dev F1")
    if on_create is not None:
        study.set_user_attr(STUDY_RUN, on_create())
    _enqueue(study, n_trials)
    study.set_user_attr(BUDGET, n_trials)
    return study


def _enqueue(study: Any, n: int, params: dict[str, Any] | None = None, **attrs: Any) -> None:
    for _ in range(n):
        study.enqueue_trial(params or {}, user_attrs=attrs or None)


def pop(study: Any, storage: Any) -> int | None:
    """A queued trial set RUNNING by this worker, or None when the queue is empty. The state change
    is atomic in every storage (the one a second worker loses returns False)."""
    import optuna

    sid = storage.get_study_id_from_name(study.study_name)
    for t in sorted(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)),
                    key=lambda t: t.number):
        tid = storage.get_trial_id_from_study_id_trial_number(sid, t.number)
        try:
            if storage.set_trial_state_values(tid, state=optuna.trial.TrialState.RUNNING):
                return tid
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


def recover(study: Any, storage: Any, search: SearchConfig, job: Job | None = None) -> list[int]:
    """Fail every RUNNING trial whose worker is gone (and queue it again while `retries` allow);
    returns the numbers failed. Two workers recovering at once fail and requeue a trial only once."""
    import optuna

    native = getattr(storage, "get_heartbeat_interval", lambda: None)() is not None
    if native:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            stale = {t.number for t in study.get_trials(deepcopy=False,
                                                         states=(optuna.trial.TrialState.RUNNING,))}
            optuna.storages.fail_stale_trials(study)
            gone = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.FAIL,))
                    if t.number in stale]
        for t in gone:
            _after_death(study, t, "no heartbeat within the grace period", search, job)
        failed = [t.number for t in gone]
    else:
        failed = []
    sid = storage.get_study_id_from_name(study.study_name)
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        why = dead_reason(t, native, search.grace_s)
        if why is None:
            continue
        tid = storage.get_trial_id_from_study_id_trial_number(sid, t.number)
        try:
            storage.set_trial_user_attr(tid, "xner.error", f"worker died: {why}")
            storage.set_trial_state_values(tid, state=optuna.trial.TrialState.FAIL)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker got there first
        failed.append(t.number)
        _after_death(study, t, why, search, job)
    return failed


def _after_death(study: Any, t: Any, why: str, search: SearchConfig, job: Job | None) -> None:
    retries = int(t.user_attrs.get(RETRIES, 0))
    again = retries < search.retries
    log.warning("trial %d: %s; failed%s", t.number, why, ", queued again" if again else "")
    if again:
        _enqueue(study, 1, dict(t.params), **{RETRIES: retries + 1, RETRY_OF: t.number})
    run = t.user_attrs.get(RUN)
    if run and job is not None and job.tracking_uri:
        try:
            close_trial_run(job.tracking_uri, run, "FAIL", t.user_attrs.get(CONFIG, {}), {}, why,
                            status="KILLED")
        except Exception as exc:
            log.warning("could not close trial %d's MLflow run: %s", t.number, exc)


# -- workers ---------------------------------------------------------------------------------------
def work(job: Job) -> int:
    """One worker: take queued trials until none is left; returns how many it ran."""
    cfg = load_experiment(job.path, job.overrides)
    storage = open_storage(job.location, cfg.search)
    study = load_study(storage, job.study, cfg.search)
    ran = 0
    while True:
        recover(study, storage, cfg.search, job)
        tid = pop(study, storage)
        if tid is None:
            return ran
        run_trial(study, storage, tid, job, cfg.search)
        ran += 1


# -- figures ---------------------------------------------------------------------------------------
def plots(study: Any, folder: Path) -> list[Path]:
    """Optuna's own figures: history, parameter importances, parallel coordinates, slice; each as a
    static PNG (matplotlib) and all in one interactive HTML page (plotly). A figure that the trials
    cannot support yet (importances need two complete trials) is left out with a note."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import optuna

    done = count(study, "COMPLETE")
    kinds = ["optimization_history", "param_importances", "parallel_coordinate", "slice"]
    files, html = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in kinds:
            if done < (2 if kind == "param_importances" else 1):
                continue
            try:
                ax = getattr(optuna.visualization.matplotlib, f"plot_{kind}")(study)
                fig = (ax.flat[0] if hasattr(ax, "flat") else ax).get_figure()
                fig.set_size_inches(max(fig.get_size_inches()[0], 8), 5)
                fig.tight_layout()
                files.append(folder / f"{kind}.png")
                fig.savefig(files[-1], dpi=120)
                plt.close(fig)
                html.append(getattr(optuna.visualization, f"plot_{kind}")(study))
            except Exception as exc:  # e.g. every trial sampled the same value
                log.info("no %s plot yet: %s", kind, exc)
    if html:
        page = folder / "study.html"
        parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(html)]
        page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                        f"{study.study_name}</title></head><body>{''.join(parts)}</body></html>",
                        encoding="utf-8")
        files.append(page)
    return files
