"""The parts of a search that need no Optuna: what a trial samples (the space, the teacher-weight
simplex), what it returns (mean target-dev F1), what it reports per epoch (pruning steps), the checks
a space passes before the first trial, and how a dead worker's trial is told from a slow one.

Trials are duck-typed (`suggest_*`, `report`, `should_prune`, `user_attrs`): `core/search/study.py`, the
only module that imports optuna, hands them in.
"""

from __future__ import annotations

import difflib
import math
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from ..config.loader import flatten
from ..config.schema import ExperimentConfig
from ..config.search import SearchConfig, SearchParam
from ..engine.locks import process_alive
from ..errors import ConfigError, Pruned

WORKER, BEAT = "xner.worker", "xner.beat"
TRAINING = ("source", "teacher", "distill")


def suggest(trial: Any, name: str, p: SearchParam) -> Any:
    if p.type == "categorical":
        return trial.suggest_categorical(name, p.choices)
    assert p.low is not None and p.high is not None
    if p.type == "int":
        return trial.suggest_int(name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log)
    return trial.suggest_float(name, p.low, p.high, step=p.step, log=p.log)


def simplex(u: Sequence[float]) -> list[float]:
    """Uniform [0, 1] values -> weights on the simplex: -log(1-u) is Exp(1), normalised a flat
    Dirichlet; monotone in each u, so slice and importance plots read the right way round."""
    e = [-math.log(max(1.0 - x, 1e-12)) for x in u]
    total = sum(e)
    return [1.0 / len(e)] * len(e) if total <= 0 else [x / total for x in e]


def sample(trial: Any, search: SearchConfig) -> dict[str, Any]:
    """The trial's config values: the space's, and each simplex group's normalised weights."""
    values = {k: suggest(trial, k, p) for k, p in search.space.items()}
    for paths in search.simplex.values():
        u = [trial.suggest_float(f"u[{p}]", 0.0, 1.0) for p in paths]
        values.update(zip(paths, simplex(u), strict=True))
    return values


def as_overrides(values: dict[str, Any]) -> list[str]:
    return [f"{k}={yaml.safe_dump(v, default_flow_style=True).strip().removesuffix('...').strip()}"
            for k, v in values.items()]


def check_space(path: str | Path, overrides: Sequence[str], cfg: ExperimentConfig) -> None:
    """Before the first trial: both ends of every range (and every choice) must make a valid
    experiment, and some stage of the graph must read every searched key."""
    from .. import runner
    from ..stages.checks import unread_settings

    search = cfg.search
    if not search.space and not search.simplex:
        raise ConfigError("search.space: empty; name at least one dotted config path to search "
                          "(or search.simplex for weights)")
    settings = [k for k in flatten(cfg) if not k.startswith("search.")]
    keys = [(f"space.{k}", k) for k in search.space] + [
        (f"simplex.{g}", k) for g, ks in search.simplex.items() for k in ks]
    for where, key in keys:  # a typo would make every trial the same experiment
        if key not in settings:
            close = difflib.get_close_matches(key, settings, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"search.{where}: {key!r} is not a setting of this experiment{hint}")
    for key, p in search.space.items():  # each end must build a graph, not just load
        ends = p.choices if p.type == "categorical" else [p.low, p.high]
        for v in ends or []:
            v = int(v) if p.type == "int" else v
            try:
                runner.build(path, [*overrides, *as_overrides({key: v})], [], include_base=True,
                             only_seeds=cfg.seeds[:1])
            except ConfigError as exc:
                raise ConfigError(f"search.space.{key}: {v!r} is not a valid value: {exc}") from None
    exp = runner.build(path, list(overrides), [], include_base=True, only_seeds=cfg.seeds[:search.seeds])
    unread = unread_settings(cfg, [n for t in exp.targets for n in _nodes(t.node)])
    for where, key in keys:
        hit = next((u for u in unread if key == u or key.startswith(u + ".")), None)
        if hit is not None:
            raise ConfigError(f"search.{where}: no stage of this {cfg.method} experiment reads {key!r} "
                              f"({hit} is unused here); searching it would only repeat one trial")


def _nodes(node: Any) -> list[Any]:
    from ..engine.graph import topological

    return topological([node])


# -- the objective ---------------------------------------------------------------------------------
class Reporter:
    """Reports each epoch's target-dev F1 to the trial and raises `Pruned` when the pruner says so.
    Step = epochs done so far through the trial's targets, so every trial's step s is the same epoch
    of the same stage of the same (language, seed)."""

    def __init__(self, trial: Any) -> None:
        self.trial = trial
        self._spans: dict[str, tuple[int, dict[str, int]]] = {}

    def step(self, exp: Any, target: Any, node: Any) -> int:
        key = target.node.key
        if key not in self._spans:
            chain = [n for n in _nodes(target.node) if n.stage in TRAINING]
            offsets, total = {}, 0
            for n in chain:
                offsets[n.key] = total
                total += int(n.params["train"]["epochs"])
            self._spans[key] = (total, offsets)
        total, offsets = self._spans[key]
        return exp.targets.index(target) * total + offsets.get(node.key, 0)

    def __call__(self, exp: Any, target: Any, node: Any, epoch: int, metrics: dict[str, float]) -> None:
        value = metrics.get("dev_f1")
        if value is None or not math.isfinite(value) or node.stage not in TRAINING:
            return
        step = self.step(exp, target, node) + epoch - 1
        self.trial.report(value, step)
        if self.trial.should_prune():
            raise Pruned(f"trial {self.trial.number} pruned at {node.name} epoch {epoch} "
                         f"(step {step}, target dev F1 {value:.2f})")


def objective_value(results: dict[tuple[str, str], list[dict[str, Any]]], metric: str = "dev_f1") -> float:
    """Mean over languages of the mean `metric` over seeds; a failed seed makes the trial fail."""
    per_lang = []
    for rows in results.values():
        bad = next((r for r in rows if math.isnan(r[metric])), None)
        if bad is not None:
            lines = [x for x in str(bad.get("error", "")).splitlines() if x.strip()]
            why = lines[0] + (f" ({lines[-1].strip()})" if len(lines) > 1 else "") if lines else "?"
            raise RuntimeError(f"seed {bad.get('seed')} failed, so the trial is not comparable: {why}")
        per_lang.append(sum(r[metric] for r in rows) / len(rows))
    return sum(per_lang) / len(per_lang)


def dead_reason(t: Any, native_heartbeat: bool, grace_s: float, now: float | None = None) -> str | None:
    """Why a RUNNING trial has no live worker, or None while it may have one."""
    now = time.time() if now is None else now
    owner = t.user_attrs.get(WORKER)
    if owner is None:
        started = t.datetime_start.timestamp() if t.datetime_start else now
        return None if now - started < grace_s else f"no worker took it in {grace_s:.0f}s"
    if owner["host"] == socket.gethostname():
        if process_alive(int(owner["pid"]), owner.get("start", "")):
            return None
        return f"worker {owner['pid']} on {owner['host']} ended without finishing it"
    if native_heartbeat:
        return None  # Optuna's own stale-trial check covers other hosts on an RDB
    beat = float(t.user_attrs.get(BEAT, owner["time"]))
    if now - beat < grace_s:
        return None
    return f"no heartbeat from worker {owner['pid']} on {owner['host']} for {now - beat:.0f}s"




def count(study: Any, state: str) -> int:
    """Trials of the study in `state` (COMPLETE, PRUNED, FAIL, RUNNING, WAITING)."""
    return sum(t.state.name == state for t in study.get_trials(deepcopy=False))


def best_trial(study: Any) -> Any | None:
    """The complete trial with the highest objective, or None before the first one completes."""
    done = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    return max(done, key=lambda t: t.value) if done else None
