"""The targets UniTrans and CoLaDa train on, against the authors' formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from xner.core.errors import ConfigError
from xner.core.train.steps import kd_soft_ce
from xner.core.train.targets import blend, vote, weighted_hard


def test_vote_keeps_a_word_only_where_every_model_agrees() -> None:
    a = [np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])]
    b = [np.array([[0.7, 0.3], [0.4, 0.6], [0.3, 0.7]])]
    c = [np.array([[0.5, 0.4], [0.1, 0.9], [0.9, 0.1]])]
    assert vote([a, b, c])[0].tolist() == [0, 1, -1]
    assert vote([a])[0].tolist() == [0, 1, 0]
    with pytest.raises(ConfigError):
        vote([])


def test_blend_is_lambda_gold_plus_the_weighted_prediction() -> None:
    p = np.array([[0.6, 0.3, 0.1], [0.2, 0.2, 0.6]], np.float32)
    got = blend([np.array([1, 2])], [p], 0.5, [np.array([1.0, 0.5])])[0]
    want = np.array([[0.3, 0.5 + 0.15, 0.05], [0.05, 0.05, 0.5 + 0.15]])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(blend([np.array([0, 0])], [p], 1.0)[0], [[1, 0, 0], [1, 0, 0]])
    with pytest.raises(ConfigError, match=r"λ must be in \[0, 1\]"):
        blend([np.array([0])], [p[:1]], 1.5)


def test_soft_ce_on_weighted_one_hot_is_the_authors_weighted_nll() -> None:
    """Loss.get_weighted_loss: Σ_i w_i (-log p_i[y_i]) / number of words."""
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 5)
    y = [np.array([0, 3, 1]), np.array([4, 2])]
    w = [np.array([1.0, 0.25, 0.5]), np.array([0.0, 0.8])]
    targets = weighted_hard(y, 5, w)
    soft = torch.zeros(2, 4, 5)
    mask = torch.zeros(2, 4, dtype=torch.bool)
    for s, t in enumerate(targets):
        soft[s, : len(t)] = torch.from_numpy(t)
        mask[s, : len(t)] = True
    nll = -F.log_softmax(logits, -1)
    authors = sum(w[s][i] * nll[s, i, y[s][i]] for s in range(2) for i in range(len(y[s]))) / 5
    assert float(kd_soft_ce(logits, soft, mask)) == pytest.approx(float(authors), rel=1e-6)


def test_unitrans_loss_is_weighted_mse_plus_ce_on_the_voted_words() -> None:
    """modeling.py: λ·mean over words and labels of (p - p_teacher)² + mean CE over the voted words."""
    from xner.core.data.labels import IGNORE_INDEX
    from xner.core.train.steps import kd_mse, voted_ce

    torch.manual_seed(1)
    logits = torch.randn(2, 3, 4)
    teacher = torch.softmax(torch.randn(2, 3, 4), -1)
    mask = torch.tensor([[True, True, False], [True, True, True]])
    hard = torch.tensor([[2, IGNORE_INDEX, IGNORE_INDEX], [IGNORE_INDEX, 0, 3]])
    p = torch.softmax(logits, -1)
    mse = ((p - teacher) ** 2)[mask].mean()  # the authors' torch.mean over active words x labels
    logp = F.log_softmax(logits, -1)
    ce = -(logp[0, 0, 2] + logp[1, 1, 0] + logp[1, 2, 3]) / 3
    assert float(0.5 * kd_mse(logits, teacher, mask) + voted_ce(logits, hard)) == pytest.approx(
        float(0.5 * mse + ce), rel=1e-5)
    nothing = torch.full((2, 3), IGNORE_INDEX)
    assert float(voted_ce(logits, nothing)) == 0.0  # no voted word in the batch: no term, not NaN
