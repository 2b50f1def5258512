"""An experiment: every (variant x target language x seed) graph, sharing nodes, and what comes back.

`build` validates and builds the graphs, `plan` reports what is cached; `Collector` gathers the
outcomes an executor (`executors/`) hands back, in whatever order they finish.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import torch

from ..config.loader import ExperimentConfig, load_experiment, match_variant
from ..engine.graph import Node, Plan, RunSummary, make_plan
from ..engine.store import Store, cache_dir
from ..errors import ConfigError
from ..plugins import METHODS, load_plugins
from ..stages.checks import check_components, check_graph
from .preflight import check_inputs, resolve

log = logging.getLogger(__name__)


@dataclass
class Target:
    variant: str
    lang: str
    seed: int
    node: Node


@dataclass
class Experiment:
    configs: dict[str, ExperimentConfig]
    targets: list[Target] = field(default_factory=list)
    reuse_other_code: bool = False  # serve nodes trained by other code instead of retraining them
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @cached_property
    def store(self) -> Store:
        return Store(next(iter(self.configs.values())).store)


def build(path: str | Path, overrides: list[str] | None = None, variants: list[str] | None = None,
          include_base: bool = True, only_seeds: list[int] | None = None,
          reuse_other_code: bool = False, device: str = "auto", precision: str | None = None
          ) -> Experiment:
    """Every variant's config is validated, every graph built and every input checked (data files,
    tags, encoder, dictionaries, device, precision) before anything trains, so a mistake fails in
    seconds and leaves nothing behind. Precision is resolved for the device here, because node keys
    hold the precision the run really uses; `precision` (a replay of a recorded run) imposes the
    precision that run resolved, whatever this machine has."""
    load_plugins()  # the Python API's front door: every component a config can name
    base = load_experiment(path, overrides or [])  # the base config's errors first, even under --variant
    declared = list(base.variants)
    names = ([""] if include_base else []) + [match_variant(v, declared, Path(path).name)
                                              for v in (variants if variants is not None else [])]
    configs, dev = {}, torch.device("cpu")
    for n in names:
        configs[n or "base"], dev = resolve(load_experiment(path, overrides or [], variant=n or None), device,
                                            precision)
    exp = Experiment(configs, reuse_other_code=reuse_other_code, device=dev)
    for vname, cfg in configs.items():
        check_components(cfg)
        check_inputs(cfg, say_missing=vname == next(iter(configs)))  # a missing dev/test said once
        method = METHODS.get(cfg.method)
        targets = [Target(vname, lang, seed, method(cfg, lang, seed))
                   for lang in cfg.data.target_langs for seed in cfg.seeds]
        check_graph(cfg, [t.node for t in targets])
        exp.targets.extend(t for t in targets if not only_seeds or t.seed in only_seeds)
    if only_seeds and not exp.targets:
        raise ConfigError(f"--seed {only_seeds}: none of these is in the experiment's seeds")
    return exp


def row_name(exp: Experiment, variant: str) -> str:
    """Table row of a variant: its YAML key, or for the base config its `label` (default: method)."""
    if variant != "base":
        return variant
    cfg = exp.configs["base"]
    return cfg.label or cfg.method


def plan(exp: Experiment) -> Plan:
    return make_plan([t.node for t in exp.targets], exp.store)


Results = dict[tuple[str, str], list[dict[str, Any]]]  # (variant, lang) -> one row per seed
METRICS = ("dev_f1", "test_f1", "dev_strict_f1", "test_strict_f1")


@dataclass
class Outcome:
    """One (variant, language, seed) after its graph ran: what ran, what came from the cache, and
    either the evaluate node's result or the error that stopped it."""

    target: Target
    ran: list[Node] = field(default_factory=list)
    cached: list[Node] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    live: set[str] = field(default_factory=set)  # node keys whose epochs a worker logged as they ran

    @property
    def ok(self) -> bool:
        return self.error is None


def result_row(out: Outcome) -> dict[str, Any]:
    """A seed's row of the results: its evaluate metrics, or NaN metrics and the error."""
    if out.ok:
        return {"seed": out.target.seed, **out.result}
    return {"seed": out.target.seed, "error": out.error, **{m: math.nan for m in METRICS}}


class Hooks(Protocol):
    """What a tracker needs from a run; `core.tracking.MlflowTracker` implements it."""

    def target_started(self, exp: Experiment, target: Target) -> None: ...

    def epoch_done(self, exp: Experiment, target: Target, node: Node, epoch: int,
                   metrics: dict[str, float]) -> None: ...

    def worker_epoch_logger(self, target: Target, node: Node) -> Callable[..., None] | None:
        """A picklable `services.on_epoch` for a worker process that trains `node` for `target`
        (None: the worker logs no live curves)."""

    def target_done(self, exp: Experiment, outcome: Outcome) -> None: ...

    def group_done(self, exp: Experiment, variant: str, lang: str, outcomes: list[Outcome]) -> None: ...


class Collector:
    """Outcomes as they arrive, in any order (the local executor's grid order, Ray's completion
    order): totals, one results row per seed, hooks per seed and per finished group."""

    def __init__(self, exp: Experiment, hooks: Hooks | None) -> None:
        self.exp, self.hooks = exp, hooks
        self.total = RunSummary()
        self.results: Results = {}
        self.groups: dict[tuple[str, str], list[Outcome]] = {}
        self.sizes = Counter((t.variant, t.lang) for t in exp.targets)
        self.started = time.perf_counter()
        self._ran: dict[str, Node] = {}  # each shared node once: run if any target ran it
        self._cached: dict[str, Node] = {}

    def add(self, out: Outcome) -> None:
        t = out.target
        self._ran.update((n.key, n) for n in out.ran)
        self._cached.update((n.key, n) for n in out.cached)
        self.results.setdefault((t.variant, t.lang), []).append(result_row(out))
        group = self.groups.setdefault((t.variant, t.lang), [])
        group.append(out)
        if out.error is not None:
            first = out.error.splitlines()[0] if out.error else ""
            log.error("%s [%s] %s seed %s failed: %s", self.exp.configs[t.variant].name, t.variant, t.lang,
                      t.seed, first)
        if self.hooks:
            self.hooks.target_done(self.exp, out)
            if len(group) == self.sizes[(t.variant, t.lang)]:
                self.hooks.group_done(self.exp, t.variant, t.lang, sorted(group, key=lambda o: o.target.seed))

    def finish(self) -> tuple[RunSummary, Results]:
        self.total.seconds = time.perf_counter() - self.started
        self.total.ran = list(self._ran.values())
        self.total.cached = [n for k, n in self._cached.items() if k not in self._ran]
        order = {(t.variant, t.lang): i for i, t in reversed(list(enumerate(self.exp.targets)))}
        results = {k: sorted(v, key=lambda r: r["seed"])
                   for k, v in sorted(self.results.items(), key=lambda kv: order[kv[0]])}
        return self.total, results


def services_for(exp: Experiment, device: torch.device | None = None) -> Any:
    from ..stages.services import Services

    cfg0 = next(iter(exp.configs.values()))
    return Services(cache_dir=cache_dir(cfg0.store), device=device or exp.device)


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample std over the finite values (failed seeds are NaN); NaN when none is left."""
    ok = [v for v in values if not math.isnan(v)]
    if not ok:
        return math.nan, math.nan
    return statistics.fmean(ok), (statistics.stdev(ok) if len(ok) > 1 else 0.0)


def mean_std_text(values: list[float]) -> str:
    """`63.55 ± 1.20`; one value: `63.55 (n=1)`, since a zero std would claim a spread never measured;
    none: `—`."""
    m, s = mean_std(values)
    n = sum(not math.isnan(v) for v in values)
    if n == 0:
        return "—"
    return f"{m:6.2f} ± {s:5.2f}" if n > 1 else f"{m:6.2f} (n=1) "


def format_results(results: Results, names: dict[str, str] | None = None) -> str:
    """Mean ± std over seeds per variant and language (failed seeds excluded and counted). A language
    without a target dev or test set has no score there (`—`): score its model with
    `xner predict --evaluate` wherever a labelled file turns up."""
    lines = [f"{'variant':<22} {'lang':<5} {'seeds':>5}  {'dev F1':>14}  {'test F1':>14}"]
    unscored = False
    for (key, lang), rows in results.items():
        variant = (names or {}).get(key, key)
        dev = mean_std_text([r.get("dev_f1", math.nan) for r in rows])
        test = mean_std_text([r.get("test_f1", math.nan) for r in rows])
        ok = sum("error" not in r for r in rows)
        unscored |= ok > 0 and "dev_f1" not in rows[0] and "test_f1" not in rows[0]
        seeds = f"{ok}/{len(rows)}" if ok < len(rows) else str(len(rows))
        lines.append(f"{variant:<22} {lang:<5} {seeds:>5}  {dev:>14}  {test:>14}")
    if unscored:
        lines.append("— : no labelled target dev/test for that language; its models are in the store "
                     "(xner export, xner predict --evaluate GOLD)")
    return "\n".join(lines)
