"""Entity-level precision / recall / F1 with seqeval, in conlleval mode and in strict IOB2 mode.

Why both: the papers report conlleval numbers (an `I-X` after `O` or after another type opens an
entity), so comparing with them needs that mode; strict IOB2 mode counts only well-formed spans and
shows how much a decoder gains from stray `I-X` tags. Both are logged.

All scores are PERCENTAGES in [0, 100], like the papers' tables. Undefined ratios (no predicted or no
gold entities) are 0, never an exception, so an untrained model still gets a number.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .labels import split_tag

_AVERAGES = ("micro avg", "macro avg", "weighted avg")
_DIGITS = 4


class TypeScores(NamedTuple):
    """One entity type: percentages and the number of gold entities of that type."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ModeScores:
    """Micro-averaged scores over all types, per-type scores, and seqeval's text report."""

    precision: float
    recall: float
    f1: float
    support: int  # gold entities recognised by this mode
    per_type: dict[str, TypeScores]
    text: str


@dataclass(frozen=True)
class NerScores:
    """Both seqeval modes of one evaluation; `conlleval` is the papers' number."""

    conlleval: ModeScores
    strict: ModeScores

    @property
    def f1(self) -> float:
        return self.conlleval.f1

    def as_flat_dict(self, prefix: str = "") -> dict[str, float]:
        """Metric-logger keys: `f1`, `precision`, `recall`, `f1_PER`..., and `strict_`-prefixed twins."""
        out: dict[str, float] = {}
        for mode_prefix, mode in (("", self.conlleval), ("strict_", self.strict)):
            head = f"{prefix}{mode_prefix}"
            out[f"{head}precision"] = mode.precision
            out[f"{head}recall"] = mode.recall
            out[f"{head}f1"] = mode.f1
            for etype, s in mode.per_type.items():
                out[f"{head}precision_{etype}"] = s.precision
                out[f"{head}recall_{etype}"] = s.recall
                out[f"{head}f1_{etype}"] = s.f1
        return out

    def report(self) -> str:
        """Both seqeval text reports (fractions in [0, 1], as seqeval prints them)."""
        return (
            "conlleval mode (seqeval default, the papers' number)\n"
            f"{self.conlleval.text}\n\n"
            "strict mode (seqeval mode='strict', scheme=IOB2)\n"
            f"{self.strict.text}"
        )


def _check_tags(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> None:
    """Misaligned or malformed tags would silently shift every entity, so name the culprit."""
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} sentences but pred has {len(pred)}")
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: gold has {len(g)} tags but pred has {len(p)}")
        for side, tags in (("gold", g), ("pred", p)):
            for j, tag in enumerate(tags):
                prefix, etype = split_tag(tag)
                if tag != "O" and (prefix not in ("B", "I") or not etype):
                    raise ValueError(
                        f"sentence {i}, token {j}: {side} tag {tag!r} is not 'O', 'B-X' or 'I-X'"
                    )


def _pct(value: Any) -> float:
    return 100.0 * float(value)


def _render(rows: dict[str, dict[str, Any]]) -> str:
    """seqeval's own text layout (`StringReporter`), which crashes when no type occurs at all."""
    from seqeval.reporters import StringReporter

    names = [name for name in rows if name not in _AVERAGES]
    width = max([len(n) for n in names] + [len("weighted avg"), _DIGITS])
    reporter = StringReporter(width=width, digits=_DIGITS)
    for group in (names, _AVERAGES):
        for name in group:
            r = rows[name]
            reporter.write(name, r["precision"], r["recall"], r["f1-score"], r["support"])
        reporter.write_blank()
    return reporter.report()


def _mode_scores(gold: list[list[str]], pred: list[list[str]], strict: bool) -> ModeScores:
    # seqeval imports scikit-learn and scipy.stats (1.4 s): every CLI process and Ray worker would pay it
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    kwargs: dict[str, Any] = {"mode": "strict", "scheme": IOB2} if strict else {}
    with warnings.catch_warnings():
        # zero_division=0 already decides undefined ratios; numpy warns about empty macro means.
        warnings.simplefilter("ignore")
        rows = classification_report(gold, pred, output_dict=True, zero_division=0, **kwargs)
    per_type = {
        name: TypeScores(_pct(r["precision"]), _pct(r["recall"]), _pct(r["f1-score"]), int(r["support"]))
        for name, r in rows.items()
        if name not in _AVERAGES
    }
    micro = rows["micro avg"]
    return ModeScores(
        _pct(micro["precision"]),
        _pct(micro["recall"]),
        _pct(micro["f1-score"]),
        int(micro["support"]),
        per_type,
        _render(rows),
    )


def evaluate(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> NerScores:
    """Entity P/R/F1 (percent) of `pred` against `gold`, one tag list per sentence, in both modes."""
    _check_tags(gold, pred)
    gold_l = [list(s) for s in gold]
    pred_l = [list(s) for s in pred]
    return NerScores(
        conlleval=_mode_scores(gold_l, pred_l, strict=False),
        strict=_mode_scores(gold_l, pred_l, strict=True),
    )


def _strict_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """IOB2 strict spans: `B-X` then the longest run of `I-X`; a stray `I-X` opens nothing."""
    spans, i, n = [], 0, len(tags)
    while i < n:
        tag = tags[i]
        if tag.startswith("B-"):
            etype, j = tag[2:], i + 1
            while j < n and tags[j] == f"I-{etype}":
                j += 1
            spans.append((etype, i, j - 1))
            i = j
        else:
            i += 1
    return spans


def _f1(gold: set, pred: set) -> float:
    tp = len(gold & pred)
    return 0.0 if tp == 0 else 100.0 * 2 * tp / (len(gold) + len(pred))


def quick_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> tuple[float, float]:
    """Micro F1 (percent) in conlleval and strict mode, without per-type reports.

    Why: training evaluates dev, test and source dev after every epoch, and seqeval's reports (strict
    mode above all) cost more than the forward passes there. The numbers equal `evaluate()`'s
    (a hypothesis test holds them to it); the final evaluate stage still uses seqeval itself.
    """
    from seqeval.metrics.sequence_labeling import get_entities

    _check_tags(gold, pred)
    g_loose, p_loose, g_strict, p_strict = set(), set(), set(), set()
    for s, (g, p) in enumerate(zip(gold, pred, strict=True)):
        g_loose.update((s, *e) for e in get_entities(list(g)))
        p_loose.update((s, *e) for e in get_entities(list(p)))
        g_strict.update((s, *e) for e in _strict_spans(g))
        p_strict.update((s, *e) for e in _strict_spans(p))
    return _f1(g_loose, p_loose), _f1(g_strict, p_strict)


def quick_type_f1(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]
                  ) -> tuple[float, dict[str, float]]:
    """Conlleval micro F1 and F1 per gold or predicted type (percent), without seqeval's reports: the
    diagnostics score hundreds of label sets, where the reports cost more than the models' passes.
    Equal to `evaluate(gold, pred).conlleval` (a test holds them to it)."""
    from seqeval.metrics.sequence_labeling import get_entities

    _check_tags(gold, pred)
    g_spans, p_spans = set(), set()
    for s, (g, p) in enumerate(zip(gold, pred, strict=True)):
        g_spans.update((s, *e) for e in get_entities(list(g)))
        p_spans.update((s, *e) for e in get_entities(list(p)))
    types = sorted({e[1] for e in g_spans | p_spans})
    per_type = {t: _f1({e for e in g_spans if e[1] == t}, {e for e in p_spans if e[1] == t}) for t in types}
    return _f1(g_spans, p_spans), per_type
