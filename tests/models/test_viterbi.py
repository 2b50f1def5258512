"""Constrained Viterbi: exact against brute force, always IOB2-valid, batch- and device-invariant."""

from __future__ import annotations

import itertools
from functools import cache

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.core.data.labels import LabelSet, is_valid_sequence
from xner.core.models.viterbi import (
    ViterbiDecoder,
    select_first_subtokens,
    viterbi_decode,
    viterbi_decode_padded,
)

LABEL_SETS = {n: LabelSet(("LOC", "ORG", "PER")[:n]) for n in (1, 2, 3)}  # 3, 5 and 7 tags


@cache
def valid_paths(n_types: int, length: int) -> torch.Tensor:
    """Every IOB2-valid tag sequence of `length` as ids [N, length], found by exhaustive search."""
    ls = LABEL_SETS[n_types]
    seqs = [
        s for s in itertools.product(range(len(ls)), repeat=length) if is_valid_sequence(ls.decode(s))
    ]
    return torch.tensor(seqs, dtype=torch.long).reshape(len(seqs), length)  # [N, length]


def brute_force(emissions: torch.Tensor, n_types: int) -> tuple[list[int], float]:
    """Best valid path of one row `emissions` [n, L] and its summed score."""
    n = emissions.shape[0]
    if n == 0:
        return [], 0.0
    paths = valid_paths(n_types, n)  # [N, n]
    scores = emissions[torch.arange(n)[None, :], paths].sum(dim=1)  # [N]
    best = int(scores.argmax())
    return paths[best].tolist(), float(scores[best])


def random_batch(gen: torch.Generator, n_labels: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Ragged batch of log-softmax emissions [B, 5, L]; some rows pushed towards `I-X` everywhere."""
    b, t = 6, 5
    scale = float(torch.empty(()).uniform_(0.2, 6.0, generator=gen))
    logits = torch.randn(b, t, n_labels, generator=gen, dtype=torch.float64) * scale  # [B, T, L]
    logits[: b // 2, :, 2::2] += 3.0  # odd tag positions 2, 4, 6 are the I-X tags
    lengths = torch.randint(0, t + 1, (b,), generator=gen)  # [B], includes 0 and t
    lengths[0], lengths[1] = 1, t
    mask = torch.arange(t)[None, :] < lengths[:, None]  # [B, T]
    return torch.log_softmax(logits, dim=-1), mask


@pytest.mark.parametrize("n_types", [1, 2, 3])
def test_matches_brute_force_on_score_and_path(n_types: int) -> None:
    ls = LABEL_SETS[n_types]
    start, trans = ls.transition_mask()
    gen = torch.Generator().manual_seed(1000 + n_types)
    checked = 0
    for _ in range(60):
        log_probs, mask = random_batch(gen, len(ls))
        paths, scores = viterbi_decode_padded(log_probs, mask, start, trans)
        decoded = viterbi_decode(log_probs, mask, start, trans)
        for i in range(log_probs.shape[0]):
            n = int(mask[i].sum())
            want_path, want_score = brute_force(log_probs[i, :n], n_types)
            assert decoded[i] == want_path
            assert paths[i, :n].tolist() == want_path and (paths[i, n:] == -1).all()
            assert float(scores[i]) == pytest.approx(want_score, abs=1e-9)
            checked += 1
    assert checked == 60 * 6


def test_invalid_greedy_argmax_is_repaired() -> None:
    ls = LABEL_SETS[1]  # O, B-LOC, I-LOC
    probs = torch.tensor([[[0.1, 0.3, 0.6], [0.05, 0.05, 0.9], [0.5, 0.1, 0.4]]])  # [1, 3, 3]
    mask = torch.ones(1, 3, dtype=torch.bool)
    greedy = ls.decode(probs.argmax(-1)[0].tolist())
    assert greedy == ["I-LOC", "I-LOC", "O"] and not is_valid_sequence(greedy)
    assert ViterbiDecoder(ls).decode_tags(probs, mask, space="probs") == [["B-LOC", "I-LOC", "O"]]


def test_underflowed_probabilities_still_decode_the_sentence() -> None:
    """A softmax that underflowed to exact zeros on a forbidden start must not flatten the row to O."""
    ls = LABEL_SETS[1]
    probs = torch.tensor([[[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]])  # [1, 3, 3]
    result = ViterbiDecoder(ls).decode_padded(probs, torch.ones(1, 3, dtype=torch.bool), "probs")
    assert ls.decode(result.paths[0].tolist()) == ["B-LOC", "I-LOC", "O"]
    assert torch.isfinite(result.scores).all()


def test_no_type_switch_inside_an_entity() -> None:
    ls = LABEL_SETS[2]  # O, B-LOC, I-LOC, B-ORG, I-ORG
    log_probs = torch.log(
        torch.tensor([[[0.05, 0.8, 0.05, 0.05, 0.05], [0.05, 0.05, 0.05, 0.05, 0.8]]])
    )  # [1, 2, 5]: B-LOC then I-ORG
    tags = ViterbiDecoder(ls).decode_tags(log_probs, torch.ones(1, 2, dtype=torch.bool))[0]
    assert is_valid_sequence(tags) and tags != ["B-LOC", "I-ORG"]


@settings(max_examples=80, deadline=None)
@given(
    n_types=st.integers(1, 3),
    length=st.integers(0, 6),
    data=st.data(),
)
def test_never_emits_invalid_sequence(n_types: int, length: int, data: st.DataObject) -> None:
    """Even probabilities with exact zeros (log 0 = -inf) and I-X certainty at the start decode validly."""
    ls = LABEL_SETS[n_types]
    n = len(ls)
    values = data.draw(
        st.lists(st.sampled_from([0.0, 1e-30, 0.2, 1.0]), min_size=length * n, max_size=length * n)
    )
    probs = torch.tensor(values, dtype=torch.float32).reshape(1, length, n)  # [1, T, L]
    if length:
        probs[0, 0] = 0.0
        probs[0, 0, 2] = 1.0  # all mass on I-<first type> at sentence start
    tags = ViterbiDecoder(ls).decode_tags(probs, torch.ones(1, length, dtype=torch.bool), "probs")[0]
    assert len(tags) == length and is_valid_sequence(tags)


def test_ragged_batch_equals_rows_alone_and_ignores_padding() -> None:
    ls = LABEL_SETS[2]
    dec = ViterbiDecoder(ls)
    gen = torch.Generator().manual_seed(7)
    logits = torch.randn(5, 8, len(ls), generator=gen)  # [B, T, L]
    lengths = torch.tensor([8, 3, 1, 0, 5])
    mask = torch.arange(8)[None, :] < lengths[:, None]  # [B, T]
    batched = dec.decode(logits, mask, space="logits")
    poisoned = logits.clone()
    poisoned[~mask] = float("nan")  # padding content must never matter
    poisoned[1, 4, 2] = float("inf")
    assert dec.decode(poisoned, mask, space="logits") == batched
    for i, n in enumerate(lengths.tolist()):
        alone = dec.decode(logits[i : i + 1, :n], torch.ones(1, n, dtype=torch.bool), "logits")
        assert alone[0] == batched[i] and len(batched[i]) == n
    assert batched[3] == []


def test_space_conversions_agree() -> None:
    ls = LABEL_SETS[3]
    dec = ViterbiDecoder(ls)
    logits = torch.randn(3, 6, len(ls), generator=torch.Generator().manual_seed(3))  # [B, T, L]
    mask = torch.ones(3, 6, dtype=torch.bool)
    by_logits = dec.decode(logits, mask, "logits")
    assert by_logits == dec.decode(torch.log_softmax(logits, -1), mask, "log_probs")
    assert by_logits == dec.decode(torch.softmax(logits, -1), mask, "probs")


def test_ties_are_deterministic_lowest_index() -> None:
    ls = LABEL_SETS[2]
    uniform = torch.zeros(2, 4, len(ls))  # [B, T, L]: every valid path scores 0
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    assert ViterbiDecoder(ls).decode(uniform, mask) == [[0, 0, 0, 0], [0, 0]]


def test_zero_length_batch_and_time() -> None:
    start, trans = LABEL_SETS[1].transition_mask()
    assert viterbi_decode(torch.zeros(2, 0, 3), torch.zeros(2, 0, dtype=torch.bool), start, trans) == [
        [],
        [],
    ]
    assert viterbi_decode(torch.zeros(0, 4, 3), torch.zeros(0, 4, dtype=torch.bool), start, trans) == []


def test_bad_inputs_raise_clear_errors() -> None:
    dec = ViterbiDecoder(LABEL_SETS[1])
    x = torch.zeros(1, 3, 3)
    with pytest.raises(ValueError, match="prefix"):
        dec.decode(x, torch.tensor([[True, False, True]]))
    with pytest.raises(ValueError, match="NaN"):
        dec.decode(torch.full((1, 3, 3), float("nan")), torch.ones(1, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="label set has 3"):
        dec.decode(torch.zeros(1, 3, 5), torch.ones(1, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask must be"):
        dec.decode(x, torch.ones(1, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match="no complete path"):
        viterbi_decode(x, torch.ones(1, 3, dtype=torch.bool), torch.zeros(3, dtype=torch.bool),
                       torch.ones(3, 3, dtype=torch.bool))


def test_select_first_subtokens_packs_words_left() -> None:
    scores = torch.arange(2 * 5 * 3, dtype=torch.float32).reshape(2, 5, 3)  # [B, S, L]
    first = torch.tensor([[False, True, False, True, True], [True, False, False, False, False]])
    words, mask = select_first_subtokens(scores, first)
    assert words.shape == (2, 3, 3)
    assert torch.equal(words[0], scores[0, [1, 3, 4]])
    assert torch.equal(words[1, 0], scores[1, 0]) and (words[1, 1:] == 0).all()
    assert mask.tolist() == [[True, True, True], [True, False, False]]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_cuda_gives_identical_results() -> None:
    ls = LABEL_SETS[3]
    gen = torch.Generator().manual_seed(11)
    logits = torch.randn(64, 12, len(ls), generator=gen)  # [B, T, L]
    logits[::4] = 0.0  # all-tie rows exercise tie-breaking on both devices
    mask = torch.arange(12)[None, :] < torch.randint(0, 13, (64,), generator=gen)[:, None]
    cpu = ViterbiDecoder(ls).decode_padded(logits, mask, "logits")
    gpu = ViterbiDecoder(ls, "cuda").decode_padded(logits.cuda(), mask.cuda(), "logits")
    assert gpu.paths.device.type == "cuda"
    assert torch.equal(cpu.paths, gpu.paths.cpu())
    assert torch.allclose(cpu.scores, gpu.scores.cpu(), atol=1e-5)
