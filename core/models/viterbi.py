"""Viterbi decoding of per-word label distributions under IOB2 constraints.

Why: both papers turn the NER head's softmax into tags with Viterbi so that every prediction is a
well-formed IOB2 sequence; the reference code allowed `I-X` at sentence start, which conlleval then
quietly counts as an entity. Here the start and transition rules come from
`LabelSet.transition_mask()`, and the score of a path is the sum of its per-word log-probabilities
(allowed transitions cost 0, forbidden ones -inf) - no learned transition matrix, as in the papers.

Decoding runs on whatever device the emissions live on, vectorised over batch and labels; only time
is a Python loop.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import torch

from ..data.labels import LabelSet

# log(0) from a probability input becomes this floor: it keeps every valid path's score finite, so
# the backtrace can never step through a forbidden transition even when all candidates are
# "impossible".
NEG_FLOOR = -1.0e4

ScoreSpace = Literal["log_probs", "probs", "logits"]


class ViterbiResult(NamedTuple):
    """Best paths padded with -1 past each row's length, and their summed log-probability."""

    paths: torch.Tensor  # [B, T] long, -1 where mask is False
    scores: torch.Tensor  # [B] float; 0 for empty rows


def _check_inputs(
    log_probs: torch.Tensor,
    mask: torch.Tensor,
    start_allowed: torch.Tensor,
    trans_allowed: torch.Tensor,
) -> None:
    """Fail early with shapes in the message: a silent broadcast here would decode garbage."""
    if log_probs.dim() != 3:
        raise ValueError(f"log_probs must be [batch, time, labels], got {tuple(log_probs.shape)}")
    b, t, n = log_probs.shape
    if tuple(mask.shape) != (b, t):
        raise ValueError(f"mask must be [batch, time] = {(b, t)}, got {tuple(mask.shape)}")
    if tuple(start_allowed.shape) != (n,) or tuple(trans_allowed.shape) != (n, n):
        raise ValueError(
            f"constraint masks must be [{n}] and [{n}, {n}] for {n} labels, got "
            f"{tuple(start_allowed.shape)} and {tuple(trans_allowed.shape)}"
        )
    # A valid path of every length must exist, or the best score could be -inf and the backtrace
    # would pick an arbitrary (forbidden) predecessor.
    if not bool(start_allowed.any()) or not bool(trans_allowed.any(dim=1).all()):
        raise ValueError("constraints admit no complete path: some label has no allowed successor")
    if t > 1 and bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        rows = torch.nonzero((mask[:, 1:] & ~mask[:, :-1]).any(dim=1)).flatten().tolist()
        raise ValueError(f"mask must be a prefix (True, then False) per row; bad rows {rows[:5]}")
    bad = torch.isnan(log_probs) | torch.isposinf(log_probs)  # [B, T, L]
    if bool((bad & mask[:, :, None]).any()):
        raise ValueError("log_probs contain NaN or +inf at unmasked positions")


def viterbi_decode_padded(
    log_probs: torch.Tensor,
    mask: torch.Tensor,
    start_allowed: torch.Tensor,
    trans_allowed: torch.Tensor,
) -> ViterbiResult:
    """Best constrained path per row, as padded tensors on the input's device.

    `log_probs` [B, T, L] are per-word log-probabilities (first sub-token of each word); `mask`
    [B, T] is a per-row prefix mask (length-0 rows give an all -1 path and score 0). Ties go to the
    lowest label index, identically on CPU and CUDA. Values below `NEG_FLOOR` (e.g. log 0) are floored.
    """
    mask = mask.to(device=log_probs.device, dtype=torch.bool)
    start_allowed = start_allowed.to(device=log_probs.device, dtype=torch.bool)
    trans_allowed = trans_allowed.to(device=log_probs.device, dtype=torch.bool)
    _check_inputs(log_probs, mask, start_allowed, trans_allowed)
    b, t_max, _ = log_probs.shape
    dtype = torch.promote_types(log_probs.dtype, torch.float32)  # sum half inputs in float32
    if t_max == 0:
        empty = torch.empty(b, 0, dtype=torch.long, device=log_probs.device)  # [B, 0]
        return ViterbiResult(empty, torch.zeros(b, dtype=dtype, device=log_probs.device))

    emissions = log_probs.to(dtype).clamp_min(NEG_FLOOR)  # [B, T, L]
    neg_inf = torch.tensor(float("-inf"), dtype=dtype, device=log_probs.device)
    zero = torch.zeros((), dtype=dtype, device=log_probs.device)
    start_bias = torch.where(start_allowed, zero, neg_inf)  # [L]
    trans_bias = torch.where(trans_allowed, zero, neg_inf)  # [L prev, L cur]

    score = emissions[:, 0] + start_bias  # [B, L] best score of a path ending in each label
    backpointers: list[torch.Tensor] = []  # T-1 tensors [B, L]: best previous label per label
    for t in range(1, t_max):
        candidates = score[:, :, None] + trans_bias  # [B, L prev, L cur]
        best, back = candidates.max(dim=1)  # [B, L], [B, L]; max returns the first maximal index
        live = mask[:, t, None]  # [B, 1]; finished rows keep their final scores
        score = torch.where(live, best + emissions[:, t], score)  # [B, L]
        backpointers.append(back)

    best_score, cur = score.max(dim=1)  # [B], [B]
    lengths = mask.sum(dim=1)  # [B]
    best_score = torch.where(lengths > 0, best_score, torch.zeros_like(best_score))  # [B]

    paths = torch.full((b, t_max), -1, dtype=torch.long, device=log_probs.device)  # [B, T]
    for t in range(t_max - 1, -1, -1):
        live = mask[:, t]  # [B]
        paths[:, t] = torch.where(live, cur, paths[:, t])
        if t > 0:
            prev = backpointers[t - 1].gather(1, cur[:, None]).squeeze(1)  # [B]
            cur = torch.where(live, prev, cur)  # padding steps leave the row's final label alone
    return ViterbiResult(paths, best_score)


def viterbi_decode(
    log_probs: torch.Tensor,
    mask: torch.Tensor,
    start_allowed: torch.Tensor,
    trans_allowed: torch.Tensor,
) -> list[list[int]]:
    """Best constrained label ids per row, trimmed to its length (see `viterbi_decode_padded`)."""
    paths, _ = viterbi_decode_padded(log_probs, mask, start_allowed, trans_allowed)
    lengths = mask.sum(dim=1).tolist()
    return [row[:n] for row, n in zip(paths.tolist(), lengths, strict=True)]


def select_first_subtokens(
    scores: torch.Tensor, first: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pack each row's first-sub-token positions to the left: only they carry a word's label.

    `scores` [B, S, L] over sub-tokens and `first` [B, S] bool (True on a word's first sub-token)
    give word-level emissions [B, T, L] (T = most words in a row, zero padded) and a prefix mask
    [B, T].
    """
    if scores.dim() != 3 or tuple(first.shape) != tuple(scores.shape[:2]):
        raise ValueError(
            f"need scores [B, S, L] and first [B, S], got {tuple(scores.shape)} and "
            f"{tuple(first.shape)}"
        )
    first = first.to(device=scores.device, dtype=torch.bool)
    b, _, n = scores.shape
    lengths = first.sum(dim=1)  # [B]
    t_max = int(lengths.max()) if b > 0 else 0
    rows, cols = first.nonzero(as_tuple=True)  # [N], [N] positions of first sub-tokens
    target = first.long().cumsum(dim=1)[rows, cols] - 1  # [N] word index of each first sub-token
    words = scores.new_zeros(b, t_max, n)  # [B, T, L]
    words[rows, target] = scores[rows, cols]
    word_mask = torch.arange(t_max, device=scores.device)[None, :] < lengths[:, None]  # [B, T]
    return words, word_mask


class ViterbiDecoder:
    """A label set's IOB2 constraint masks kept on one device, so decoding a batch moves nothing."""

    def __init__(self, label_set: LabelSet, device: torch.device | str | None = None,
                 allow_inside_start: bool = False) -> None:
        self.label_set = label_set
        start, trans = label_set.transition_mask(allow_inside_start)  # [L], [L, L]
        self.start_allowed = start.to(device)  # [L]
        self.trans_allowed = trans.to(device)  # [L, L]

    def to(self, device: torch.device | str) -> ViterbiDecoder:
        self.start_allowed = self.start_allowed.to(device)
        self.trans_allowed = self.trans_allowed.to(device)
        return self

    def _log_probs(self, scores: torch.Tensor, space: ScoreSpace) -> torch.Tensor:
        """Viterbi must sum log-probabilities; raw logits would weigh words by their logit scale."""
        if scores.shape[-1] != len(self.label_set):
            raise ValueError(
                f"scores have {scores.shape[-1]} labels, label set has {len(self.label_set)}: "
                f"{list(self.label_set.tags)}"
            )
        if space == "log_probs":
            return scores
        if space == "probs":
            return torch.log(scores.float())  # log 0 = -inf is floored in viterbi_decode_padded
        if space == "logits":
            return torch.log_softmax(scores.float(), dim=-1)
        raise ValueError(f"space must be 'log_probs', 'probs' or 'logits', got {space!r}")

    def decode_padded(
        self, scores: torch.Tensor, mask: torch.Tensor, space: ScoreSpace = "log_probs"
    ) -> ViterbiResult:
        return viterbi_decode_padded(
            self._log_probs(scores, space), mask, self.start_allowed, self.trans_allowed
        )

    def decode(
        self, scores: torch.Tensor, mask: torch.Tensor, space: ScoreSpace = "log_probs"
    ) -> list[list[int]]:
        """Label ids per row; `scores` [B, T, L] in `space`, `mask` [B, T] prefix mask."""
        return viterbi_decode(
            self._log_probs(scores, space), mask, self.start_allowed, self.trans_allowed
        )

    def decode_tags(
        self, scores: torch.Tensor, mask: torch.Tensor, space: ScoreSpace = "log_probs"
    ) -> list[list[str]]:
        """Tag strings per row, ready for `xner.core.data.metrics.evaluate`."""
        return [self.label_set.decode(ids) for ids in self.decode(scores, mask, space)]
