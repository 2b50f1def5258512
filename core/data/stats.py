"""The table `xner data stats` prints: the numbers to compare with the papers' dataset tables."""

from __future__ import annotations

from collections.abc import Sequence

from xner.core.data.corpus import Corpus


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
