"""Checks of an experiment against the graph it builds: every component name registered, every
configured teacher and discriminator really trained, and which settings the graph never reads (so
the params logged to MLflow are the ones that made the result)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..config.loader import ExperimentConfig
from ..engine.graph import Node
from ..errors import ConfigError
from ..plugins import DISCRIMINATORS, SELECTORS, TEACHERS

log = logging.getLogger(__name__)


def check_components(cfg: ExperimentConfig) -> None:
    """Every name the experiment uses must be registered; fails before any graph is built."""
    from ..errors import UnknownComponentError
    from ..plugins import ENCODERS, EXECUTORS, METHODS, TRANSLATORS, WORD_TOKENIZERS

    uses = [("method", METHODS, cfg.method), ("encoder.name", ENCODERS, cfg.encoder.name),
            ("selection.strategy", SELECTORS, cfg.selection.strategy),
            ("execution.executor", EXECUTORS, cfg.execution.executor)]
    if cfg.translation.strategy != "none":
        uses.append(("translation.strategy", TRANSLATORS, cfg.translation.strategy))
    if cfg.translation.fallback:
        uses.append(("translation.fallback", TRANSLATORS, cfg.translation.fallback))
    uses += [(f"discriminators.{n}", DISCRIMINATORS, n) for n in cfg.discriminators]
    uses += [(f"teachers.{n}", TEACHERS, n) for n in cfg.teachers]
    if cfg.data.unlabeled_format == "raw":
        uses.append(("data.word_tokenizer", WORD_TOKENIZERS, cfg.data.word_tokenizer))
    for where, registry, name in uses:
        try:
            registry.get(name)
        except UnknownComponentError as exc:
            raise UnknownComponentError(f"{where}: {exc}") from None


def check_graph(cfg: ExperimentConfig, targets: list[Node]) -> None:
    """What the experiment configures must be what its graph trains: a teacher weight or a
    discriminator that the method never builds would otherwise be silently ignored, and a table
    labelled 'with Θentity' would describe a model that never had one."""
    from ..engine.graph import topological

    nodes = topological(targets)
    built = {n.params["teacher"] for n in nodes if n.stage == "teacher"}
    if any(n.stage == "source" for n in nodes):
        built.add("source")
    weights = cfg.teacher_weights()
    for name in weights:
        if name not in built:
            raise ConfigError(
                f"teachers.{name}.weight: {cfg.teachers[name].weight:g}, but method {cfg.method!r} "
                f"builds no {name!r} teacher (it builds: {', '.join(sorted(built)) or 'none'}); "
                f"set the weight to 0 or remove the entry")
    used = {d for n in nodes for d in n.params.get("discriminators", {})}
    source_discs = {d for n in nodes if n.stage == "source" for d in n.params["discriminators"]}
    for name in sorted(used):
        init = DISCRIMINATORS.get(name).get("init_from")
        if init in source_discs and cfg.discriminators[name].hidden != cfg.discriminators[init].hidden:
            raise ConfigError(
                f"discriminators.{name}.hidden: {cfg.discriminators[name].hidden}, but it starts from "
                f"Θsrc's {init} discriminator (discriminators.{init}.hidden: "
                f"{cfg.discriminators[init].hidden}); give both the same size")
    unused, explained = sorted(set(cfg.discriminators) - used), []
    for name in unused:
        owner = [t for t in TEACHERS.names() if TEACHERS.get(t).get("discriminator") == name]
        init = DISCRIMINATORS.get(name).get("init_from")
        ablated = any(t in cfg.teachers and t not in built for t in owner)  # weight 0
        orphan = init and init not in source_discs and any(t in built for t in owner)
        if ablated or orphan:
            explained.append(name)  # its teacher was ablated, or Θsrc lacks the discriminator it starts from
    if explained:
        log.debug("discriminators %s not trained: their teacher is not built or Θsrc has no %s",
                 ", ".join(explained), "language discriminator")
    unused = [d for d in unused if d not in explained]
    if unused:
        raise ConfigError(
            f"discriminators: {', '.join(unused)} configured, but method {cfg.method!r} never trains "
            f"{'it' if len(unused) == 1 else 'them'} in this graph; remove the entry (`name: null`)")


def unread_settings(cfg: ExperimentConfig, nodes: list[Node]) -> tuple[str, ...]:
    """Dotted prefixes of the settings that this graph never reads, so that the params logged to
    MLflow are the ones that made the result (an mBERT-ft run has no translation strategy, a tiny
    encoder no hub path)."""
    stages = {n.stage for n in nodes}
    discs = {d for n in nodes for d in n.params.get("discriminators", {})}
    weights = {k for n in nodes if n.stage == "pseudo_label" for k in n.params["weights"]}
    combines = {n.params["combine"] for n in nodes if n.stage == "pseudo_label"}
    out = ["search", "variants", "execution",  # how and where, never what: no result depends on them
           "label", "variant", "published",  # names and others' numbers, not settings
           "encoder.path" if cfg.encoder.name == "tiny" else "encoder.tiny"]
    if "translate" not in stages:
        out.append("translation")
    elif cfg.translation.strategy == "lexicon-word":
        out.append("translation.mt")
    elif cfg.translation.fallback != "lexicon-word":
        out.append("translation.dictionary")
    relabels = [n.params["relabel"] for n in nodes if n.stage == "pseudo_label" and "relabel" in n.params]
    if not any("knn" in r or "lambda" in r for r in relabels):
        out.append("colada")
    if not any(r.get("vote") is not None for r in relabels):
        out.append("unitrans")
    if "pseudo_label" not in stages:
        out.append("pseudo_label")
    elif "best-of-seeds" not in combines:
        out.append("pseudo_label.confidence")
    if len({n.seed for n in nodes if n.stage == "source"}) <= 1:
        out.append("pseudo_label.ensemble_size")  # only an ensemble of seeds reads it
    if "select" not in stages:
        out.append("selection")
    if not weights & set(cfg.teachers):
        out.append("teachers")
    if "distill" not in stages:
        out += ["train.distill_epochs", "train.lr_distill", "train.kd_loss"]
    if "teacher" not in stages:
        out.append("train.teacher_epochs")
    if not discs:
        out += ["discriminators", "train.lr_generator", "train.lr_discriminator", "train.adversarial_batches",
                "train.adversarial_reduction", "train.discriminator_weight_decay"]
    return tuple(dict.fromkeys(out))


def read_params(flat: Mapping[str, Any], unread: tuple[str, ...]) -> dict[str, Any]:
    """`flat` (dotted keys) without the settings under any `unread` prefix."""
    return {k: v for k, v in flat.items() if not any(k == p or k.startswith(p + ".") for p in unread)}
