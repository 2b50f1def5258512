"""CoLaDa's kNN label-consistency weights (core/train/knn.py) on a case computed by hand."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest
import torch

from xner.core.errors import ConfigError
from xner.core.train.knn import auc, consistency_weights, neighbours, type_ids

TAGS = ["O", "B-PER", "I-PER"]
# angles 0°, 6.3°, 20.6°, 90°, 83.7°, 78.1°: the neighbour order below follows from them
VECS = torch.tensor([[1, 0], [0.9, 0.1], [0.8, 0.3], [0, 1], [0.1, 0.9], [0.2, 0.95]])
LABELS = torch.tensor([0, 0, 1, 1, 2, 0])


def sig(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_type_ids_join_b_and_i_of_one_type_and_keep_o_apart() -> None:
    ids = type_ids(["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]).tolist()
    assert ids[1] == ids[2] and ids[3] == ids[4] and len({ids[0], ids[1], ids[3]}) == 3


def test_neighbours_by_cosine_without_identical_vectors_and_with_skip() -> None:
    assert neighbours(VECS, 2, skip=0).tolist() == [[1, 2], [0, 2], [1, 0], [4, 5], [5, 3], [4, 3]]
    assert neighbours(VECS, 1, skip=1)[:, 0].tolist() == [2, 2, 0, 5, 3, 3]
    twin = torch.cat([VECS, VECS[:1] * 3])  # same direction as word 0: never its neighbour, nor itself
    assert 6 not in neighbours(twin, 2, skip=0)[0].tolist()
    assert neighbours(VECS, 2, skip=0, chunk=2).tolist() == neighbours(VECS, 2, skip=0).tolist()


def test_weights_match_the_hand_computed_case() -> None:
    # counts of same-type neighbours (k = 2): 1, 1, 0, 1, 1, 0
    # O (words 0, 1, 5): r = 1, 1, 0, mean 2/3;  B-PER (2, 3): r = 0, 1, mean 1/2;  I-PER (4): r = 1
    w = consistency_weights(VECS, LABELS, TAGS, k=2, alpha=6, mu=1, skip=0).tolist()
    expected = [1.0, 1.0, sig(-3) / sig(3), 1.0, 1.0, sig(-4) / sig(2)]
    assert w == pytest.approx(expected, abs=1e-6)


def test_mu_and_alpha_shape_the_sigmoid() -> None:
    flat = consistency_weights(VECS, LABELS, TAGS, k=2, alpha=0.0, skip=0)
    assert torch.allclose(flat, torch.ones(6))  # a = 0: every word counts fully
    w = consistency_weights(VECS, LABELS, TAGS, k=2, alpha=6, mu=0, skip=0).tolist()
    assert w[5] == pytest.approx(sig(0) / sig(6), abs=1e-6)


def test_a_class_with_no_words_is_skipped_and_a_class_with_no_agreement_weighs_one(caplog) -> None:
    tags = [*TAGS, "B-ORG", "I-ORG"]
    with caplog.at_level(logging.INFO):
        w = consistency_weights(VECS, LABELS, tags, k=2, skip=0)
    assert "B-ORG, I-ORG" in caplog.text and w.shape == (6,)
    lonely = consistency_weights(VECS, torch.tensor([0, 0, 3, 1, 2, 0]), tags, k=2, skip=0)
    assert lonely[2] == 1.0  # its only word has no agreeing neighbour: 0/0 read as 0, no information


def test_k_larger_than_the_corpus_and_bad_input_say_what_to_change() -> None:
    with pytest.raises(ConfigError, match=r"knn.k: 6 neighbours \(\+1 skipped\).*only 5 distinct"):
        consistency_weights(VECS, LABELS, TAGS, k=6)
    with pytest.raises(ConfigError, match=r"knn\.k: 0"):
        neighbours(VECS, 0)
    with pytest.raises(Exception, match="6 word vectors for 5 labels"):
        consistency_weights(VECS, LABELS[:5], TAGS, k=2)


def test_auc_counts_pairs_ordered_right_and_ties_as_half() -> None:
    assert auc(np.array([0.9, 0.8, 0.1]), np.array([True, True, False])) == 1.0
    assert auc(np.array([0.1, 0.9]), np.array([True, False])) == 0.0
    assert auc(np.array([0.5, 0.5, 0.2]), np.array([True, False, False])) == 0.75
    assert auc(np.array([0.5]), np.array([True])) is None
