"""Run an experiment: every (variant x target language x seed) graph, sharing nodes, then a summary.

`plan` only reports what would run; `run` executes what is missing (so it is also `resume`) and prints
target dev/test F1 mean ± std per language.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xner.registry  # noqa: F401  (registers every component a config can name)
from xner.core.config import ExperimentConfig, load_experiment
from xner.core.graph import check_components, check_graph
from xner.core.models.device import enable_tf32, resolve_device
from xner.core.pipeline import Node, Plan, RunSummary, execute, make_plan
from xner.core.registry import METHODS
from xner.core.store import Store

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

    @property
    def store(self) -> Store:
        return Store(next(iter(self.configs.values())).store)


def build(path: str | Path, overrides: list[str] | None = None, variants: list[str] | None = None,
          include_base: bool = True) -> Experiment:
    """Every variant's config is validated and every graph built before anything trains, so an unknown
    component or a bad value fails fast."""
    base = load_experiment(path, overrides or [])
    names = ([""] if include_base else []) + list(variants if variants is not None else [])
    configs = {n or "base": load_experiment(path, overrides or [], variant=n or None) for n in names}
    exp = Experiment(configs)
    for vname, cfg in configs.items():
        check_components(cfg)
        method = METHODS.get(cfg.method)
        targets = [Target(vname, lang, seed, method(cfg, lang, seed))
                   for lang in cfg.data.target_langs for seed in cfg.seeds]
        check_graph(cfg, [t.node for t in targets])
        exp.targets.extend(targets)
    del base
    return exp


def plan(exp: Experiment) -> Plan:
    return make_plan([t.node for t in exp.targets], exp.store)


Results = dict[tuple[str, str], list[dict[str, Any]]]  # (variant, lang) -> one row per seed


def run(exp: Experiment, device: str = "auto") -> tuple[RunSummary, Results]:
    from xner.core.stages import STAGES
    from xner.core.stages.services import Services

    cfg0 = next(iter(exp.configs.values()))
    store = exp.store
    dev = resolve_device(device if device != "auto" else cfg0.device)
    if dev.type == "cuda":
        enable_tf32()
    services = Services(cache_dir=Path(cfg0.store).parent / "cache", device=dev, precision=cfg0.precision)
    summary = execute([t.node for t in exp.targets], store, STAGES, services)
    results: Results = {}
    for t in exp.targets:
        res = store.manifest(t.node.stage, t.node.key)["result"]
        results.setdefault((t.variant, t.lang), []).append({"seed": t.seed, **res})
    return summary, results


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def format_results(results: Results) -> str:
    lines = [f"{'variant':<22} {'lang':<5} {'seeds':>5}  {'dev F1':>14}  {'test F1':>14}"]
    for (variant, lang), rows in results.items():
        dm, ds = mean_std([r["dev_f1"] for r in rows])
        tm, ts = mean_std([r["test_f1"] for r in rows])
        lines.append(f"{variant:<22} {lang:<5} {len(rows):>5}  {dm:6.2f} ± {ds:5.2f}  {tm:6.2f} ± {ts:5.2f}")
    return "\n".join(lines)
