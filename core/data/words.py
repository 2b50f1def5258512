"""Raw text -> words with character offsets, before the sub-word tokenizer ever sees it.

Why: the models were trained on CoNLL's words, and a SentencePiece tokenizer given raw text cuts it
differently (me5: raw-text ids equal word-split ids in 26 of 500 sentences, issue 23). `simple` needs
nothing installed; `moses` (sacremoses, `pip install xner[moses]`) recovers more of CoNLL's own
tokenisation (480/457/487 of 500 de/es/nl test sentences, against 449/442/479 for a plain regex).
"""

from __future__ import annotations

import inspect
import re
from typing import NamedTuple, Protocol

from ..errors import ConfigError
from ..plugins import WORD_TOKENIZERS


class Word(NamedTuple):
    text: str
    start: int  # character offsets into the input line: line[start:end] == text
    end: int


class WordTokenizer(Protocol):
    name: str

    def __call__(self, text: str) -> list[Word]: ...


# a word: letters/digits joined by inner hyphens, apostrophes, dots or commas (U.S.-Regierung,
# 1.000,50, Jean-Pierre); else any single other visible character (punctuation, symbols)
_WORD = re.compile(r"\w+(?:[-'’.,]{1,2}\w+)*|[^\w\s]", re.UNICODE)


def locate(text: str, pieces: list[str]) -> list[Word]:
    """Offsets of `pieces`, found left to right in `text`; a tokenizer that rewrote a piece (Moses
    escaping, quote normalisation) is a bug in how it was called, said here rather than mis-aligned."""
    words, at = [], 0
    for piece in pieces:
        start = text.find(piece, at)
        if start < 0:
            raise ValueError(f"word {piece!r} not found in the text after offset {at}: {text!r}")
        words.append(Word(piece, start, start + len(piece)))
        at = start + len(piece)
    return words


@WORD_TOKENIZERS.register("simple")
class SimpleWords:
    """Regex words and single punctuation marks; no dependency (the default)."""

    name = "simple"

    def __call__(self, text: str) -> list[Word]:
        return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


@WORD_TOKENIZERS.register("moses")
class MosesWords:
    """sacremoses' Moses tokenizer for the text's language (`pip install xner[moses]`)."""

    name = "moses"

    def __init__(self, lang: str = "en") -> None:
        try:
            from sacremoses import MosesTokenizer
        except ImportError as exc:
            raise ConfigError("word tokenizer 'moses' needs sacremoses: pip install 'xner[moses]' "
                              "(or use --words simple)") from exc
        self._tok = MosesTokenizer(lang=lang)
        self.name = f"moses-{lang}"

    def __call__(self, text: str) -> list[Word]:
        return locate(text, self._tok.tokenize(text, escape=False, aggressive_dash_splits=False))


def word_tokenizer(name: str, lang: str = "en") -> WordTokenizer:
    """The registered tokenizer `name`; one that takes a language gets `lang`."""
    factory = WORD_TOKENIZERS.get(name)
    takes_lang = "lang" in inspect.signature(factory).parameters
    return factory(lang=lang) if takes_lang else factory()
