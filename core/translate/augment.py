"""TransAdv's augmented datasets (§2.2): code-switched D_S^swi / D_T^swi and shuffled D^shu.

Code-switching swaps entities between a sentence and its translation, so one teacher sees the same
context with entities in either language (Θentity) and another the same entities in either
context (Θcontext). Shuffling permutes words only inside each entity and inside each context stretch
between entities: whole-sentence shuffling would tear entities apart, and the order discriminator
must learn word order, not entity boundaries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..data.corpus import Corpus, Sentence
from .segments import segment_tags, split_segments, switched_source, switched_target
from .strategies import Translation


@dataclass(frozen=True)
class AugmentedCorpus:
    """A corpus with a sentence-level `order` label per row: 0 original order, 1 shuffled."""

    corpus: Corpus
    order: list[int]

    def __post_init__(self) -> None:
        if len(self.order) != len(self.corpus):
            raise ValueError(f"{len(self.order)} order labels for {len(self.corpus)} sentences")


def code_switch(translation: Translation, src: str, tgt: str,
                name: str = "") -> tuple[Corpus, Corpus]:
    """(D_S^swi, D_T^swi) from the segment alignment of a translation.

    D_S^swi: source context + translated entities; D_T^swi: translated context + source entities.
    Every token's `langs` entry says which side it came from; an entity whose replacement has a
    different number of words is re-labelled B-X, I-X, ...
    """
    pieces = translation.pieces
    d_s = Corpus.from_sentences([switched_source(p, src, tgt) for p in pieces],
                                name=f"{name}.swi_S" if name else "", lang=src)
    d_t = Corpus.from_sentences([switched_target(p, src, tgt) for p in pieces],
                                name=f"{name}.swi_T" if name else "", lang=tgt)
    return d_s, d_t


def shuffle_sentence(sent: Sentence, rng: random.Random) -> tuple[Sentence, int]:
    """Shuffle inside each segment; returns the sentence and its order label.

    Each word keeps its entity type (and language); inside an entity B-X stays on the first
    position, so the result is valid IOB2. When the draw reproduces the original words, one segment
    with at least two different words is rotated by one, which always changes it. A sentence with no
    such segment (every segment one word long, or made of a repeated word) cannot change: it is
    returned as is with order label 0, so the order discriminator never sees one input labelled both
    ways.
    """
    tokens = sent.tokens
    langs = sent.langs or [""] * len(tokens)
    segs = split_segments(sent.tags)
    perms: list[list[int]] = []
    for _, a, b in segs:
        idx = list(range(a, b))
        rng.shuffle(idx)
        perms.append(idx)
    new_tags = [t for etype, a, b in segs for t in segment_tags(etype, b - a)]
    if [tokens[i] for idx in perms for i in idx] == list(tokens):
        rotatable = [j for j, (_, a, b) in enumerate(segs) if len(set(tokens[a:b])) > 1]
        if not rotatable:
            return Sentence(list(tokens), new_tags, list(langs)), 0
        _, a, b = segs[rotatable[0]]
        perms[rotatable[0]] = [*range(a + 1, b), a]
    new_tokens = [tokens[i] for idx in perms for i in idx]
    new_langs = [langs[i] for idx in perms for i in idx]
    return Sentence(new_tokens, new_tags, new_langs), 1


def shuffle_corpus(corpus: Corpus, seed: int, name: str = "") -> AugmentedCorpus:
    """D^shu of `corpus`: every sentence shuffled segment-wise, seeded by (seed, name), so D_S^shu
    and D_T^shu draw independent permutations from one experiment seed."""
    rng = random.Random(f"{seed}:{name or corpus.name}")
    out: list[Sentence] = []
    order: list[int] = []
    for sent in corpus:
        shuffled, label = shuffle_sentence(sent, rng)
        out.append(shuffled)
        order.append(label)
    return AugmentedCorpus(Corpus.from_sentences(out, name=name, lang=corpus.lang), order)
