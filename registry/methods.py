"""Methods by name: each builds, for one target language and seed, the stage graph ending in evaluate.

Hybrids come from configuration: e.g. TransAdv with `selection.strategy: adversarial` distils from
the top-ρ of its united soft labels, scored by Θsrc's language discriminator.
"""

from __future__ import annotations

from ..core.config.loader import ExperimentConfig
from ..core.engine.graph import Node
from ..core.errors import ConfigError
from ..core.plugins import METHODS
from ..core.stages.builders import (
    distill_node,
    evaluate_node,
    pseudo_node,
    select_node,
    source_node,
    teacher_node,
)

SOURCE_DISCS = ("language", "order")


def _source_discs(cfg: ExperimentConfig) -> list[str]:
    return [d for d in SOURCE_DISCS if d in cfg.discriminators]


@METHODS.register("mbert-ft")
def mbert_ft(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """Fine-tune on D_S only (Wu & Dredze 2019); evaluate the source model."""
    return evaluate_node(cfg, [source_node(cfg, lang, seed, [], [])])


@METHODS.register("tladv")
def tladv(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """mBERT-TLADV (AdvPicker §3.1): NER on D_S + token-level language adversary vs D_T^u."""
    return evaluate_node(cfg, [source_node(cfg, lang, seed, _source_discs(cfg), ["D_S", "D_T_u"])])


def _ensemble(cfg: ExperimentConfig, lang: str, seed: int) -> list[Node]:
    """The ensemble_size TLADV models (seeds taken in order starting at this run's seed)."""
    k = cfg.pseudo_label.ensemble_size
    if len(cfg.seeds) < k:
        raise ConfigError(f"pseudo_label.ensemble_size: {k} models need {k} seeds, seeds has {cfg.seeds}")
    start = cfg.seeds.index(seed)
    seeds = [cfg.seeds[(start + i) % len(cfg.seeds)] for i in range(k)]
    return [source_node(cfg, lang, s, _source_discs(cfg), ["D_S", "D_T_u"]) for s in sorted(seeds)]


@METHODS.register("advpicker")
def advpicker(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """TLADV x seeds -> best-of-seeds soft labels -> top-ρ by ℓ-score -> distil -> evaluate.

    The ensemble is the same set of TLADV models for every student seed (the paper trains five and
    distils each student from their combination), so its nodes are shared across seeds. With
    `train.epochs: 0`-free 'w/o KD' use method `advpicker-ensemble`.
    """
    models = _ensemble(cfg, lang, seed)
    combine = cfg.pseudo_label.combine or "best-of-seeds"
    weights = {str(m.seed): 1.0 / len(models) for m in models} if combine == "weighted" else None
    pseudo = pseudo_node(cfg, {str(m.seed): m for m in models}, combine, weights,
                         str(models[0].seed) if combine == "weighted" else None)
    return evaluate_node(cfg, [distill_node(cfg, pseudo, select_node(cfg, pseudo), seed)])


@METHODS.register("advpicker-ensemble")
def advpicker_ensemble(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """AdvPicker w/o KD (Table 6): the TLADV ensemble's mean prediction on the test set."""
    return evaluate_node(cfg, _ensemble(cfg, lang, seed))


def _mladv_source(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """TransAdv's Θsrc (§2.3): NER on D_S, its discriminators over D_S, D_T, D_S^swi, D_T^swi."""
    return source_node(cfg, lang, seed, _source_discs(cfg), ["D_S", "D_T", "D_S_swi", "D_T_swi"])


@METHODS.register("mladv")
def mladv(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """TransAdv's Θsrc alone (MLADV, §2.3), evaluated on dev and test.

    It is the very node TransAdv's teachers start from, so beside TransAdv it trains nothing new, and
    MLADV can be set against plain fine-tuning (mbert-ft) on both splits."""
    return evaluate_node(cfg, [_mladv_source(cfg, lang, seed)])


@METHODS.register("transadv")
def transadv(cfg: ExperimentConfig, lang: str, seed: int) -> Node:
    """MLADV Θsrc -> teachers (entity, context, order) -> Eq. 7 union -> select -> distil -> evaluate."""
    src = _mladv_source(cfg, lang, seed)
    weights = cfg.teacher_weights()  # zero-weight teachers are dropped: never trained
    models = {name: (src if name == "source" else teacher_node(cfg, name, src)) for name in weights}
    disc_from = "source" if "language" in src.params["discriminators"] else None
    if disc_from and "source" not in models:
        models["source"] = src
        weights = {**weights, "source": 0.0}
    pseudo = pseudo_node(cfg, models, cfg.pseudo_label.combine or "weighted", weights, disc_from)
    return evaluate_node(cfg, [distill_node(cfg, pseudo, select_node(cfg, pseudo), seed)])
