"""What a model gets wrong on target dev, by kind: the evidence behind "why does this language lose".

Counts entity spans (conlleval's reading) of an evaluate node's dev predictions:
- `spurious`: a predicted entity over words that are all `O` in gold; `spurious_capitalised` the
  ones that are a single capitalised word not at the sentence start, the signature of a model that
  learnt English's "capitalised = name" and meets German nouns;
- `wrong_type`: the right span with another type; `wrong_span`: overlapping a gold entity, other
  boundaries;
- `missed`: a gold entity no prediction overlaps; `missed_lowercase` those starting lowercase
  (German nationality adjectives are MISC: `deutschen`).
Dev only: a cause is found where models are chosen, never on test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..data.corpus import entity_spans


def read_dev_predictions(path: Path) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """(tokens, gold, pred) from an evaluate node's `token GOLD PRED` file (dev or test)."""
    sents: list[list[list[str]]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            sents[-1].append(line.split())
        elif sents[-1]:
            sents.append([])
    sents = [s for s in sents if s]
    return ([[c[0] for c in s] for s in sents], [[c[-2] for c in s] for s in sents],
            [[c[-1] for c in s] for s in sents])


def error_kinds(tokens: Sequence[Sequence[str]], gold: Sequence[Sequence[str]],
                pred: Sequence[Sequence[str]]) -> dict[str, int]:
    out = dict.fromkeys(("predicted", "gold", "correct", "spurious", "spurious_capitalised",
                         "wrong_type", "wrong_span", "missed", "missed_lowercase"), 0)
    for toks, g_tags, p_tags in zip(tokens, gold, pred, strict=True):
        g, p = entity_spans(g_tags), entity_spans(p_tags)
        out["predicted"] += len(p)
        out["gold"] += len(g)
        g_set, g_spans = set(g), {(a, b) for _, a, b in g}
        for t, a, b in p:
            if (t, a, b) in g_set:
                out["correct"] += 1
            elif all(x == "O" for x in g_tags[a:b]):
                out["spurious"] += 1
                out["spurious_capitalised"] += b - a == 1 and a > 0 and toks[a][:1].isupper()
            elif (a, b) in g_spans:
                out["wrong_type"] += 1
            else:
                out["wrong_span"] += 1
        for _, a, b in g:
            if all(x == "O" for x in p_tags[a:b]):
                out["missed"] += 1
                out["missed_lowercase"] += toks[a][:1].islower()
    return out
