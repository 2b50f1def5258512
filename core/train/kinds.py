"""Discriminator kinds: what a discriminator of each kind is (its module), the loss it is trained
with on a batch's encoder features, and which of its two classes a dataset's words belong to (so
balanced batches can pair them). A discriminator spec's `kind` names one; a new kind is a class
registered in `plugins.DISCRIMINATOR_KINDS`, with no change to the training steps or stages.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from ..data.labels import IGNORE_INDEX
from ..models.discriminators import LanguageDiscriminator, OrderDiscriminator, sentence_bce, token_bce
from ..plugins import DISCRIMINATOR_KINDS

MASKS = ("all", "entity", "context")


def language_mask(batch: Mapping[str, torch.Tensor], mode: str) -> torch.Tensor:
    """Words whose language the discriminator classifies: first sub-tokens, restricted per Eq. 6."""
    has_lang = batch["langs"] != IGNORE_INDEX  # [B, S]
    if mode == "all":
        return has_lang
    labels = batch["labels"]  # [B, S]; O has id 0 in every LabelSet
    if mode == "entity":
        return has_lang & (labels > 0)
    if mode == "context":
        return has_lang & (labels == 0)
    raise ValueError(f"discriminator mask must be one of {MASKS}, got {mode!r}")


def order_labels(batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """Sentence order label per row (1 original, 0 shuffled), carried as a word-level extra column."""
    return batch["order"].max(dim=1).values.clamp(min=0)  # [B]


@DISCRIMINATOR_KINDS.register("language")
class LanguageKind:
    """Token level: is each (masked) word source or target? (TransAdv Eq. 3, 6; AdvPicker Eq. 3)."""

    @staticmethod
    def module(input_size: int, hidden: int) -> nn.Module:
        return LanguageDiscriminator(input_size, hidden)

    @staticmethod
    def loss(disc: nn.Module, h: torch.Tensor, batch: Mapping[str, torch.Tensor], mask: str, flip: bool,
             reduction: str) -> torch.Tensor:
        logits = disc(h.float())  # [B, S]
        return token_bce(logits, batch["langs"].clamp(min=0), language_mask(batch, mask), flip=flip,
                         reduction=reduction)

    @staticmethod
    def side(dataset: str, mask: str) -> str:
        """`D_S*` source, `D_T*` target, except that an entity mask sees the swapped-in entities of a
        code-switched sentence (D_T_swi's entities are English)."""
        side = "source" if dataset.startswith("D_S") else "target"
        if mask == "entity" and dataset.endswith("_swi"):
            side = "target" if side == "source" else "source"
        return side


@DISCRIMINATOR_KINDS.register("order")
class OrderKind:
    """Sentence level: is the word order original or shuffled? (TransAdv Eq. 4)."""

    @staticmethod
    def module(input_size: int, hidden: int) -> nn.Module:
        return OrderDiscriminator(input_size, hidden)

    @staticmethod
    def loss(disc: nn.Module, h: torch.Tensor, batch: Mapping[str, torch.Tensor], mask: str, flip: bool,
             reduction: str) -> torch.Tensor:
        logits = disc(h.float(), batch["attention_mask"].bool())  # [B]
        return sentence_bce(logits, order_labels(batch), flip=flip, reduction=reduction)

    @staticmethod
    def side(dataset: str, mask: str) -> str:
        return "shuffled" if dataset.endswith("_shu") else "original"
