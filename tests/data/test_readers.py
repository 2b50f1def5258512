"""Readers, writer, parquet cache and stats on small files written in tmp_path."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.core.data import cache, readers
from xner.core.data.cache import cached_corpus, tokenized_key, tokenizer_id
from xner.core.data.corpus import Corpus, Sentence, entity_spans
from xner.core.data.labels import is_valid_sequence
from xner.core.data.readers import (
    MissingDataFileError,
    load_split,
    read_conll,
    read_corpus,
    read_wikiann,
    repair_iob2,
    write_conll,
)
from xner.core.data.stats import format_stats
from xner.core.errors import ConfigError, DataFormatError


def _write(tmp_path: Path, content: str | bytes, name: str = "f.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _rows(corpus: Corpus) -> list[tuple[list[str], list[str]]]:
    return [(s.tokens, s.tags) for s in corpus]


def conlleval_chunks(tags: list[str]) -> list[tuple[str, int, int]]:
    """A port of conlleval.pl's startOfChunk/endOfChunk (IOB1 and IOB2 alike), as the oracle."""
    chunks, start, prev_tag, prev_type = [], None, "O", ""
    for i, t in enumerate([*tags, "O"]):
        tag, etype = ("O", "") if t == "O" else t.split("-", 1)
        end = prev_tag in ("B", "I") and (tag in ("B", "O") or prev_type != etype)
        begin = tag == "B" or (tag == "I" and (prev_tag == "O" or prev_type != etype))
        if end and start is not None:
            chunks.append((prev_type, start, i))
            start = None
        if begin:
            start = i
        prev_tag, prev_type = tag, etype
    return chunks


def test_conll_two_and_four_columns_docstart_and_blank_runs(tmp_path: Path) -> None:
    two = "-DOCSTART- O\n\nEU B-ORG\nrejects O\n\n\n\nPeter B-PER\nBlackburn I-PER"
    four = ("-DOCSTART- -X- -X- O\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n \t\n"
            "Peter NNP B-NP B-PER\r\nBlackburn\tNNP\tI-NP\tI-PER\r\n\r\n")
    expected = [(["EU", "rejects"], ["B-ORG", "O"]), (["Peter", "Blackburn"], ["B-PER", "I-PER"])]
    for i, text in enumerate((two, four)):
        corpus = read_conll(_write(tmp_path, text, f"{i}.txt"), lang="en")
        assert _rows(corpus) == expected
        assert corpus[0].langs == ["en", "en"] and corpus.lang == "en"
    # BOM; -DOCSTART- alone, or with other column counts than the file, ends a sentence too
    odd = "\ufeffa O\n-DOCSTART-\nb O\n-DOCSTART- -X- -X- O\nc O"
    assert [s.tokens for s in read_conll(_write(tmp_path, odd))] == [["a"], ["b"], ["c"]]


def test_iob1_is_repaired_with_conlleval_spans(tmp_path: Path, caplog) -> None:
    iob1 = "Peter I-PER\nBlackburn I-PER\nBonn I-LOC\nParis B-LOC\nx O\nUN I-ORG\n"
    with caplog.at_level(logging.INFO, logger="xner.core.data.readers"):
        corpus = read_conll(_write(tmp_path, iob1))
    assert corpus[0].tags == ["B-PER", "I-PER", "B-LOC", "B-LOC", "O", "B-ORG"]
    assert "repaired 3 I- tags" in caplog.text
    assert entity_spans(corpus[0].tags) == conlleval_chunks(
        ["I-PER", "I-PER", "I-LOC", "B-LOC", "O", "I-ORG"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]), max_size=12))
def test_repair_keeps_conlleval_spans(tags: list[str]) -> None:
    fixed, n = repair_iob2(tags)
    assert is_valid_sequence(fixed)
    assert entity_spans(fixed) == conlleval_chunks(tags)
    assert n == sum(a != b for a, b in zip(tags, fixed, strict=True))


def test_encoding_fallback_and_explicit(tmp_path: Path, caplog) -> None:
    path = _write(tmp_path, "Añadió O\nMadrid B-LOC\n".encode("latin-1"))
    with caplog.at_level(logging.INFO, logger="xner.core.data.readers"):
        assert read_conll(path)[0].tokens == ["Añadió", "Madrid"]
    assert "read as latin-1" in caplog.text
    assert read_conll(_write(tmp_path, "Añadió O\n".encode("cp1252"), "c.txt"),
                      encoding="cp1252")[0].tokens == ["Añadió"]
    with pytest.raises(ConfigError, match="unknown codec"):
        read_conll(path, encoding="no-such-codec")


# (reader, content, line, message): every malformed input names its line and what was expected.
MALFORMED = [
    (read_conll, "a O\nfoo\n", 2,
     "expected `token TAG` (2 or 4 columns, tag last), got 1 column: 'foo'"),
    (read_conll, "a O\n\nb PER\n", 3, "expected an IOB tag like B-PER, got 'PER'"),
    (read_conll, "a O\nb B-\n", 2, "expected an IOB tag like B-PER, got 'B-'"),
    (read_conll, "a O\nb S-LOC\n", 2, "expected an IOB tag like B-PER, got 'S-LOC'"),
    (read_conll, "a NN O\nb NN B-NP O\n", 2, "expected 3 columns like line 1, got 4: 'b NN B-NP O'"),
    (read_conll, "", 1, "no sentences (the file is empty)"),
    (read_conll, "-DOCSTART- O\n\n\n", 3, "no sentences (only blank and -DOCSTART- lines)"),
    (read_conll, b"a O\nb\x00 O\n", 2, "NUL byte: a binary or UTF-16 file; expected UTF-8/latin-1 "
     "text lines"),
    (read_wikiann, "Madrid\tB-LOC\nParis B-LOC\n", 2,
     "expected `token<TAB>TAG`, got no tab: 'Paris B-LOC'"),
    (read_wikiann, "a\tO\tx\n", 1, "expected `token<TAB>TAG`, got 3 tab-separated columns: 'a\\tO\\tx'"),
    (read_wikiann, "a\tO\n\tO\n", 2, "expected a token before the tab, got '\\tO'"),
    (read_wikiann, "a\tB-per x\n", 1, "expected an IOB tag like B-PER, got 'B-per x'"),
    (read_wikiann, "\n \n\n", 3, "no sentences (the file is empty)"),
]


@pytest.mark.parametrize(("reader", "content", "line", "message"), MALFORMED)
def test_malformed_inputs_name_line_and_expectation(
    tmp_path: Path, reader, content: str | bytes, line: int, message: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(DataFormatError) as info:
        reader(path)
    assert (info.value.path, info.value.line, info.value.detail) == (str(path), line, message)
    assert str(info.value) == f"{path}:{line}: {message}"


def test_undecodable_explicit_encoding_and_directory(tmp_path: Path) -> None:
    path = _write(tmp_path, "a O\n\nAñadió O\n")
    with pytest.raises(DataFormatError, match=r":3: cannot decode byte 0xc3 as ascii$"):
        read_conll(path, encoding="ascii")
    with pytest.raises(DataFormatError, match=r":1: is a directory; expected a data file"):
        read_conll(tmp_path)


def test_missing_file_keeps_path_and_lists_folder(tmp_path: Path) -> None:
    _write(tmp_path, "a O\n", "train.txt")
    with pytest.raises(FileNotFoundError) as info:
        read_conll(tmp_path / "trian.txt")
    assert isinstance(info.value, MissingDataFileError)
    assert info.value.filename == str(tmp_path / "trian.txt")
    assert str(info.value) == f"{tmp_path / 'trian.txt'}: no such data file; {tmp_path} holds: train.txt"
    with pytest.raises(MissingDataFileError, match="does not exist either"):
        read_wikiann(tmp_path / "nope" / "train.txt")


def test_wikiann_prefixes_urls_and_stray_i(tmp_path: Path) -> None:
    raw = "es:Madrid\tB-LOC\nes:es:\tO\nen:http://x.org\tO\n\nzh:北京\tI-LOC\nzh:市\tI-LOC\n"
    corpus = read_wikiann(_write(tmp_path, raw))
    assert _rows(corpus) == [(["Madrid", "es:", "http://x.org"], ["B-LOC", "O", "O"]),
                             (["北京", "市"], ["B-LOC", "I-LOC"])]
    assert corpus[0].langs == ["es", "es", "en"] and corpus.lang == ""
    # unprefixed file (XTREME): `bar:24` and URLs are tokens, not prefixes
    plain = read_wikiann(_write(tmp_path, "bar:24\tO\nhttp://a b\tO\nDe Gaulle\tB-PER\n", "p.txt"),
                         lang="en")
    assert plain[0].tokens == ["bar:24", "http://a b", "De Gaulle"] and plain[0].langs == ["en"] * 3
    assert read_wikiann(_write(tmp_path, "es:a\tO\n", "s.txt")).lang == "es"


def test_read_corpus_and_load_split(tmp_path: Path) -> None:
    (tmp_path / "de").mkdir()
    _write(tmp_path / "de", "a\tO\n", "dev.txt")
    corpus = load_split(tmp_path, "de", "dev", format="wikiann")
    assert (corpus.name, corpus.lang, corpus[0].tokens) == ("de/dev", "de", ["a"])
    assert read_corpus(tmp_path / "de" / "dev.txt", format="conll", name="x").name == "x"
    with pytest.raises(ConfigError, match=r"unknown data format 'iob'; expected one of \['conll'"):
        read_corpus(tmp_path / "de" / "dev.txt", format="iob")


def test_write_conll_round_trip_and_prediction_column(tmp_path: Path) -> None:
    corpus = Corpus.from_sentences([Sentence(["Añadió", "Peter"], ["O", "B-PER"]),
                                    Sentence(["北京"], ["B-LOC"])], lang="es")
    write_conll(corpus, tmp_path / "out" / "gold.txt")
    back = read_conll(tmp_path / "out" / "gold.txt", lang="es")
    assert back.fingerprint == corpus.fingerprint
    preds = [["O", "O"], ["B-LOC"]]
    write_conll(corpus, tmp_path / "pred.txt", extra={"pred": preds})
    assert (tmp_path / "pred.txt").read_text(encoding="utf-8").split("\n") == [
        "Añadió O O", "Peter B-PER O", "", "北京 B-LOC B-LOC", "", ""]
    assert [s.tags for s in read_conll(tmp_path / "pred.txt")] == preds  # tag = last column
    write_conll(corpus, tmp_path / "w.txt", columns=("tokens", "pred", "tags"),
                extra={"pred": preds}, sep="\t")
    assert (tmp_path / "w.txt").read_text(encoding="utf-8").startswith("Añadió\tO\tO\nPeter\tO\tB")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "pred.txt", "w.txt"]  # no temps


def test_write_conll_rejects_what_would_not_read_back(tmp_path: Path) -> None:
    corpus = Corpus.from_sentences([Sentence(["New York"], ["B-LOC"])])
    with pytest.raises(ValueError, match="'New York' is empty or holds whitespace"):
        write_conll(corpus, tmp_path / "a.txt")
    with pytest.raises(ValueError, match="sentence 0 has 2 values for 1 tokens"):
        write_conll(corpus, tmp_path / "a.txt", sep="\t", extra={"pred": [["O", "O"]]})
    with pytest.raises(ValueError, match="extra column 'pred': 0 sentences for 1"):
        write_conll(corpus, tmp_path / "a.txt", sep="\t", extra={"pred": []})
    with pytest.raises(ValueError, match="sep must be"):
        write_conll(corpus, tmp_path / "a.txt", sep="|")
    with pytest.raises(ValueError, match=r"unknown columns \['gold'\]"):
        write_conll(corpus, tmp_path / "a.txt", columns=("tokens", "gold"))
    assert list(tmp_path.iterdir()) == []


def test_cached_corpus_reuses_parquet_without_parsing(tmp_path: Path, monkeypatch) -> None:
    data = _write(tmp_path, "-DOCSTART- O\n\nEU B-ORG\nrejects O\n", "train.txt")
    calls = []
    real = readers.read_corpus
    monkeypatch.setattr(readers, "read_corpus", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = cached_corpus(data, "conll", "en", tmp_path / "cache")
    (entry,) = (tmp_path / "cache").iterdir()
    mtime = entry.stat().st_mtime_ns
    second = cached_corpus(data, "conll", "en", tmp_path / "cache")
    assert calls == [1] and entry.stat().st_mtime_ns == mtime
    assert second.fingerprint == first.fingerprint
    assert (second.name, second.lang) == (first.name, first.lang) == (f"{tmp_path.name}/train", "en")
    cached_corpus(data, "conll", "de", tmp_path / "cache")  # another argument: another entry
    data.write_text("EU B-ORG\n")  # edited content: another entry
    assert cached_corpus(data, "conll", "en", tmp_path / "cache")[0].tokens == ["EU"]
    assert calls == [1, 1, 1] and len(list((tmp_path / "cache").iterdir())) == 3
    entry.write_bytes(b"not parquet")  # a corrupt entry is parsed again and replaced
    data.write_text("-DOCSTART- O\n\nEU B-ORG\nrejects O\n")
    assert cached_corpus(data, "conll", "en", tmp_path / "cache").fingerprint == first.fingerprint
    assert len(calls) == 4 and Corpus.from_parquet(entry).fingerprint == first.fingerprint


def test_cached_corpus_leaves_nothing_for_a_bad_file(tmp_path: Path) -> None:
    bad = _write(tmp_path, "a O\nb PER\n")
    with pytest.raises(DataFormatError, match=":2: expected an IOB tag"):
        cached_corpus(bad, "conll", "en", tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or list((tmp_path / "cache").iterdir()) == []
    with pytest.raises(MissingDataFileError):
        cached_corpus(tmp_path / "none.txt", "conll", "en", tmp_path / "cache")


class _FakeTokenizer:
    def __init__(self, name: str, vocab: dict[str, int]) -> None:
        self.name_or_path, self._vocab = name, vocab

    def get_vocab(self) -> dict[str, int]:
        return dict(self._vocab)

    def __len__(self) -> int:
        return len(self._vocab)


def test_tokenizer_id_and_tokenized_key(tmp_path: Path) -> None:
    a = tokenizer_id(_FakeTokenizer("m", {"a": 0, "b": 1}))
    assert a.startswith("m|2|") and a == tokenizer_id(_FakeTokenizer("m", {"b": 1, "a": 0}))
    assert a != tokenizer_id(_FakeTokenizer("m", {"a": 1, "b": 0}))  # same name, other vocab
    key = tokenized_key("fp", a, 128)
    assert key == tokenized_key("fp", a, 128) and len(key) == 64
    assert len({key, tokenized_key("fp2", a, 128), tokenized_key("fp", a + "x", 128),
                tokenized_key("fp", a, 64)}) == 4
    with pytest.raises(ValueError, match="max_length must be positive"):
        tokenized_key("fp", a, 0)
    path = _write(tmp_path, b"junk")
    assert cache.file_sha256(path) == hashlib.sha256(b"junk").hexdigest()


def test_format_stats_is_aligned_plain_integers() -> None:
    corpus = Corpus.from_sentences([Sentence(["Peter", "in", "Bonn"], ["B-PER", "O", "B-LOC"])] * 4)
    assert format_stats(corpus).split("\n") == [
        "sentences   4", "tokens     12", "entities    8", "  LOC       4", "  PER       4"]
    assert format_stats(corpus, types=("MISC",)).split("\n")[4] == "  MISC      0"
