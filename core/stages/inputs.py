"""Input stages: `encoder` (the pretrained starting point every model copies) and `translate`
(TransAdv §2.2 datasets for one target language)."""

from __future__ import annotations

import json
from typing import Any

from ..engine.graph import StageContext
from ..models.encoder import save_encoder
from ..plugins import ENCODERS
from ..translate.datasets import build_datasets
from ..translate.precomputed import load_precomputed
from ..translate.truecase import TargetCasing
from .services import Services, subsample_indices


def run_encoder(ctx: StageContext) -> dict[str, Any]:
    """A hub/local encoder is used in place (`path`); a `tiny` one is built once, here, and saved,
    so every stage and seed of the experiment starts from the same weights and vocabulary."""
    enc = ctx.node.params["encoder"]
    if enc["name"] != "tiny":
        ENCODERS.get(enc["name"])  # unknown component names fail here, listing the known ones
        return {"path": enc["path"]}
    svc: Services = ctx.services
    corpus: list[list[str]] = []
    for spec in ctx.node.params["vocab_corpora"]:
        path = ctx.node.params["vocab_files"][spec["lang"]]
        corpus += svc.corpus(path, spec["format"], spec["lang"], spec["limit"], spec.get("words", "simple")) \
            .table.column("tokens").to_pylist()
    tiny = enc["tiny"]
    bundle = ENCODERS.build(
        "tiny", corpus=corpus, dropout=enc["dropout"], seed=0, hidden_size=tiny["hidden"],
        num_layers=tiny["layers"], num_heads=tiny["heads"], intermediate_size=2 * tiny["hidden"],
        vocab_size=tiny["vocab_size"])
    save_encoder(bundle, ctx.out / "encoder")
    return {"path": None, "subdir": "encoder", "vocab": len(bundle.tokenizer)}


def run_translate(ctx: StageContext) -> dict[str, Any]:
    """D_T, D_S^swi, D_T^swi, D_S^shu, D_T^shu as parquet files of this node."""
    p, svc = ctx.node.params, ctx.services
    data = p["data"]
    source = svc.split(data, "src_train")
    precomputed = None
    if p.get("precomputed"):  # someone else's translation of the whole source file: cut at the same rows
        full = svc.corpus(data["files"]["src_train"], data["format"], data["source_lang"])
        precomputed = load_precomputed(p["precomputed"], data["format"], data["lang"], len(full),
                                       subsample_indices(len(full), data["max_train"]))
    casing = None
    if p["strategy"].get("casing") == "target":  # how the target language writes each word: D_T^u
        casing = TargetCasing.learn(svc.split(data, "tgt_train").table.column("tokens").to_pylist())
    sets = build_datasets(source, data["lang"], p["dictionary"], p["strategy"], seed=p["shuffle_seed"],
                          cache_dir=svc.cache_dir / "translate", precomputed=precomputed,
                          target_casing=casing)
    for name, corpus in sets.items():
        corpus.to_parquet(ctx.out / f"{name}.parquet")
    (ctx.out / "order.json").write_text(json.dumps(sets.order))
    (ctx.out / "metadata.json").write_text(json.dumps(sets.metadata, indent=1, default=str, sort_keys=True))
    return {"sentences": {k: len(v) for k, v in sets.items()}}
