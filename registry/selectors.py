"""Selectors by name: which pseudo-labelled sentences the student trains on."""

from ..core.plugins import SELECTORS
from ..core.train.pseudo import l_score, top_ratio


@SELECTORS.register("all")
def select_all(p_source, ratio: float = 1.0):
    """Every sentence (AdvPicker 'w All-Data', TransAdv)."""
    return list(range(len(p_source)))


@SELECTORS.register("adversarial")
def select_adversarial(p_source, ratio: float):
    """Top ρ by ℓ-score 1 - |P(source) - 0.5| (AdvPicker Eq. 6)."""
    return top_ratio(l_score(p_source), ratio).tolist()
