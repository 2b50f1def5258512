"""`pseudo_label` with `relabel` params: the labels UniTrans and CoLaDa train their models on.

`relabel` says, for one pseudo node:
  corpus   D_T_u (the unlabelled target text) or D_T (the translated source train set);
  targets  probs  - the (weighted) models' distributions (TSL's and UniTrans's teacher),
           blend  - λ onehot(translated label) + (1-λ) w p (CoLaDa's M_trans^i targets),
           hard   - w onehot(decoded label) (CoLaDa's M_tgt^i targets);
  lambda   λ of `blend`;  decode  viterbi | argmax, the labels of `hard` and of the kNN search;
  knn      CoLaDa's instance collaboration (core/train/knn.py): w per word, else w = 1;
  vote     UniTrans: per word the label every model agrees on, trained by cross-entropy.
The stage writes the targets as the `probs` column that `distill` reads, `hard` for the vote,
`weight` for the kNN weights, and, where the corpus has gold labels, how good its labels are (label
F1, and the kNN weights' AUC at telling right labels from wrong): the diagnostics CoLaDa's claims need.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from ..data.corpus import Corpus
from ..data.metrics import quick_f1
from ..engine.graph import StageContext
from ..models import checkpoint as ckpt
from ..train.knn import auc, consistency_weights
from ..train.predict import Predictions, decode, word_vectors
from ..train.pseudo import weighted_union
from ..train.targets import blend, vote, weighted_hard
from .services import Services, label_set_for
from .training import encoder_dir

log = logging.getLogger(__name__)


def _knn_weights(ctx: StageContext, role: str, corpus: Corpus, labels: list[np.ndarray]) -> list[np.ndarray]:
    """kNN consistency weight per word, in the representation space of the model that labelled it."""
    svc: Services = ctx.services
    p, knn = ctx.node.params, ctx.node.params["relabel"]["knn"]
    ls = label_set_for(p["data"])
    model = svc.load_model(p["encoder"], encoder_dir(ctx), len(ls), ctx.input_dir(role) / ckpt.MODEL)
    encoded = svc.encode(corpus, encoder_dir(ctx), ls, p["encoder"]["max_length"])
    vecs = word_vectors(model, encoded, svc.device, knn["layers"], precision=p["precision"])
    flat = torch.from_numpy(np.concatenate([v for v in vecs if len(v)]))
    ids = torch.from_numpy(np.concatenate(labels))
    w = consistency_weights(flat.to(svc.device), ids.to(svc.device), ls.tags, knn["k"], knn["alpha"],
                            knn["mu"], knn["skip"]).cpu().numpy()
    return np.split(w, np.cumsum([len(x) for x in labels])[:-1])


def relabel(ctx: StageContext, corpus: Corpus, preds: dict[str, Predictions]) -> dict[str, Any]:
    p, r = ctx.node.params, ctx.node.params["relabel"]
    svc: Services = ctx.services
    ls = label_set_for(p["data"])
    roles = sorted(preds)
    kind = r.get("targets", "probs")
    columns: dict[str, Any] = {}
    if kind == "probs":
        targets = weighted_union({ro: preds[ro].probs for ro in roles},
                                 {f"model:{k}": w for k, w in p["weights"].items()})
        labels = [t.argmax(axis=-1) for t in targets]
    else:  # blend and hard relabel with the node's one model
        if len(roles) != 1:
            raise ValueError(f"relabel targets {kind!r} take one model, got {roles}")
        probs = preds[roles[0]].probs
        if kind == "hard" and r.get("decode", "viterbi") == "viterbi":
            labels = [np.array(ls.encode(t)) for t in decode(probs, ls, svc.device)]
        else:
            labels = [pr.argmax(axis=-1) for pr in probs]
        weights = _knn_weights(ctx, roles[0], corpus, labels) if r.get("knn") else None
        if weights is not None:
            columns["weight"] = [w.tolist() for w in weights]
        targets = (blend([np.array(ls.encode(s.tags)) for s in corpus], probs, r["lambda"], weights)
                   if kind == "blend" else weighted_hard(labels, len(ls), weights))
    if r.get("vote"):
        hard = vote([preds[ro].probs for ro in roles])
        columns["hard"] = [h.tolist() for h in hard]
    n = len(targets)
    pq.write_table(pa.table({"probs": [t.tolist() for t in targets], "source_prob": np.full(n, np.nan),
                             "chosen": np.zeros(n, np.int64), **columns}), ctx.out / "soft.parquet")
    return {"sentences": len(targets), "has_source_prob": False, **_quality(ctx, corpus, labels, columns)}


def _quality(ctx: StageContext, corpus: Corpus, labels: list[np.ndarray], columns: dict[str, Any]
             ) -> dict[str, Any]:
    """How right the labels are where the corpus has gold tags (never used for training)."""
    p, r = ctx.node.params, ctx.node.params["relabel"]
    corpus_name = r.get("corpus", "D_T_u")
    if corpus_name == "D_T_u" and p["data"].get("unlabeled_format", "labelled") != "labelled":
        return {}
    ls = label_set_for(p["data"])
    gold = [s.tags for s in corpus]
    out: dict[str, Any] = {"label_f1": quick_f1(gold, [ls.decode(x.tolist()) for x in labels])[0]}
    right = np.concatenate([np.array(ls.encode(g)) == x for g, x in zip(gold, labels, strict=True)])
    out["label_accuracy"] = float(right.mean()) if len(right) else None
    if "weight" in columns:
        w = np.concatenate([np.array(x) for x in columns["weight"]])
        out["knn_weight_mean"] = float(w.mean())
        out["knn_weight_auc"] = auc(w, right)
    if "hard" in columns:
        h = np.concatenate([np.array(x) for x in columns["hard"]])
        out["voted_fraction"] = float((h >= 0).mean()) if len(h) else None
        out["voted_accuracy"] = float(right[h >= 0].mean()) if (h >= 0).any() else None
    log.info("%s on %s: label F1 %.2f%s", ctx.node.name, corpus_name, out["label_f1"],
             f", kNN weight AUC {out['knn_weight_auc']:.3f}" if out.get("knn_weight_auc") is not None else "")
    return out
