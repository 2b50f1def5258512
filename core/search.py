"""`xner search`: Optuna over the experiment's `search.space`, maximising mean target-dev F1.

Each trial is an ordinary tracked `xner run` of the experiment with the sampled values as overrides,
so every trial runs all seeds and languages, reuses every cached node its values do not touch
(a distillation-lr trial retrains only students), and appears in MLflow as its own parent run tagged
with the study and trial number. Several workers share a study through one Optuna storage
(`search.storage` or `--storage`, e.g. sqlite:///optuna.db); the node store is safe to share too.
Target dev is what both papers tune on; test F1 is logged but never read by the search.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from xner.core.config import load_experiment
from xner.core.config_schema import SearchParam
from xner.core.errors import ConfigError

log = logging.getLogger(__name__)


def suggest(trial: Any, name: str, p: SearchParam) -> Any:
    if p.type == "categorical":
        return trial.suggest_categorical(name, p.choices)
    assert p.low is not None and p.high is not None
    if p.type == "int":
        return trial.suggest_int(name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log)
    return trial.suggest_float(name, p.low, p.high, step=p.step, log=p.log)


def objective_value(results: dict[tuple[str, str], list[dict[str, Any]]]) -> float:
    """Mean over languages of the mean dev F1 over seeds; a failed seed makes the trial fail."""
    per_lang = []
    for rows in results.values():
        values = [r["dev_f1"] for r in rows]
        if any(math.isnan(v) for v in values):
            raise RuntimeError("a seed failed; the trial is not comparable")
        per_lang.append(sum(values) / len(values))
    return sum(per_lang) / len(per_lang)


def search(path: str | Path, overrides: Sequence[str] = (), n_trials: int | None = None,
           storage: str | None = None, device: str = "auto", track: bool = True,
           tracking_uri: str | None = None) -> Any:
    """Run (or join) the study; returns the optuna Study."""
    import optuna

    from xner.core import ablate

    cfg = load_experiment(path, list(overrides))
    space = cfg.search.space
    if not space:
        raise ConfigError("search.space: empty; name at least one dotted config path to search")
    study = optuna.create_study(study_name=cfg.search.study or cfg.name, direction="maximize",
                                storage=storage or cfg.search.storage, load_if_exists=True,
                                sampler=optuna.samplers.TPESampler(seed=None))

    def objective(trial: optuna.Trial) -> float:
        values = {name: suggest(trial, name, p) for name, p in space.items()}
        sets = [*overrides, *(f"{k}={yaml.safe_dump(v, default_flow_style=True).strip()}"
                              for k, v in values.items())]
        sets = [s.removesuffix("\n...") for s in sets]
        out = ablate.execute(path, sets, device=device, track=track, tracking_uri=tracking_uri,
                             command=f"search:{study.study_name}#{trial.number}")
        value = objective_value(out.results)
        trial.set_user_attr("parent_run", out.parent_run)
        log.info("trial %d: %s -> mean target dev F1 %.2f", trial.number, values, value)
        return value

    study.optimize(objective, n_trials=n_trials or cfg.search.n_trials, catch=(RuntimeError,))
    best = study.best_trial
    log.info("best of %d trials: #%d dev F1 %.2f with %s", len(study.trials), best.number, best.value,
             best.params)
    return study
