"""A translation someone else made: the labelled source train file translated sentence by sentence.

The UniTrans authors' word-by-word MUSE translations (`en2de.train.txt`), or a user's own MT output
with projected labels. The file must hold exactly one sentence per source sentence, in the source's
order, with the same entities (type and order) as its source sentence; the words may differ in number.
It is keyed by its content, so an edited file retrains what reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..data.corpus import Corpus
from ..data.readers import read_corpus, sentence_lines
from ..errors import DataFormatError


@dataclass(frozen=True)
class Precomputed:
    """The translated sentences aligned row by row with the source corpus being translated, and
    each one's first line in `path` (for `file:line` errors)."""

    path: Path
    corpus: Corpus
    lines: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.corpus)


def load_precomputed(path: str | Path, fmt: str, lang: str, source_sentences: int,
                     rows: Sequence[int]) -> Precomputed:
    """Read `path`, check it has one sentence per sentence of the full source file
    (`source_sentences`), and keep `rows`, the rows of the source subset being translated."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"translation.file: no precomputed translation at {path}")
    full = read_corpus(path, format=fmt, lang=lang)
    lines = sentence_lines(path, fmt)
    if len(full) != source_sentences:
        raise DataFormatError(path, lines[-1], f"{len(full)} sentences, but the source train file "
                              f"has {source_sentences}: a precomputed translation needs exactly one "
                              "sentence per source sentence, in the same order")
    return Precomputed(path, full.select(list(rows)), tuple(lines[i] for i in rows))
