"""Training targets of the methods that relabel a corpus with their own models (TSL, UniTrans, CoLaDa).

Each target is a per-sentence array `[n_words, L]` that the distillation losses read as a (possibly
unnormalised) distribution q: soft-CE gives -Σ_l q_l log p_l per word, so a one-hot row scaled by w
is exactly a weighted hard-label cross-entropy. Pure functions, each tested against the authors'
formula (tests/train/test_targets.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError


def one_hot(ids: np.ndarray, n_labels: int) -> np.ndarray:
    out = np.zeros((len(ids), n_labels), dtype=np.float32)
    out[np.arange(len(ids)), ids] = 1.0
    return out


def vote(probs: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
    """UniTrans's voting (`prepare_dataset_token_level_combine`): per word, the first model's argmax
    where every model's argmax agrees with it, else -1 (no hard label). `probs[m][s]` is [n_words, L]."""
    if not probs:
        raise ConfigError("vote: no models to vote")
    out = []
    for s in range(len(probs[0])):
        tops = np.stack([np.asarray(m[s]).argmax(axis=-1) for m in probs])  # [M, n_words]
        agree = (tops == tops[0]).all(axis=0)
        out.append(np.where(agree, tops[0], -1).astype(np.int64))
    return out


def blend(gold: Sequence[np.ndarray], probs: Sequence[np.ndarray], lam: float,
          weights: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """CoLaDa's denoised translation labels (`train_filter_trans`): λ onehot(y) + (1-λ) w p, with y the
    translated gold tag ids, p the previous target model's prediction and w its kNN weight (1 without
    instance collaboration). Not renormalised, as in the authors' code."""
    if not 0.0 <= lam <= 1.0:
        raise ConfigError(f"colada.blend: λ must be in [0, 1], got {lam}")
    out = []
    for s, (y, p) in enumerate(zip(gold, probs, strict=True)):
        p = np.asarray(p, dtype=np.float32)
        w = np.ones(len(p), np.float32) if weights is None else np.asarray(weights[s], np.float32)
        out.append(lam * one_hot(np.asarray(y), p.shape[-1]) + (1 - lam) * w[:, None] * p)
    return out


def weighted_hard(ids: Sequence[np.ndarray], n_labels: int,
                  weights: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """w onehot(y) per word: soft-CE on it is CoLaDa's weighted NLL of M_tgt (`kd_train`, `T=0`)."""
    return [one_hot(np.asarray(y), n_labels) * (1.0 if weights is None else
                                                  np.asarray(weights[s], np.float32)[:, None])
            for s, y in enumerate(ids)]
