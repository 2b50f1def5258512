"""Adversarial discriminators of TransAdv §2.3 and AdvPicker §3.1.

Both return *logits*; probabilities are `sigmoid(logits)`. Losses use `binary_cross_entropy_with_logits`,
which is the papers' BCE (TransAdv Eq. 5) computed stably. Label convention: 1 = source language,
0 = target language (AdvPicker Eq. 5 reads the discriminator as P(source)); for order, 1 = original,
0 = shuffled.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class LanguageDiscriminator(nn.Module):
    """Token-level language classifier: sigmoid(W1 ReLU(W2 h)) — TransAdv Eq. 3 / AdvPicker Eq. 3.

    The paper's formula has no biases written out; we keep nn.Linear's biases (as the reference code
    does), which only adds a constant offset the model can learn.
    """

    def __init__(self, input_size: int, hidden: int = 500) -> None:
        super().__init__()
        self.w2 = nn.Linear(input_size, hidden)
        self.w1 = nn.Linear(hidden, 1)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.w1(torch.relu(self.w2(h))).squeeze(-1)  # [B, S, H] -> [B, S]


class OrderDiscriminator(nn.Module):
    """Sentence-level order classifier: one-layer LSTM, last state -> linear -> sigmoid (TransAdv Eq. 4).

    "Last word" is the last *real* token of each row: padding is packed away so it never reaches the
    LSTM state.
    """

    def __init__(self, input_size: int, hidden: int = 256) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, num_layers=1, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(dim=1).clamp(min=1).cpu()  # [B]
        packed = nn.utils.rnn.pack_padded_sequence(
            h, lengths, batch_first=True, enforce_sorted=False
        )
        _, (h_n, _) = self.lstm(packed)  # h_n: [1, B, hidden], the state after each row's last token
        return self.out(h_n[-1]).squeeze(-1)  # [B]


REDUCTIONS = ("mean", "sum")


def token_bce(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, flip: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    """BCE over the masked tokens; `flip=True` is the generator loss L_g (labels inverted, Eq. 5).

    `mean` averages over the tokens of the batch (the authors' BCELoss), so the learning rates do not
    depend on sentence length; `sum` is Eq. 5 as written, Σ over words with no normalisation. An
    empty mask gives a zero loss that still carries the graph, so a batch with no entity word (Eq. 6,
    entity discriminator) is a no-op.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    target = (1.0 - labels.float()) if flip else labels.float()  # [B, S]
    m = mask.float()  # [B, S]
    losses = F.binary_cross_entropy_with_logits(logits, target, reduction="none")  # [B, S]
    total = (losses * m).sum()
    return total if reduction == "sum" else total / m.sum().clamp(min=1.0)


def sentence_bce(logits: torch.Tensor, labels: torch.Tensor, flip: bool = False,
                 reduction: str = "mean") -> torch.Tensor:
    """BCE of the order discriminator (Eq. 5, L_o), or its flipped generator term; mean or Σ over rows."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    target = (1.0 - labels.float()) if flip else labels.float()  # [B]
    return F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)


def sentence_source_probability(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """P(source | sentence) for AdvPicker Eq. 5: the mean of the token probabilities over the sentence.

    Eq. 5 applies the token discriminator to "the feature vector" of the sentence without saying how the
    tokens are pooled; averaging token probabilities is the reading that keeps Eq. 3's token classifier
    unchanged. Only `mask` tokens (first sub-tokens of words) count.
    """
    p = torch.sigmoid(logits) * mask.float()  # [B, S]
    return p.sum(dim=1) / mask.float().sum(dim=1).clamp(min=1.0)  # [B]


def l_score(p_source: torch.Tensor) -> torch.Tensor:
    """AdvPicker Eq. 6: 1 - |P(source) - 0.5|; maximal (1) at 0.5, minimal (0.5) at 0 or 1."""
    return 1.0 - (p_source - 0.5).abs()
