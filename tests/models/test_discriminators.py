"""Discriminator modules and losses: Eq. 3-6 of TransAdv, Eq. 3, 5, 6 of AdvPicker."""

from __future__ import annotations

import math

import torch

from xner.core.models.discriminators import (
    LanguageDiscriminator,
    OrderDiscriminator,
    l_score,
    sentence_bce,
    sentence_source_probability,
    token_bce,
)


def test_language_discriminator_is_two_linear_layers_with_relu() -> None:
    torch.manual_seed(0)
    d = LanguageDiscriminator(8, hidden=5)
    h = torch.randn(2, 3, 8)
    expected = d.w1(torch.relu(d.w2(h))).squeeze(-1)
    assert d(h).shape == (2, 3)
    assert torch.allclose(d(h), expected)
    assert d.w2.out_features == 5 and d.w1.out_features == 1


def test_order_discriminator_uses_last_real_token_only() -> None:
    torch.manual_seed(0)
    d = OrderDiscriminator(4, hidden=6)
    h = torch.randn(1, 3, 4)
    short = d(h, torch.ones(1, 3, dtype=torch.bool))
    padded = torch.cat([h, torch.randn(1, 5, 4) * 100], dim=1)  # garbage in the padding
    mask = torch.tensor([[1, 1, 1, 0, 0, 0, 0, 0]], dtype=torch.bool)
    assert torch.allclose(short, d(padded, mask), atol=1e-6)
    # and the last real token does matter
    h2 = h.clone()
    h2[0, 2] += 1.0
    assert not torch.allclose(short, d(h2, torch.ones(1, 3, dtype=torch.bool)))


def test_token_bce_matches_eq5_and_ignores_masked_tokens() -> None:
    logits = torch.tensor([[0.3, -1.2, 2.0]])
    labels = torch.tensor([[1, 0, 1]])
    mask = torch.tensor([[1, 1, 0]], dtype=torch.bool)
    p = torch.sigmoid(logits)[0]
    by_hand = -(math.log(p[0]) + math.log(1 - p[1])) / 2
    assert math.isclose(token_bce(logits, labels, mask).item(), by_hand, rel_tol=1e-6)
    # L_g flips the labels: -(log(1-p0) + log(p1)) / 2
    flipped = -(math.log(1 - p[0]) + math.log(p[1])) / 2
    assert math.isclose(token_bce(logits, labels, mask, flip=True).item(), flipped, rel_tol=1e-6)
    changed = logits.clone()
    changed[0, 2] = -50.0  # a masked token cannot change the loss
    assert token_bce(changed, labels, mask).item() == token_bce(logits, labels, mask).item()


def test_token_bce_empty_mask_is_zero_with_graph() -> None:
    logits = torch.randn(2, 4, requires_grad=True)
    loss = token_bce(logits, torch.ones(2, 4), torch.zeros(2, 4, dtype=torch.bool))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.count_nonzero(logits.grad) == 0


def test_sentence_bce() -> None:
    logits = torch.tensor([0.0, 2.0])
    labels = torch.tensor([1, 0])
    by_hand = -(math.log(0.5) + math.log(1 - 1 / (1 + math.exp(-2.0)))) / 2
    assert math.isclose(sentence_bce(logits, labels).item(), by_hand, rel_tol=1e-6)


def test_sentence_probability_and_l_score() -> None:
    logits = torch.tensor([[0.0, 100.0, -100.0], [100.0, 100.0, 0.0]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]], dtype=torch.bool)
    p = sentence_source_probability(logits, mask)
    assert torch.allclose(p, torch.tensor([0.5, 1.0]), atol=1e-6)
    assert torch.allclose(l_score(torch.tensor([0.5, 0.0, 1.0, 0.8])),
                          torch.tensor([1.0, 0.5, 0.5, 0.7]))
