"""Target-side casing learnt from the unlabelled target text (`translation.casing: target`).

MUSE lists its targets in lowercase, and copying the English word's casing (`source`) gives German
text English capitalisation: 5.2% of its non-initial context words capitalised, against 27.0% in
real German train (the UniTrans authors' own en->de file: 24.2%). A model distilled from such data
keeps English's "capitalised = entity" and misfires on every German noun. The unlabelled target text
every method already has says how the language writes each word, so context words take their
dominant mid-sentence form from it; entity words keep the source's pattern (names are capitalised in
every cased language here). Languages without case (hi, ar, zh) are unchanged.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TargetCasing:
    """`forms[w.lower()]` is the form w takes most often away from a sentence's first word."""

    forms: dict[str, str]

    @classmethod
    def learn(cls, sentences: Iterable[Sequence[str]]) -> TargetCasing:
        counts: dict[str, Counter[str]] = {}
        for tokens in sentences:
            for w in tokens[1:]:  # a sentence's first word is capitalised whatever it is
                if any(c.isalpha() for c in w):
                    counts.setdefault(w.lower(), Counter())[w] += 1
        # most frequent form; ties go to the lowercase one, then alphabetically (deterministic)
        return cls({k: min(c.items(), key=lambda kv: (-kv[1], kv[0] != k, kv[0]))[0]
                    for k, c in counts.items()})

    @property
    def sha256(self) -> str:
        return hashlib.sha256("\n".join(f"{k}\t{v}" for k, v in sorted(self.forms.items()))
                              .encode("utf-8")).hexdigest()

    def case(self, source: str, target: str, *, entity: bool, first: bool) -> str:
        """`target` cased for its place: entity words and all-caps source words (CoNLL headlines)
        follow the source; context words take the target text's form (unseen: lowercase); the
        sentence's first word is capitalised."""
        if source.isupper() and len(source) > 1:
            return target.upper()
        if entity:
            return target[:1].upper() + target[1:].lower() if source[:1].isupper() else target.lower()
        out = self.forms.get(target.lower(), target.lower())
        if first and source[:1].isupper():
            out = out[:1].upper() + out[1:]
        return out
