"""IOB2 label sets and the BIO transition rules shared by Viterbi, alignment and metrics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

CONLL_TYPES: tuple[str, ...] = ("LOC", "MISC", "ORG", "PER")
WIKIANN_TYPES: tuple[str, ...] = ("LOC", "ORG", "PER")
FORMAT_TYPES: dict[str, tuple[str, ...]] = {"conll": CONLL_TYPES, "wikiann": WIKIANN_TYPES}
IGNORE_INDEX = -100  # label id of sub-tokens that carry no label (cross_entropy's default ignore_index)


def split_tag(tag: str) -> tuple[str, str | None]:
    """`B-PER` -> (`B`, `PER`); `O` -> (`O`, None)."""
    if tag == "O":
        return "O", None
    prefix, _, etype = tag.partition("-")
    return prefix, etype


def is_valid_transition(prev: str | None, cur: str) -> bool:
    """IOB2 rule: `I-X` only after `B-X` or `I-X`; never at sentence start (`prev is None`)."""
    prefix, etype = split_tag(cur)
    if prefix != "I":
        return True
    if prev is None:
        return False
    pprefix, ptype = split_tag(prev)
    return pprefix in ("B", "I") and ptype == etype


def is_valid_sequence(tags: Sequence[str]) -> bool:
    prev: str | None = None
    for tag in tags:
        if not is_valid_transition(prev, tag):
            return False
        prev = tag
    return True


@dataclass(frozen=True)
class LabelSet:
    """Ordered IOB2 tags for a set of entity types: `O` first, then `B-X`, `I-X` per type (sorted)."""

    entity_types: tuple[str, ...]
    tags: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        types = tuple(sorted(set(self.entity_types)))
        object.__setattr__(self, "entity_types", types)
        tags = ["O"]
        for t in types:
            tags += [f"B-{t}", f"I-{t}"]
        object.__setattr__(self, "tags", tuple(tags))

    @classmethod
    def from_tags(cls, tags: Iterable[str]) -> LabelSet:
        return cls(tuple({split_tag(t)[1] for t in tags if t != "O"}))

    def __len__(self) -> int:
        return len(self.tags)

    def index(self, tag: str) -> int:
        try:
            return self.tags.index(tag)
        except ValueError:
            raise KeyError(f"tag {tag!r} is not in the label set {list(self.tags)}") from None

    def encode(self, tags: Sequence[str]) -> list[int]:
        lookup = {t: i for i, t in enumerate(self.tags)}
        return [lookup[t] for t in tags]

    def decode(self, ids: Sequence[int]) -> list[str]:
        return [self.tags[i] for i in ids]

    def transition_mask(self, allow_inside_start: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(start[L], trans[L, L]) booleans: allowed first tag, allowed `prev -> cur` pairs.

        `allow_inside_start` lets a sentence open with I-X, as the authors' decoder does (their
        transition matrix constrains only `prev -> I-X`)."""
        n = len(self.tags)
        start = torch.tensor([allow_inside_start or is_valid_transition(None, t) for t in self.tags])  # [L]
        trans = torch.tensor(
            [[is_valid_transition(p, c) for c in self.tags] for p in self.tags]
        )  # [L, L]
        assert start.shape == (n,) and trans.shape == (n, n)
        return start, trans
