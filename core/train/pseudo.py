"""Soft labels on unlabelled target text: TransAdv's weighted union (Eq. 7), AdvPicker's best-of-seeds,
and AdvPicker's adversarial top-ρ selection by ℓ-score (Eq. 6).

Pure functions over per-sentence arrays `[n_words, L]`, so each number the papers define is testable
without a model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import ConfigError


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """w_k / Σ w: Eq. 7's weights need not be given summing to 1; the sum must be positive."""
    bad = {k: w for k, w in weights.items() if not math.isfinite(w) or w < 0}
    if bad:
        raise ConfigError(f"teachers: weights must be finite and >= 0, got {bad}")
    total = sum(weights.values())
    if total <= 0:
        raise ConfigError(f"teachers: weights {dict(weights)} sum to {total}; at least one must be positive")
    return {k: w / total for k, w in weights.items()}


def weighted_union(
    probs: Mapping[str, Sequence[np.ndarray]], weights: Mapping[str, float]
) -> list[np.ndarray]:
    """Eq. 7: p_uni(x_i) = Σ_k w_k p(x_i, Θ_k), weights normalised; models with weight 0 are skipped."""
    w = normalise_weights(weights)
    missing = set(w) - set(probs)
    if missing:
        raise ConfigError(f"teachers: weight given for {sorted(missing)}, which produced no labels "
                          f"(have {sorted(probs)})")
    live = [k for k, v in w.items() if v > 0]
    n = {len(probs[k]) for k in live}
    if len(n) != 1:
        raise ValueError(f"teachers labelled different numbers of sentences: {n}")
    return [sum(w[k] * probs[k][s] for k in live).astype(np.float32) for s in range(n.pop())]


def summed_confidence(model_probs: Sequence[np.ndarray]) -> np.ndarray:
    """The paper's sequence confidence Σ_i max_y p(y | x_i), per sentence [N]."""
    return np.array([float(s.max(axis=-1).sum()) if len(s) else 0.0 for s in model_probs])


def best_of_seeds(probs: Sequence[Sequence[np.ndarray]], confidence: np.ndarray | None = None
                  ) -> tuple[list[np.ndarray], np.ndarray]:
    """AdvPicker §4.1: per sentence, keep the sequence of the most confident model. Ties go to the
    earlier model. Returns the kept sequences and which model.

    `confidence` [M, N] overrides the paper's summed max probability (`summed_confidence`), e.g. with
    the authors' mean max logit over sub-tokens (overlap_all.py): logits are not bounded by 1, so that
    rule does not reward the most O-confident model the way summed probabilities do.
    """
    if not probs:
        raise ValueError("best_of_seeds needs at least one model")
    n = {len(p) for p in probs}
    if len(n) != 1:
        raise ValueError(f"models labelled different numbers of sentences: {n}")
    conf = (np.stack([summed_confidence(m) for m in probs]) if confidence is None
            else np.asarray(confidence, dtype=np.float64))  # [M, N]
    if conf.shape != (len(probs), n.pop()):
        raise ValueError(f"confidence has shape {conf.shape}, expected {(len(probs), len(probs[0]))}")
    chosen = conf.argmax(axis=0)  # argmax returns the first maximum: ties -> earlier model
    return [probs[m][s] for s, m in enumerate(chosen)], chosen


def l_score(p_source: np.ndarray) -> np.ndarray:
    """AdvPicker Eq. 6: 1 - |P(source | x) - 0.5|."""
    return 1.0 - np.abs(np.asarray(p_source, dtype=np.float64) - 0.5)


def selection_size(n: int, ratio: float) -> int:
    """floor(ρ·N), at least 1. AdvPicker Table 5 confirms floor: de 12167 → 9733, nl 15836 → 12668."""
    if not 0.0 < ratio <= 1.0:
        raise ConfigError(f"selection.ratio: {ratio} is not in (0, 1]")
    return max(1, math.floor(ratio * n + 1e-9)) if n else 0


def top_ratio(scores: np.ndarray, ratio: float) -> np.ndarray:
    """Indices of the floor(ρ·N) highest scores, ties broken by sentence order; returned sorted."""
    scores = np.asarray(scores, dtype=np.float64)
    k = selection_size(len(scores), ratio)
    order = np.lexsort((np.arange(len(scores)), -scores))  # by score desc, then index asc
    return np.sort(order[:k])
