"""The papers' diagnostics, computed from finished nodes of the store (nothing here trains a stage).

* `language_probe` — AdvPicker Table 3: a fresh token-level language discriminator (Eq. 3) trained on
  the *frozen* features of an encoder; lower accuracy = more language-independent features.
* `pseudo_quality` — AdvPicker Tables 4/5 and TransAdv's teachers: F1 of the soft labels against the
  gold tags of the target train set (read only here, never by training), overall and for the
  selected / other sentences, each model alone and each best-of-seeds confidence rule.
* `split_scores` — AdvPicker Table 7: every method's test F1 on the selected and other parts of the
  target test set, split the way the training set is (ℓ-score top ρ).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import torch
import torch.nn.functional as F

from ..data.batching import make_loader
from ..data.corpus import Corpus
from ..data.labels import IGNORE_INDEX
from ..data.metrics import quick_f1, quick_type_f1
from ..engine.graph import Node, StageContext
from ..engine.store import Store
from ..models.checkpoint import MODEL
from ..models.discriminators import LanguageDiscriminator
from ..stages.labelling import _model_roles, _predict_role
from ..stages.services import Services, label_set_for
from ..stages.training import encoder_dir
from ..train.predict import decode
from ..train.pseudo import best_of_seeds, l_score, top_ratio
from .dev_errors import read_dev_predictions

log = logging.getLogger(__name__)


def source_kind(node: Node) -> str:
    """How a Θsrc was trained, by its discriminators: the row names of AdvPicker Table 3."""
    discs = sorted(node.params["discriminators"])
    return {(): "fine-tuned (mBERT-ft)", ("language",): "TLADV",
            ("language", "order"): "MLADV (TransAdv Θsrc)"}.get(tuple(discs), "+".join(discs))


# -- Table 3 ------------------------------------------------------------------------------------
@torch.no_grad()
def word_features(model: torch.nn.Module, corpus: Corpus, svc: Services, edir: str, max_length: int,
                  data: Mapping[str, Any]) -> torch.Tensor:
    """Encoder features [N_words, H] at the first sub-token of every word."""
    model.eval()
    encoded = svc.encode(corpus, edir, label_set_for(data), max_length)
    out = []
    for batch in make_loader(encoded, 64, shuffle=False):
        h = model.encoder(batch["input_ids"].to(svc.device), batch["attention_mask"].to(svc.device))
        out.append(h[(batch["labels"] != IGNORE_INDEX).to(svc.device)].float().cpu())  # [n, H]
    return torch.cat(out)


def probe_accuracy(train: tuple[torch.Tensor, torch.Tensor], test: tuple[torch.Tensor, torch.Tensor],
                   hidden: int = 500, epochs: int = 2, seed: int = 0, min_steps: int = 300) -> float:
    """Accuracy (%) of Eq. 3's discriminator trained on (source, target) features, then scored on
    held-out (source, target) features; every encoder weight stays fixed. It trains `epochs` passes
    of 256-word batches, and at least `min_steps` steps, so a small sample still converges."""
    torch.manual_seed(seed)
    x = torch.cat(train)  # [N, H]
    y = torch.cat([torch.ones(len(train[0])), torch.zeros(len(train[1]))])  # 1 = source
    disc = LanguageDiscriminator(x.shape[1], hidden)
    opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
    per_epoch = -(-len(x) // 256)
    for _ in range(max(epochs, -(-min_steps // per_epoch))):
        for idx in torch.randperm(len(x)).split(256):
            loss = F.binary_cross_entropy_with_logits(disc(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        xt = torch.cat(test)
        yt = torch.cat([torch.ones(len(test[0])), torch.zeros(len(test[1]))])
        return 100.0 * float(((disc(xt) > 0) == yt.bool()).float().mean())


def _sample(corpus: Corpus, limit: int) -> Corpus:
    if len(corpus) <= limit:
        return corpus
    return corpus.select(sorted(random.Random(0).sample(range(len(corpus)), limit)), name=f"{corpus.name}~")


def language_probe(store: Store, svc: Services, sources: Sequence[Node], max_sentences: int = 1000
                   ) -> list[dict]:
    """One row per encoder: the plain pretrained encoder, and every finished Θsrc.

    Train: source train vs target train (what TLADV saw); test: source dev vs target test."""
    rows: list[dict] = []
    if not sources:
        return rows
    first = sources[0]
    data, enc = first.params["data"], first.params["encoder"]
    splits = {r: _sample(svc.split(data, r), max_sentences) for r in ("src_train", "tgt_train", "src_dev",
                                                                      "tgt_test")}
    ls = label_set_for(data)
    todo: list[tuple[str, int | None, Node | None]] = [("pretrained encoder", None, None)]
    todo += [(source_kind(n), n.seed, n) for n in sources]
    for kind, seed, node in todo:
        ctx = StageContext(node or first, Path(), store, svc)
        edir = encoder_dir(ctx)
        model = (svc.new_model(enc, edir, len(ls)) if node is None else
                 svc.load_model(enc, edir, len(ls), store.path(node.stage, node.key) / MODEL))
        feats = {r: word_features(model, c, svc, edir, enc["max_length"], data)
                 for r, c in splits.items()}
        acc = probe_accuracy((feats["src_train"], feats["tgt_train"]), (feats["src_dev"], feats["tgt_test"]))
        rows.append({"model": kind, "seed": seed, "accuracy": acc})
        log.info("language probe: %s seed %s -> %.2f%% accuracy", kind, seed, acc)
    return rows


# -- Tables 4/5 and TransAdv's teachers ---------------------------------------------------------
@dataclass
class Labelled:
    """Per-model predictions of one pseudo_label node's inputs on a corpus, and the gold tags."""

    node: Node
    corpus: Corpus
    preds: dict  # role -> Predictions

    @property
    def gold(self) -> list[list[str]]:
        return [s.tags for s in self.corpus]


def label_with(store: Store, svc: Services, pseudo: Node, role: str) -> Labelled:
    """Every input model of `pseudo` on `role` (tgt_train or tgt_test), with its discriminator."""
    ctx = StageContext(pseudo, Path(), store, svc)
    corpus = svc.split(pseudo.params["data"], role)
    preds = {}
    for r in _model_roles(ctx):  # a model shared by several pseudo-label nodes is run once
        key = ("predictions", pseudo.inputs[r].key, corpus.fingerprint)
        if key not in svc.memo:
            svc.memo[key] = _predict_role(ctx, r, corpus, with_disc=True)
        preds[r] = svc.memo[key]
    return Labelled(pseudo, corpus, preds)


def _f1(gold: list[list[str]], probs: Sequence[np.ndarray], data: Mapping[str, Any], svc: Services,
        keep: Sequence[int] | None = None) -> float:
    idx = range(len(gold)) if keep is None else keep
    if not len(idx):
        return float("nan")
    tags = decode([probs[i] for i in idx], label_set_for(data), svc.device)
    return quick_f1([gold[i] for i in idx], tags)[0]


def label_scores(gold: list[list[str]], probs: Sequence[np.ndarray], data: Mapping[str, Any], svc: Services
                 ) -> dict:
    """F1 of Viterbi-decoded labels, overall and per entity type (`f1_MISC`...): the type that
    collapses in a student shows here first, in the labels it learns from."""
    tags = decode(list(probs), label_set_for(data), svc.device)
    overall, per_type = quick_type_f1(gold, tags)
    return {"f1_all": overall, **{f"f1_{t}": v for t, v in per_type.items()}}


def choose(lab: Labelled, rule: str) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Best-of-seeds under `rule`, and the chosen model's P(source) per sentence."""
    roles = sorted(lab.preds)
    conf = (np.stack([lab.preds[r].mean_max_logit for r in roles]) if rule == "mean-max-logit" else None)
    soft, chosen = best_of_seeds([lab.preds[r].probs for r in roles], conf)
    sp = [lab.preds[r].source_prob for r in roles]
    if any(x is None for x in sp):
        return soft, None
    return soft, np.array([sp[m][s] for s, m in enumerate(chosen)])


def split_f1(lab: Labelled, soft: Sequence[np.ndarray], keep: np.ndarray, svc: Services) -> dict:
    data = lab.node.params["data"]
    other = np.setdiff1d(np.arange(len(soft)), keep)
    return {"f1_all": _f1(lab.gold, soft, data, svc), "f1_selected": _f1(lab.gold, soft, data, svc, keep),
            "f1_other": _f1(lab.gold, soft, data, svc, other), "n_selected": len(keep), "n_other": len(other)}


def pseudo_quality(store: Store, svc: Services, pseudo: Node, ratios: Sequence[float]) -> list[dict]:
    """Rows: each input model alone, each combination rule, and the node's own stored soft labels,
    with F1 on the selected / other sentences for every ρ a select node of it uses."""
    lab = label_with(store, svc, pseudo, "tgt_train")
    data = pseudo.params["data"]
    rows: list[dict] = []
    for role in sorted(lab.preds):
        rows.append({"labels": role.removeprefix("model:"),
                     **label_scores(lab.gold, lab.preds[role].probs, data, svc)})
    stored = pq.read_table(store.path("pseudo_label", pseudo.key) / "soft.parquet").to_pydict()
    soft = [np.asarray(p, dtype=np.float32) for p in stored["probs"]]
    p_source = np.asarray(stored["source_prob"], dtype=np.float64)
    name = f"{pseudo.params['combine']}" + (f" ({pseudo.params['confidence']})"
                                            if pseudo.params.get("confidence") else "")
    candidates = [(f"stored: {name}", soft, None if np.isnan(p_source).any() else p_source)]
    if pseudo.params["combine"] == "best-of-seeds":
        candidates += [(f"best-of-seeds ({rule})", *choose(lab, rule))
                       for rule in ("sum-prob", "mean-max-logit")]
    for i, (label, probs, ps) in enumerate(candidates):
        types = label_scores(lab.gold, probs, data, svc) if i == 0 else {}  # the stored labels, all sentences
        types.pop("f1_all", None)
        for ratio in ratios if ps is not None else [1.0]:
            keep = top_ratio(l_score(ps), ratio) if ps is not None else np.arange(len(probs))
            rows.append({"labels": label, "rho": ratio, **split_f1(lab, probs, keep, svc), **types})
    return rows


# -- Table 7 ------------------------------------------------------------------------------------
def test_split(store: Store, svc: Services, pseudo: Node, ratio: float) -> tuple[np.ndarray, int]:
    """Indices of the target test sentences AdvPicker's discriminators would select, and the count."""
    lab = label_with(store, svc, pseudo, "tgt_test")
    _, ps = choose(lab, pseudo.params.get("confidence") or "sum-prob")
    if ps is None:
        raise ValueError("the pseudo-labelling models have no language discriminator to split test with")
    return top_ratio(l_score(ps), ratio), len(lab.corpus)


def read_predictions(path: Path) -> tuple[list[list[str]], list[list[str]]]:
    """(gold, pred) tags from an evaluate node's `token GOLD PRED` file."""
    _, gold, pred = read_dev_predictions(path)
    return gold, pred


def split_scores(store: Store, evaluate: Node, keep: np.ndarray) -> dict:
    gold, pred = read_predictions(store.path("evaluate", evaluate.key) / "test_predictions.conll")
    other = np.setdiff1d(np.arange(len(gold)), keep)

    def f1(idx: np.ndarray) -> float:
        return quick_f1([gold[i] for i in idx], [pred[i] for i in idx])[0]

    return {"test_selected": f1(keep), "test_other": f1(other), "test_all": f1(np.arange(len(gold)))}
