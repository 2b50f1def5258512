"""What `xner predict` reads, and the word tokenizers: offsets always point at the words, and bad
input is one clear `file:line` error."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xner.core.data.words import MosesWords, SimpleWords, locate, word_tokenizer
from xner.core.errors import ConfigError, DataFormatError, UnknownComponentError
from xner.core.inference.inputs import read_inputs


@given(st.text(max_size=80))
def test_simple_words_offsets_always_slice_the_text(text: str) -> None:
    words = SimpleWords()(text)
    assert all(text[w.start:w.end] == w.text for w in words)
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    assert "".join(w.text for w in words) == "".join(text.split())  # nothing but spaces is lost


def test_simple_words_keep_inner_punctuation() -> None:
    assert [w.text for w in SimpleWords()("Die U.S.-Regierung zahlte 1.000,50 Euro (laut AFP).")] == [
        "Die", "U.S.-Regierung", "zahlte", "1.000,50", "Euro", "(", "laut", "AFP", ")", "."]


def test_moses_words_are_located_in_the_text() -> None:
    text = 'Er sagte: "Wir gewinnen" - am 3. Mai.'
    words = MosesWords("de")(text)
    assert all(text[w.start:w.end] == w.text for w in words) and len(words) >= 9
    with pytest.raises(ValueError, match="not found"):
        locate("abc", ["abd"])


def test_an_unknown_word_tokenizer_lists_the_known_ones() -> None:
    with pytest.raises(UnknownComponentError, match="moses, simple"):
        word_tokenizer("spacy")


def test_inputs_are_sniffed(tmp_path: Path) -> None:
    conll = tmp_path / "a.txt"
    conll.write_text("-DOCSTART- O\n\nMaria B-PER\nruft O\n\nBerlin B-LOC\n", encoding="utf-8")
    got = read_inputs(conll)
    assert got.format == "conll" and got.labelled and [s.tokens for s in got.corpus] == [["Maria", "ruft"],
                                                                                        ["Berlin"]]
    one = tmp_path / "one.conll"
    one.write_text("Maria\nruft\n\nBerlin\n", encoding="utf-8")
    got = read_inputs(one, "conll")
    assert not got.labelled and [s.tokens for s in got.corpus] == [["Maria", "ruft"], ["Berlin"]]
    js = tmp_path / "b.jsonl"
    js.write_text('{"text": "Maria ruft."}\n{"tokens": ["Berlin"], "tags": ["B-LOC"]}\n', encoding="utf-8")
    got = read_inputs(js, words=SimpleWords())
    assert got.format == "jsonl" and not got.labelled and got.offsets[0] == [(0, 5), (6, 10), (10, 11)]


@pytest.mark.parametrize(("content", "fmt", "message"), [
    (b"", "auto", r"empty\.txt:1: some input, got an empty file"),
    (b"Caf\xe9 ok\n", "auto", r"empty\.txt:1: UTF-8 text, got byte 0xe9"),
    (b'{"text": "a"}\n{"txt": "b"}\n', "jsonl", r"empty\.txt:2: an object with \"text\""),
    (b'{"tokens": ["a"], "tags": ["O", "O"]}\n', "jsonl", r"empty\.txt:1: \"tags\": one tag per token"),
    (b"not json\n", "jsonl", r"empty\.txt:1: one JSON object per line"),
    (b"a\nb c\n", "conll", r"empty\.txt:2: one token per line"),
])
def test_bad_input_is_one_clear_line(tmp_path: Path, content: bytes, fmt: str, message: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        read_inputs(path, fmt, SimpleWords())


def test_evaluate_needs_gold_tags(tmp_path: Path) -> None:
    from xner.core.commands.predict import run_predict

    path = tmp_path / "t.txt"
    path.write_text("Maria ruft.\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="--evaluate needs gold tags"):
        run_predict(object(), path, score=True)  # type: ignore[arg-type]


def test_split_sentences_cuts_a_paragraph(tmp_path: Path) -> None:
    from xner.core.inference.inputs import split_sentences

    para = 'Merkel reiste nach Paris. Dort traf sie Macron! "Wir sind einig", sagte er. 2017 war anders.'
    assert split_sentences(para) == ["Merkel reiste nach Paris.", "Dort traf sie Macron!",
                                     '"Wir sind einig", sagte er.', "2017 war anders."]
    path = tmp_path / "p.txt"
    path.write_text(para + "\n", encoding="utf-8")
    got = read_inputs(path, "text", SimpleWords(), sentences=True)
    assert len(got.corpus) == 4 and got.texts[1] == "Dort traf sie Macron!"
    assert all(t[a:b] == w for t, offs, s in zip(got.texts, got.offsets, got.corpus, strict=True)
               for (a, b), w in zip(offs, s.tokens, strict=True))
