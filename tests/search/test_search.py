"""`xner search` end to end on the tiny demo TransAdv: an exact trial budget shared by two worker
processes, cached teachers for weight/ρ-only trials, pruning that never stores a half-trained node,
failing and SIGKILLed trials, the MLflow layout, and the best trial's YAML rerun from scratch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import optuna
import pytest
from demo_experiment import TINY, tiny_experiment
from mlflow import MlflowClient

from xner.core.commands import run as ablate
from xner.core.errors import Pruned
from xner.core.search.command import rerun_best, search
from xner.core.search.study import Job, load_study, open_storage
from xner.core.stages import STAGES

WEIGHTS = ("  simplex:\n    teacher_weights: [teachers.source.weight, teachers.entity.weight, "
           "teachers.context.weight, teachers.order.weight]\n")
HYBRID = "selection: {strategy: adversarial, ratio: 0.8}\n"  # TransAdv + AdvPicker's top-ρ: both searched
RHO = "    selection.ratio: {type: float, low: 0.5, high: 1.0, step: 0.1}\n"
LR = "    train.lr_ner: {type: float, low: 3.0e-4, high: 3.0e-3, log: true}\n"
States = optuna.trial.TrialState


INHERITED = ("train.lr_ner", "train.lr_distill", "train.lr_discriminator", "discriminators.order.hidden")


def _experiment(tmp: Path, space: str, study: str, extra: str = "", train: int = 60) -> Path:
    """The demo TransAdv with top-ρ selection, searching `space` and the weights only (the demo
    file's own space entries are removed with nulls)."""
    drop = "".join(f"    {k}: null\n" for k in INHERITED if f"{k}:" not in space)
    return tiny_experiment(tmp, f"{HYBRID}{extra}search:\n  study: {study}\n  pruner: {{type: none}}\n"
                           f"  space:\n{space}{drop}{WEIGHTS}", train=train)


def _trials(tmp: Path, study: str) -> list[optuna.trial.FrozenTrial]:
    return load_study(open_storage(str(tmp / "optuna.journal"), _search_cfg()), study, _search_cfg()).trials


def _search_cfg():
    from xner.core.config.search import SearchConfig

    return SearchConfig()


def _runs(uri: str, level: str) -> list:
    client = MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name("demo-transadv")
    return client.search_runs([exp.experiment_id], f"tags.`xner.level` = '{level}'", max_results=1000)


@pytest.mark.system
def test_twenty_trials_two_workers_one_journal_none_lost_or_duplicated(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, RHO + LR, "demo20")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = search(exp, TINY, n_trials=20, workers=2, device="cpu", tracking_uri=uri)
    trials = _trials(tmp_path, "demo20")
    assert sorted(t.number for t in trials) == list(range(20))  # exactly the budget, once each
    assert {t.state for t in trials} == {States.COMPLETE}
    assert len({t.user_attrs["xner.worker"]["pid"] for t in trials}) == 2  # both workers took trials
    assert 0 < out.ran < 20
    for t in trials:  # ρ on its grid, weights on the simplex, both logged as set
        cfg = t.user_attrs["xner.config"]
        assert cfg["selection.ratio"] in {0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
        assert sum(cfg[f"teachers.{n}.weight"] for n in ("source", "entity", "context", "order")) == \
            pytest.approx(1.0)
    (study_run,) = _runs(uri, "study")
    assert study_run.info.status == "FINISHED"
    assert study_run.data.metrics["trials_complete"] == 20
    trial_runs = {r.info.run_id: r for r in _runs(uri, "parent")}
    assert len(trial_runs) == 20
    for t in trials:
        run = trial_runs[t.user_attrs["xner.mlflow_run"]]
        assert run.data.tags["mlflow.parentRunId"] == study_run.info.run_id
        assert run.data.tags["xner.study"] == "demo20" and run.data.tags["xner.trial"] == str(t.number)
        assert run.data.tags["xner.trial_state"] == "COMPLETE" and run.info.status == "FINISHED"
        assert run.data.metrics["objective"] == pytest.approx(t.value)
        assert "test_f1" in run.data.metrics
        for key, value in t.user_attrs["xner.config"].items():
            assert float(run.data.params[key]) == pytest.approx(value)
    client = MlflowClient(tracking_uri=uri)
    plots = {a.path for a in client.list_artifacts(study_run.info.run_id, "plots")}
    assert {"plots/optimization_history.png", "plots/param_importances.png", "plots/slice.png",
            "plots/parallel_coordinate.png", "plots/study.html"} <= plots
    assert out.best_yaml is not None and out.best_yaml.is_file()


def test_weight_and_rho_trials_train_no_teacher_and_the_best_yaml_reruns(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, RHO, "cache", extra="seeds: [1, 2]\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tiny = [o for o in TINY if not o.startswith("seeds")]
    out = search(exp, tiny, n_trials=4, device="cpu", tracking_uri=uri)
    trials = sorted(_trials(tmp_path, "cache"), key=lambda t: t.number)
    assert [t.state for t in trials] == [States.COMPLETE] * 4
    seeds = {r.data.tags["xner.command"]: r for r in _runs(uri, "seed")}
    assert len(seeds) == 4  # search.seeds = 1: one seed per trial
    for command, run in seeds.items():
        ran = set(run.data.tags["xner.stages_run"].split(","))
        if command.endswith("#0"):
            assert "teacher[entity]" in ran and any(n.startswith("source") for n in ran), ran
        else:  # only ρ and the weights moved: students only, every teacher from the cache
            assert not any(n.startswith(("source", "teacher", "encoder", "translate")) for n in ran), ran
            assert "teacher[order]" in run.data.tags["xner.cache_hits"]
    best = max(trials, key=lambda t: t.value)
    text = out.best_yaml.read_text()
    assert f"trial #{best.number}" in text and "extends:" in text
    fresh = [*tiny, f"store={tmp_path / 'fresh-store'}"]  # every node trained again from nothing
    got, path, again = rerun_best(exp, fresh, storage=str(tmp_path / "optuna.journal"),
                                  best_out=tmp_path / "best.yaml", device="cpu", track=False)
    assert got.number == best.number and path == tmp_path / "best.yaml"
    rows = again.results[("base", "es")]
    assert [r["seed"] for r in rows] == [1, 2]  # every seed of the experiment, not search.seeds
    assert rows[0]["dev_f1"] == pytest.approx(best.value, abs=1e-9)  # the same seed reproduces it
    assert all("test_f1" in r for r in rows)


def test_a_trial_that_raises_is_fail_and_the_study_goes_on(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    exp = _experiment(tmp_path, RHO, "failing")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    real, calls = STAGES["distill"], []

    def flaky(ctx):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return real(ctx)

    monkeypatch.setitem(STAGES, "distill", flaky)
    search(exp, TINY, n_trials=3, device="cpu", tracking_uri=uri)
    trials = sorted(_trials(tmp_path, "failing"), key=lambda t: t.number)
    assert [t.state for t in trials] == [States.COMPLETE, States.FAIL, States.COMPLETE]
    assert "disk on fire" in trials[1].user_attrs["xner.error"]
    run = MlflowClient(tracking_uri=uri).get_run(trials[1].user_attrs["xner.mlflow_run"])
    assert run.info.status == "FAILED" and run.data.tags["xner.trial_state"] == "FAIL"


def test_a_pruned_trial_keeps_nothing_of_the_node_it_was_training(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path, "")
    sets = [*TINY, "train.distill_epochs=3"]

    def prune(exp_, target, node, epoch, metrics) -> None:
        if node.stage == "distill" and epoch == 2:
            raise Pruned("stop")

    with pytest.raises(Pruned):
        ablate.execute(exp, sets, device="cpu", track=False, listeners=[prune])
    store = tmp_path / "store"
    assert not (store / "distill").exists() or not any((store / "distill").iterdir())
    assert any((store / "teacher").iterdir())  # what finished before the pruned stage stays cached
    journal = json.loads(max((store / ".journal").iterdir(), key=os.path.getmtime).read_text())
    assert journal["status"] == "pruned"


@pytest.mark.system
def test_a_sigkilled_worker_leaves_no_running_trial_after_the_next_start(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, RHO, "killed", train=300)
    journal = str(tmp_path / "optuna.journal")
    sets = [*TINY, "train.distill_epochs=40"]
    # the first command creates the study, queues 2 trials and starts trial 0 in a worker process
    from xner.core.config.loader import load_experiment
    from xner.core.search.study import open_study

    cfg = load_experiment(exp, sets)
    open_study(open_storage(journal, cfg.search), "killed", 2, cfg.search)
    job = Job(str(exp), sets, journal, "killed", [1], "cpu", False)
    proc = subprocess.Popen([sys.executable, "-m", "xner.core.search.workers", json.dumps(asdict(job))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        running = [t for t in _trials(tmp_path, "killed") if t.state == States.RUNNING
                   and t.user_attrs.get("xner.worker", {}).get("pid") == proc.pid
                   and "xner.config" in t.user_attrs]  # sampled, training
        if running:
            break
        time.sleep(0.2)
    assert running, "the worker never started a trial"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    search(exp, [*TINY, "train.distill_epochs=1"], n_trials=2, device="cpu", track=False)  # the next start
    trials = {t.number: t for t in _trials(tmp_path, "killed")}
    assert not [t for t in trials.values() if t.state in (States.RUNNING, States.WAITING)]
    assert trials[0].state == States.FAIL and "worker died" in trials[0].user_attrs["xner.error"]
    retry = next(t for t in trials.values() if t.user_attrs.get("xner.retry_of") == 0)
    assert retry.state == States.COMPLETE and retry.params == trials[0].params
    assert len(trials) == 3  # the budget of 2, plus one retry of the killed trial


def test_cli_search_prints_one_summary_line(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, RHO, "cli")
    proc = subprocess.run([sys.executable, "-m", "xner.core.cli", "search", str(exp), "--n-trials", "2",
                           "--no-track", "--device", "cpu", *[a for s in TINY for a in ("--set", s)]],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("study cli: 2 trials (2 complete); 2 run here; best #"), last
    assert "cli.best.yaml" in last


def test_a_pruned_trial_is_pruned_in_optuna_and_mlflow(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A pruner that stops every trial after its first reported epoch once one trial is complete:
    the second trial is PRUNED, its run KILLED with the state tag, its student never stored."""
    from xner.core.search import study as se

    class AfterFirst(optuna.pruners.BasePruner):
        def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
            return bool(study.get_trials(deepcopy=False, states=(States.COMPLETE,)))

    real = se._sampler_pruner
    monkeypatch.setattr(se, "_sampler_pruner", lambda search: (real(search)[0], AfterFirst()))
    exp = _experiment(tmp_path, RHO, "pruned")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    search(exp, [*TINY, "train.distill_epochs=2"], n_trials=2, device="cpu", tracking_uri=uri)
    first, second = sorted(_trials(tmp_path, "pruned"), key=lambda t: t.number)
    assert first.state == States.COMPLETE and second.state == States.PRUNED
    # teachers cached (only ρ and weights moved): the first report is the student's epoch 1, at step
    # 4 = 1 source epoch + 3 teachers x 1 epoch
    assert list(second.intermediate_values) == [4]
    run = MlflowClient(tracking_uri=uri).get_run(second.user_attrs["xner.mlflow_run"])
    assert run.info.status == "KILLED" and run.data.tags["xner.trial_state"] == "PRUNED"
    distills = [p for p in (tmp_path / "store" / "distill").iterdir() if not p.name.startswith(".")]
    assert len(distills) == 1  # the first trial's; the pruned one left nothing


def test_the_budget_is_the_studys_and_a_larger_one_queues_the_difference(tmp_path: Path) -> None:
    from xner.core.config.search import SearchConfig
    from xner.core.search.study import open_study, pop

    cfg = SearchConfig()
    storage = open_storage(str(tmp_path / "j.journal"), cfg)
    made = []
    study = open_study(storage, "b", 3, cfg, on_create=lambda: made.append(1) or "run-1")
    assert made == [1] and study.user_attrs["xner.study_run"] == "run-1"
    again = open_study(storage, "b", 3, cfg, on_create=lambda: made.append(2) or "run-2")  # joins
    assert made == [1] and len(again.trials) == 3  # nothing created or queued twice
    open_study(storage, "b", 5, cfg)
    waiting = [t for t in _trials_of(storage, "b") if t.state == States.WAITING]
    assert len(waiting) == 5
    taken = [pop(study, storage) for _ in range(6)]
    assert taken[-1] is None and len(set(taken[:5])) == 5  # each queued trial popped once, then none


def _trials_of(storage: object, name: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=name, storage=storage).trials


@pytest.mark.system
def test_sigterm_fails_every_running_trial_closes_its_run_and_queues_it_again(tmp_path: Path) -> None:
    """SIGTERM to the command (Slurm's cancel, a stopped pod): its own trial and its worker process's
    trial are told FAIL, their runs KILLED, their values queued again; nothing stays RUNNING."""
    exp = _experiment(tmp_path, RHO, "term", train=300)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    sets = [a for s in [*TINY, "train.distill_epochs=40"] for a in ("--set", s)]
    proc = subprocess.Popen([sys.executable, "-m", "xner.core.cli", "search", str(exp), "--n-trials", "4",
                             "--workers", "2", "--device", "cpu", "--tracking-uri", uri, *sets],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    running: list = []
    while time.monotonic() < deadline and len(running) < 2:
        time.sleep(0.3)
        if (tmp_path / "optuna.journal").exists():
            running = [t for t in _trials(tmp_path, "term") if t.state == States.RUNNING
                       and "xner.mlflow_run" in t.user_attrs]
    assert len(running) == 2, "two workers never ran trials at once"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    trials = {t.number: t for t in _trials(tmp_path, "term")}
    assert not [t for t in trials.values() if t.state == States.RUNNING]
    client = MlflowClient(tracking_uri=uri)
    for t in running:
        done = trials[t.number]
        assert done.state == States.FAIL and done.user_attrs["xner.error"].startswith("interrupted")
        run = client.get_run(done.user_attrs["xner.mlflow_run"])
        assert run.info.status == "KILLED" and run.data.tags["xner.trial_state"] == "FAIL"
        again = [r for r in trials.values() if r.user_attrs.get("xner.retry_of") == t.number]
        assert len(again) == 1 and again[0].state == States.WAITING
        assert again[0].system_attrs["fixed_params"] == done.params  # the same values, queued
