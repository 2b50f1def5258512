"""The table `xner data stats` prints: the numbers to compare with the papers' dataset tables."""

from __future__ import annotations

from collections.abc import Sequence

from .corpus import Corpus, entity_spans


def format_stats(corpus: Corpus, types: Sequence[str] | None = None) -> str:
    """`sentences  14042` / `tokens  203621` / `entities  23499` / `  LOC  7140` ... one per line.

    Plain integers (no thousands separators) right-aligned in one column, so the output can be both
    read and grepped. `types` forces rows for entity types absent from the corpus (count 0), e.g.
    `CONLL_TYPES` to show that a WikiAnn file has no MISC.
    """
    st = corpus.stats()
    per_type = dict(st.per_type)
    for t in types or ():
        per_type.setdefault(t, 0)
    rows = [("sentences", st.sentences), ("tokens", st.tokens), ("entities", st.entities)]
    rows += [(f"  {t}", n) for t, n in sorted(per_type.items())]
    label_w = max(len(label) for label, _ in rows)
    num_w = max(len(str(n)) for _, n in rows)
    return "\n".join(f"{label:<{label_w}}  {n:>{num_w}}" for label, n in rows)


def format_casing(corpus: Corpus) -> str:
    """How a corpus uses capitals, the numbers that tell whether a translation looks like the target
    language: `O` words capitalised away from the sentence start (German ~27%, English and
    translations cased like it ~5%, Spanish/Dutch ~1%), and entities per type whose first word is
    lowercase (German MISC ~20-30%: `deutschen`; English ~1%)."""
    o_words = o_caps = 0
    starts: dict[str, list[int]] = {}
    for sent in corpus:
        for i, (w, t) in enumerate(zip(sent.tokens, sent.tags, strict=True)):
            if t == "O" and i and w[:1].isalpha():
                o_words += 1
                o_caps += w[:1].isupper()
        for etype, a, _ in entity_spans(sent.tags):
            counts = starts.setdefault(etype, [0, 0])
            counts[0] += 1
            counts[1] += sent.tokens[a][:1].islower()
    rows = [("O words capitalised, not sentence-initial", o_caps, o_words)]
    rows += [(f"  {t} entities starting lowercase", low, n) for t, (n, low) in sorted(starts.items())]
    label_w = max(len(r[0]) for r in rows)
    return "\n".join(f"{label:<{label_w}}  {100 * k / n if n else 0:5.1f}%  ({k} of {n})"
                     for label, k, n in rows)
