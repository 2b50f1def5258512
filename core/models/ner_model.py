"""Encoder + NER head as one module, so a checkpoint, a teacher copy and a student are all one object."""

from __future__ import annotations

import torch
from torch import nn

from .encoder import NerHead, TokenEncoder


class NerModel(nn.Module):
    """h = E(x) (Eq. 1), p = softmax(W h + b) (Eq. 2); `forward` returns (h, logits)."""

    def __init__(self, encoder: TokenEncoder, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = NerHead(encoder.hidden_size, num_labels, dropout)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(input_ids, attention_mask)  # [B, S, H]
        return h, self.head(h)  # [B, S, H], [B, S, L]
