"""Selectors by name: which pseudo-labelled sentences the student trains on.

The `select` stage calls `SELECTORS.get(selection.strategy)(p_source, ratio)` and keeps the sentence
indices it returns; `p_source` holds each sentence's P(source) from the labelling models' language
discriminator (NaN where they have none).
"""

import numpy as np

from ..core.plugins import SELECTORS
from ..core.train.pseudo import l_score, top_ratio


@SELECTORS.register("all")
def select_all(p_source: np.ndarray, ratio: float = 1.0) -> np.ndarray:
    """Every sentence (AdvPicker 'w All-Data', TransAdv)."""
    return np.arange(len(p_source))


@SELECTORS.register("adversarial")
def select_adversarial(p_source: np.ndarray, ratio: float) -> np.ndarray:
    """Top ρ by ℓ-score 1 - |P(source) - 0.5| (AdvPicker Eq. 6)."""
    if np.isnan(p_source).any():
        raise ValueError("adversarial selection needs P(source) from a language discriminator, "
                         "but the pseudo-labelling models have none")
    return top_ratio(l_score(p_source), ratio)
