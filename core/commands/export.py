"""`xner export` and the names `xner predict` takes: a trained model found in the store as a user names
it (experiment + variant + language + seed, or the seed with the best *dev* F1), rebuilt, and written
as a Hugging Face directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..engine.store import Store
from ..errors import ConfigError
from ..inference.export import export_model
from ..runner import build
from ..runner.experiment import row_name
from ..runner.stored import StoredModel, stored_model
from ..tracking.names import EVALUATE_TAG, MODEL_TAG, STORE_TAG

log = logging.getLogger(__name__)


def from_tags(tags: dict[str, str], run_id: str) -> StoredModel:
    """The model an MLflow seed run points at (tags written by the tracker at the seed's end)."""
    missing = [t for t in (MODEL_TAG, EVALUATE_TAG, STORE_TAG) if t not in tags]
    if missing:
        raise ConfigError(f"run {run_id} has no {', '.join(missing)} tag: it is not a finished xner seed "
                          "run with one model (a group or parent run, an ensemble, or logged by an older "
                          "xner); name the model by experiment, --lang and --seed instead")
    store = Store(tags[STORE_TAG])
    model, evaluate = tuple(tags[MODEL_TAG].split("/", 1)), tuple(tags[EVALUATE_TAG].split("/", 1))
    for stage, key in (model, evaluate):
        if not store.has(stage, key):
            raise ConfigError(f"run {run_id}: node {stage}/{key} is not in the store {store.root} (moved, "
                              "or collected by `xner gc`)")
    about = {"method": tags.get("method"), "variant": tags.get("variant"), "language": tags.get("language"),
             "seed": int(tags["seed"]) if tags.get("seed") else None, "run_id": run_id}
    return StoredModel(store, model, evaluate, about)  # type: ignore[arg-type]


def find_model(experiment: str, overrides: list[str], variant: str | None, lang: str | None,
               seed: int | str | None, member: int | None = None) -> StoredModel:
    """The finished model of (variant, language, seed); `seed='best'` picks the best dev F1."""
    exp = build(experiment, overrides, [variant] if variant else [], include_base=variant is None)
    vname = next((v for v in exp.configs if v != "base"), "base")  # the variant as the YAML spells it
    langs = sorted({t.lang for t in exp.targets})
    if lang is None and len(langs) == 1:
        lang = langs[0]
    if lang not in langs:
        raise ConfigError(f"--lang {lang!r}: the experiment's languages are {langs}")
    targets = [t for t in exp.targets if t.variant == vname and t.lang == lang]
    store = exp.store
    done = [t for t in targets if store.has(t.node.stage, t.node.key)]
    if seed == "best":
        if not done:
            raise ConfigError(f"no seed of {row_name(exp, vname)} {lang} has finished; run it first "
                              f"(xner run {experiment})")
        scored = [(store.manifest(t.node.stage, t.node.key)["result"], t) for t in done]
        _, target = max(scored, key=lambda rt: (rt[0].get("dev_f1", float("-inf")), -rt[1].seed))
    else:
        seeds = sorted(t.seed for t in targets)
        if seed is None and len(seeds) == 1:
            seed = seeds[0]
        match = [t for t in targets if t.seed == seed]
        if not match:
            raise ConfigError(f"--seed {seed!r}: the experiment's seeds are {seeds} (or 'best', by dev F1)")
        target = match[0]
        if target not in done:
            raise ConfigError(f"{row_name(exp, vname)} {lang} seed {seed} has not finished (node "
                              f"{target.node.stage} {target.node.key}); run `xner run {experiment}` first")
    return stored_model(exp, target, member)


def export(found: StoredModel, out: str | Path, force: bool = False) -> tuple[Path, float]:
    predictor = found.predictor()
    return export_model(predictor.model, predictor.tokenizer, found.decoding, found.provenance(), out, force)
