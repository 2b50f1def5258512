"""Eq. 7 (weighted union), best-of-seeds, ℓ-score (Eq. 6) and top-ρ with ties and rounding."""

from __future__ import annotations

import numpy as np
import pytest

from xner.core.errors import ConfigError
from xner.core.train.pseudo import (
    best_of_seeds,
    l_score,
    normalise_weights,
    selection_size,
    top_ratio,
    weighted_union,
)


def test_eq7_with_uneven_weights() -> None:
    a = [np.array([[1.0, 0.0], [0.0, 1.0]])]
    b = [np.array([[0.0, 1.0], [0.5, 0.5]])]
    c = [np.array([[0.2, 0.8], [0.9, 0.1]])]
    out = weighted_union({"source": a, "entity": b, "order": c}, {"source": 3, "entity": 1, "order": 0})
    assert np.allclose(out[0], [[0.75, 0.25], [0.125, 0.875]])


def test_weights_are_checked() -> None:
    assert normalise_weights({"a": 1, "b": 3}) == {"a": 0.25, "b": 0.75}
    with pytest.raises(ConfigError, match="sum to 0"):
        normalise_weights({"a": 0, "b": 0})
    with pytest.raises(ConfigError, match=">= 0"):
        normalise_weights({"a": -1, "b": 2})
    with pytest.raises(ConfigError, match="produced no labels"):
        weighted_union({"a": [np.ones((1, 2))]}, {"a": 1, "ghost": 1})


def test_best_of_seeds_keeps_most_confident_sequence() -> None:
    m1 = [np.array([[0.9, 0.1], [0.6, 0.4]]), np.array([[0.5, 0.5]])]   # sums 1.5, 0.5
    m2 = [np.array([[0.7, 0.3], [0.7, 0.3]]), np.array([[0.2, 0.8]])]   # sums 1.4, 0.8
    m3 = [np.array([[0.9, 0.1], [0.4, 0.6]]), np.array([[0.8, 0.2]])]   # sums 1.5 (tie), 0.8 (tie)
    kept, chosen = best_of_seeds([m1, m2, m3])
    assert chosen.tolist() == [0, 1]  # ties go to the earlier seed
    assert kept[0] is m1[0] and kept[1] is m2[1]


def test_l_score_values() -> None:
    assert l_score(np.array([0.5, 0.0, 1.0, 0.3, 0.7])).tolist() == pytest.approx([1, 0.5, 0.5, 0.8, 0.8])


def test_selection_size_is_floor_as_in_advpicker_table5() -> None:
    assert selection_size(12167, 0.8) == 9733
    assert selection_size(8405, 0.8) == 6724
    assert selection_size(15836, 0.8) == 12668
    assert selection_size(10, 1.0) == 10 and selection_size(3, 0.1) == 1
    for bad in (0, 1.7, -0.2):
        with pytest.raises(ConfigError, match=r"selection.ratio: .* is not in \(0, 1\]"):
            selection_size(10, bad)


def test_top_ratio_picks_highest_l_score_with_ties_by_order() -> None:
    p_source = np.array([0.5, 0.9, 0.45, 0.55, 0.1, 0.5])
    scores = l_score(p_source)  # 1, .6, .95, .95, .6, 1
    assert top_ratio(scores, 0.5).tolist() == [0, 2, 5]   # 1, 1, then the first .95 (index 2)
    assert top_ratio(scores, 4 / 6).tolist() == [0, 2, 3, 5]
    assert top_ratio(scores, 1.0).tolist() == list(range(6))
