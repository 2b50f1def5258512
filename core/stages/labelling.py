"""Stages after the teachers: `pseudo_label` (soft labels on D_T^u), `select` (top-ρ by ℓ-score or
all), `distill` (student, Eq. 8) and `evaluate` (Viterbi + both seqeval modes, predictions written)."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..data.batching import make_loader
from ..data.corpus import Corpus
from ..data.metrics import evaluate
from ..data.readers import write_conll
from ..engine.graph import StageContext
from ..inference.predictor import Decoding, Predictor
from ..models import checkpoint as ckpt
from ..models.device import seed_everything
from ..plugins import SELECTORS
from ..train.loop import fit
from ..train.predict import Predictions, predict
from ..train.pseudo import best_of_seeds, l_score, weighted_union
from .relabel import relabel
from .services import Services, label_set_for
from .training import _save, _select, build_discriminators, dataset, encoder_dir, evaluator, step_runner

log = logging.getLogger(__name__)


def _model_roles(ctx: StageContext) -> list[str]:
    return sorted(r for r in ctx.node.inputs if r.startswith("model:"))


def _predict_role(ctx: StageContext, role: str, corpus: Corpus, with_disc: bool) -> Predictions:
    svc: Services = ctx.services
    p = ctx.node.params
    ls = label_set_for(p["data"])
    edir = encoder_dir(ctx)
    model = svc.load_model(p["encoder"], edir, len(ls), ctx.input_dir(role) / ckpt.MODEL)
    disc = None
    if with_disc:
        states = ckpt.load_discriminators(ctx.input_dir(role) / ckpt.DISCRIMINATORS)
        lang = ctx.input_manifest(role)["params"]["discriminators"].get("language")
        if lang is not None and "language" in states:
            mods, _ = build_discriminators({"language": lang}, model.encoder.hidden_size)
            disc = mods["language"].to(svc.device)
            disc.load_state_dict(states["language"])
    encoded = svc.encode(corpus, edir, ls, p["encoder"]["max_length"])
    return predict(model, encoded, svc.device, language_discriminator=disc, precision=p["precision"])


def run_pseudo_label(ctx: StageContext) -> dict[str, Any]:
    """Soft labels per word of the unlabelled target train set, plus each sentence's P(source)."""
    p = ctx.node.params
    corpus = dataset(ctx, p.get("relabel", {}).get("corpus", "D_T_u"))
    roles = _model_roles(ctx)
    disc_role = p.get("discriminator_from")
    preds = {r: _predict_role(ctx, r, corpus, with_disc=(p["combine"] == "best-of-seeds"
                                                       or r == disc_role)) for r in roles}
    if "relabel" in p:  # UniTrans's and CoLaDa's targets (stages/relabel.py)
        return relabel(ctx, corpus, preds)
    chosen = np.zeros(len(corpus), dtype=np.int64)
    if p["combine"] == "best-of-seeds":
        conf = (np.stack([preds[r].mean_max_logit for r in roles])
                if p["confidence"] == "mean-max-logit" else None)
        soft, chosen = best_of_seeds([preds[r].probs for r in roles], conf)
        sp = [preds[r].source_prob for r in roles]
        source_prob = (np.array([sp[m][s] for s, m in enumerate(chosen)])
                       if all(x is not None for x in sp) else None)
    else:
        weights = {f"model:{k}": w for k, w in p["weights"].items()}
        soft = weighted_union({r: preds[r].probs for r in roles}, weights)
        source_prob = preds[disc_role].source_prob if disc_role else None
    table = pa.table({
        "probs": [s.tolist() for s in soft],
        "source_prob": (source_prob if source_prob is not None else np.full(len(soft), np.nan)),
        "chosen": chosen,
    })
    pq.write_table(table, ctx.out / "soft.parquet")
    return {"sentences": len(soft), "has_source_prob": source_prob is not None}


def run_select(ctx: StageContext) -> dict[str, Any]:
    """The sentences the registered selector `strategy` keeps: `all`, or AdvPicker's top ρ by
    ℓ-score (Eq. 6), or a plug-in's."""
    p = ctx.node.params
    table = pq.read_table(ctx.input_dir("pseudo") / "soft.parquet", columns=["source_prob"])
    p_source = table.column("source_prob").to_numpy()
    keep = np.asarray(SELECTORS.get(p["strategy"])(p_source, p["ratio"]), dtype=np.int64)
    (ctx.out / "selected.json").write_text(json.dumps(keep.tolist()))
    mean_l = float(l_score(p_source[keep]).mean()) if len(keep) and not np.isnan(p_source).any() else None
    return {"selected": len(keep), "total": len(p_source), "mean_l_score": mean_l}


def run_distill(ctx: StageContext) -> dict[str, Any]:
    """Θstu: a fresh pretrained encoder + linear head trained on the selected soft labels (Eq. 8)."""
    seed_everything(ctx.node.seed)
    p, svc = ctx.node.params, ctx.services
    train = p["train"]
    ls = label_set_for(p["data"])
    keep = json.loads((ctx.input_dir("select") / "selected.json").read_text())
    vote = train["kd_loss"] == "mse+vote"
    soft_all = pq.read_table(ctx.input_dir("pseudo") / "soft.parquet",
                             columns=["probs", "hard"] if vote else ["probs"])
    probs = soft_all.column("probs").to_pylist()
    hard = soft_all.column("hard").to_pylist() if vote else None
    labelled = ctx.node.inputs["pseudo"].params.get("relabel", {}).get("corpus", "D_T_u")
    corpus = dataset(ctx, labelled).select(keep, name="selected")
    encoded = svc.encode(corpus, encoder_dir(ctx), ls, p["encoder"]["max_length"])
    loader = make_loader(encoded, train["batch_size"], shuffle=True, seed=ctx.node.seed,
                         pin_memory=svc.device.type == "cuda",
                         soft_labels=[np.asarray(probs[i], dtype=np.float32) for i in keep],
                         hard_labels=[hard[i] for i in keep] if hard is not None else None)
    if p.get("init"):  # CoLaDa's M_trans^i goes on from M_tgt^(i-1)
        model = svc.load_model(p["encoder"], encoder_dir(ctx), len(ls), ctx.input_dir("init") / ckpt.MODEL,
                               train)
    else:
        model = svc.new_model(p["encoder"], encoder_dir(ctx), len(ls), train)
    runner = step_runner(ctx, model, {}, {}, train["lr_distill"], 0.0, train["epochs"] * len(loader))
    result = fit(runner, loader, epochs=train["epochs"], evaluate=evaluator(ctx, model),
                 select=_select(train), mode="distill", desc=ctx.node.name,
                 kd_loss=train["kd_loss"], kd_weight=train.get("kd_weight", 1.0),
                 on_epoch=lambda e, m: svc.epoch_done(ctx, e, m, epochs=train["epochs"]))
    return _save(ctx, result, model, {})


def run_evaluate(ctx: StageContext) -> dict[str, Any]:
    """Final scores of one model, or of an ensemble (mean of the models' probabilities, AdvPicker's
    'w/o KD'): Viterbi tags, both seqeval modes per type, CoNLL predictions and the reports. Each model
    is a `Predictor`, the object `xner predict` and the MLflow model tag with, so their tags are these."""
    p, svc = ctx.node.params, ctx.services
    ls = label_set_for(p["data"])
    edir = encoder_dir(ctx)
    decoding = Decoding(tuple(ls.tags), p["encoder"]["max_length"], None, p["viterbi_inside_start"],
                        precision=p["precision"])
    predictors = [Predictor(svc.load_model(p["encoder"], edir, len(ls), ctx.input_dir(r) / ckpt.MODEL),
                            svc.tokenizer(edir), decoding, svc.device)
                  for r in _model_roles(ctx)]
    out: dict[str, Any] = {}
    for split, role in (("dev", "tgt_dev"), ("test", "tgt_test")):
        if role not in p["data"]["files"]:  # a language without labelled dev/test: nothing to score
            log.info("%s: no target %s set, not scored", ctx.node.name, split)
            continue
        corpus = svc.split(p["data"], role)
        encoded = svc.encode(corpus, edir, ls, p["encoder"]["max_length"])
        preds = [pr.probs(encoded=encoded) for pr in predictors]
        mean = [np.mean([m[s] for m in preds], axis=0) for s in range(len(corpus))]
        tags = predictors[0].decode(mean)
        scores = evaluate([s.tags for s in corpus], tags)
        write_conll(corpus, ctx.out / f"{split}_predictions.conll", extra={"pred": tags})
        (ctx.out / f"{split}_report.txt").write_text(scores.report())
        out.update({f"{split}_{k}": v for k, v in scores.as_flat_dict().items()})
    return out
