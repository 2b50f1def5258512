"""What `xner predict` reads: raw text (a sentence per line), CoNLL (one column or labelled), WikiAnn
and JSONL (`{"text": ...}` or `{"tokens": [...], "tags": [...]?}`), each with a clear error on bad input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..data.corpus import Corpus, Sentence
from ..data.readers import read_corpus
from ..data.words import Word, WordTokenizer
from ..errors import DataFormatError

FORMATS = ("auto", "text", "conll", "wikiann", "jsonl")
_TAG = re.compile(r"^(O|[BIES]-\S+)$")
# a sentence ends at . ! ? (and a closing quote/bracket) before whitespace and an upper-case letter, a
# digit or an opening quote; "Dr. Müller" is cut too (give a sentence per line where that matters)
_SENTENCE_END = re.compile(r"[.!?][\"'»”)\]]?(\s+)(?=[\"'„«“(\[]?[A-ZÀ-ÖØ-Þ0-9])")


def split_sentences(text: str) -> list[str]:
    """A paragraph cut into sentences by punctuation (a plain rule, no model)."""
    parts, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        parts.append(text[start:m.start(1)])
        start = m.end(1)
    parts.append(text[start:])
    return [p for p in (part.strip() for part in parts) if p]


@dataclass
class Inputs:
    """Sentences as words; the raw line and word offsets where the input was text; gold tags when
    every sentence had them (what --evaluate scores)."""

    corpus: Corpus  # tags are "O" where the input had none
    texts: list[str | None]
    offsets: list[list[tuple[int, int]] | None]
    labelled: bool
    format: str


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataFormatError(path, 1, "some input, got an empty file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(path, line, f"UTF-8 text, got byte {raw[exc.start]:#04x} at offset "
                              f"{exc.start} (convert it with iconv -t utf-8)") from exc


def sniff(path: Path, text: str) -> str:
    """jsonl by suffix or a leading `{`; CoNLL when every one of the first 50 token lines has 2+
    columns and a tag last; else raw text (a one-column CoNLL file needs --format conll)."""
    if path.suffix in (".jsonl", ".json") or text.lstrip().startswith("{"):
        return "jsonl"
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("-DOCSTART-")][:50]
    if lines and all(len(ln.split()) >= 2 and _TAG.match(ln.split()[-1]) for ln in lines):
        return "wikiann" if all("\t" in ln for ln in lines) and path.suffix != ".conll" else "conll"
    return "text"


def _one_column(path: Path, text: str) -> list[list[str]]:
    sentences: list[list[str]] = [[]]
    for no, line in enumerate(text.splitlines(), 1):
        cols = line.split()
        if not cols:
            if sentences[-1]:
                sentences.append([])
            continue
        if cols[0] == "-DOCSTART-":
            continue
        if len(cols) != 1:
            raise DataFormatError(path, no, f"one token per line (a one-column CoNLL file), got "
                                  f"{len(cols)} columns: {line!r}")
        sentences[-1].append(cols[0])
    return [s for s in sentences if s]


def read_inputs(path: str | Path, fmt: str = "auto", words: WordTokenizer | None = None,
                lang: str = "", sentences: bool = False) -> Inputs:
    """Read `path` (UTF-8) as `fmt`; raw text lines are split by `words`, and with `sentences` each
    line is first cut into sentences (`split_sentences`)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise DataFormatError(path, 0, f"one of the formats {list(FORMATS)}, got {fmt!r}")
    text = _text(path)
    fmt = sniff(path, text) if fmt == "auto" else fmt
    texts: list[str | None] = []
    offsets: list[list[tuple[int, int]] | None] = []
    if fmt in ("conll", "wikiann"):
        first = next(ln for ln in text.splitlines() if ln.strip() and not ln.startswith("-DOCSTART-"))
        if fmt == "conll" and len(first.split()) == 1:
            sents = [Sentence(t, ["O"] * len(t)) for t in _one_column(path, text)]
            corpus, labelled = Corpus.from_sentences(sents, name=path.name, lang=lang), False
        else:
            corpus, labelled = read_corpus(path, fmt, lang=lang), True
        return Inputs(corpus, [None] * len(corpus), [None] * len(corpus), labelled, fmt)
    sents: list[Sentence] = []
    labelled = True
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if fmt == "jsonl":
            records = [_json_record(path, no, line, words)]
        else:
            records = []
            for part in split_sentences(line) if sentences else [line]:
                ws = _split(words, part)
                records.append(([w.text for w in ws], None, part, [(w.start, w.end) for w in ws]))
        for tokens, tags, raw, offs in records:
            labelled &= tags is not None
            sents.append(Sentence(tokens, tags if tags is not None else ["O"] * len(tokens)))
            texts.append(raw)
            offsets.append(offs)
    corpus = Corpus.from_sentences(sents, name=path.name, lang=lang)
    return Inputs(corpus, texts, offsets, labelled and bool(sents), fmt)


def _split(words: WordTokenizer | None, text: str) -> list[Word]:
    if words is None:
        raise ValueError("raw text needs a word tokenizer")
    return words(text)


def _json_record(path: Path, no: int, line: str, words: WordTokenizer | None
                 ) -> tuple[list[str], list[str] | None, str | None, list[tuple[int, int]] | None]:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataFormatError(path, no, f"one JSON object per line, got invalid JSON ({exc.msg})") from exc
    if not isinstance(rec, dict) or not ({"text", "tokens"} & rec.keys()):
        raise DataFormatError(path, no, 'an object with "text" (a string) or "tokens" (a list of '
                              f"strings), got {line[:80]!r}")
    if "tokens" in rec:
        tokens = rec["tokens"]
        if not isinstance(tokens, list) or not all(isinstance(t, str) and t.strip() for t in tokens):
            raise DataFormatError(path, no, '"tokens": a list of non-empty strings')
        tags = rec.get("tags")
        if tags is not None and (not isinstance(tags, list) or len(tags) != len(tokens)):
            raise DataFormatError(path, no, f'"tags": one tag per token ({len(tokens)}), got {tags!r}')
        return tokens, tags, None, None
    if not isinstance(rec["text"], str):
        raise DataFormatError(path, no, '"text": a string')
    ws = _split(words, rec["text"])
    return [w.text for w in ws], None, rec["text"], [(w.start, w.end) for w in ws]
