"""Error analysis on predicted spans: a confusion table between entity types that counts boundary and
type errors apart, and the sentences where two systems disagree most.

F1 says how often a system is wrong, not how. A gold span and a predicted span meet in one of these
ways (each gold span is matched to the predicted span that overlaps it most, at most once):

* exact boundaries, same type: correct;
* exact boundaries, other type: a *type* error (gold PER read as ORG);
* overlapping, other boundaries, same type: a *boundary* error (`Real Madrid` read as `Madrid`);
* overlapping, other boundaries, other type: both;
* no overlapping prediction: *missed* (gold X read as O);
* a predicted span that meets no gold span: *spurious* (O read as X).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..data.corpus import entity_spans

NONE = "O"  # the row/column of "no span": missed gold spans, spurious predictions
KINDS = ("correct", "type", "boundary", "boundary+type", "missed", "spurious")


@dataclass
class SpanConfusion:
    """Counts per (gold type, predicted type) for spans with exact boundaries (`exact`) and for spans
    whose boundaries differ (`boundary`); `kinds` totals each way a gold and a predicted span meet."""

    types: list[str]
    exact: Counter = field(default_factory=Counter)  # (gold, pred) -> n, same boundaries; O: none
    boundary: Counter = field(default_factory=Counter)  # (gold, pred) -> n, overlapping, other boundaries
    kinds: Counter = field(default_factory=Counter)

    def add(self, gold: Sequence[str], pred: Sequence[str]) -> None:
        """One sentence's gold and predicted IOB2 tags."""
        g_spans, p_spans = entity_spans(gold), entity_spans(pred)
        used: set[int] = set()
        for gt, ga, gb in g_spans:
            best, overlap = None, 0
            for j, (_, pa, pb) in enumerate(p_spans):
                if j in used:
                    continue
                n = min(gb, pb) - max(ga, pa)
                if n > overlap:
                    best, overlap = j, n
            if best is None:
                self.exact[(gt, NONE)] += 1
                self.kinds["missed"] += 1
                continue
            used.add(best)
            pt, pa, pb = p_spans[best]
            if (pa, pb) == (ga, gb):
                self.exact[(gt, pt)] += 1
                self.kinds["correct" if pt == gt else "type"] += 1
            else:
                self.boundary[(gt, pt)] += 1
                self.kinds["boundary" if pt == gt else "boundary+type"] += 1
        for j, (pt, _, _) in enumerate(p_spans):
            if j not in used:
                self.exact[(NONE, pt)] += 1
                self.kinds["spurious"] += 1

    def to_markdown(self, title: str = "") -> str:
        """Rows gold, columns predicted; a cell reads `exact` or `exact + boundary` (other boundaries)."""
        cols = [*self.types, NONE]
        head = ["gold \\ predicted", *cols]
        lines = [f"**{title}**", ""] if title else []
        lines += ["| " + " | ".join(head) + " |", "|" + "|".join([":---"] + ["---:"] * len(cols)) + "|"]
        for g in [*self.types, NONE]:
            cells = []
            for p in cols:
                if g == NONE and p == NONE:
                    cells.append("")
                    continue
                e, b = self.exact[(g, p)], self.boundary[(g, p)]
                cells.append(f"{e} + {b}" if b else str(e))
            lines.append("| " + " | ".join([g, *cells]) + " |")
        total = sum(self.kinds.values())
        lines += ["", "> cells: same boundaries + other boundaries (overlapping); O: no span. "
                  + ", ".join(f"{k} {self.kinds[k]}" for k in KINDS) + f" (of {total})"]
        return "\n".join(lines) + "\n"


def confusion(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], types: Sequence[str]
              ) -> SpanConfusion:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    out = SpanConfusion(sorted(types))
    for g, p in zip(gold, pred, strict=True):
        out.add(g, p)
    return out


def disagreement(a: Sequence[str], b: Sequence[str]) -> int:
    """Spans one system predicts and the other does not (same boundaries and type), summed."""
    sa, sb = set(entity_spans(a)), set(entity_spans(b))
    return len(sa ^ sb)


@dataclass
class Disagreement:
    index: int
    tokens: list[str]
    gold: list[str]
    reference: list[str]
    variant: list[str]
    spans: int


def most_disagreeing(tokens: Sequence[Sequence[str]], gold: Sequence[Sequence[str]],
                     reference: Sequence[Sequence[str]], variant: Sequence[Sequence[str]], k: int = 5
                     ) -> list[Disagreement]:
    """The k sentences where `variant` and `reference` disagree on most spans (ties: file order)."""
    scored = [(disagreement(r, v), i) for i, (r, v) in enumerate(zip(reference, variant, strict=True))]
    top = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))[:k]
    return [Disagreement(i, list(tokens[i]), list(gold[i]), list(reference[i]), list(variant[i]), n)
            for n, i in top]


def _spans_text(tokens: Sequence[str], tags: Sequence[str]) -> str:
    return "; ".join(f"[{' '.join(tokens[a:b])}]{t}" for t, a, b in entity_spans(tags)) or "—"


def disagreements_markdown(variant: str, reference: str, rows: Sequence[Disagreement]) -> str:
    lines = [f"**{variant} vs {reference}**", ""]
    if not rows:
        return "\n".join([*lines, "no disagreement", ""])
    lines += ["| # | sentence | gold | " + reference.replace("|", "\\|") + " | "
              + variant.replace("|", "\\|") + " |", "|---:|:---|:---|:---|:---|"]
    for d in rows:
        text = " ".join(d.tokens)
        text = text if len(text) <= 90 else text[:87] + "..."
        cells = [str(d.index), text, _spans_text(d.tokens, d.gold), _spans_text(d.tokens, d.reference),
                 _spans_text(d.tokens, d.variant)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
