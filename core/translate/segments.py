"""A sentence cut into segments: each entity span, and each context stretch between entities.

Every TransAdv dataset is a recombination of these segments: the translation fills a target side for
each one, code-switching takes entities from one side and context from the other, and shuffling
permutes words inside each segment. Keeping the segment (not the token) as the unit of alignment is
what lets a phrase translation change the number of words and still re-spread the labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..data.corpus import Sentence, entity_spans


@dataclass(frozen=True)
class Piece:
    """One segment: `etype` is the entity type, or None for context; `src`/`tgt` are its words."""

    etype: str | None
    src: tuple[str, ...]
    tgt: tuple[str, ...]


def split_segments(tags: Sequence[str]) -> list[tuple[str | None, int, int]]:
    """(etype or None, start, end_exclusive) covering every token: entities (as conlleval reads
    them, so a stray `I-X` opens one) and the maximal context stretches between them."""
    out: list[tuple[str | None, int, int]] = []
    pos = 0
    for etype, start, end in entity_spans(tags):
        if start > pos:
            out.append((None, pos, start))
        out.append((etype, start, end))
        pos = end
    if pos < len(tags):
        out.append((None, pos, len(tags)))
    return out


def segment_tags(etype: str | None, n: int) -> list[str]:
    """IOB2 tags of an n-word segment: `B-X I-X ...` for an entity, `O ...` for context."""
    if etype is None:
        return ["O"] * n
    return [f"B-{etype}"] + [f"I-{etype}"] * (n - 1) if n else []


def assemble(parts: Sequence[tuple[str | None, Sequence[str], str]]) -> Sentence:
    """Join (etype, words, lang) parts into one sentence with IOB2 tags and per-token languages."""
    tokens: list[str] = []
    tags: list[str] = []
    langs: list[str] = []
    for etype, words, lang in parts:
        tokens.extend(words)
        tags.extend(segment_tags(etype, len(words)))
        langs.extend([lang] * len(words))
    return Sentence(tokens, tags, langs)


def translated_sentence(pieces: Sequence[Piece], tgt: str) -> Sentence:
    """x_T: every segment on the target side; all tokens belong to the target language."""
    return assemble([(p.etype, p.tgt, tgt) for p in pieces])


def switched_source(pieces: Sequence[Piece], src: str, tgt: str) -> Sentence:
    """x_S^swi: source context, translated entities."""
    return assemble([(p.etype, p.tgt, tgt) if p.etype else (None, p.src, src) for p in pieces])


def switched_target(pieces: Sequence[Piece], src: str, tgt: str) -> Sentence:
    """x_T^swi: translated context, source entities."""
    return assemble([(p.etype, p.src, src) if p.etype else (None, p.tgt, tgt) for p in pieces])
