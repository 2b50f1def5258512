"""Sub-word alignment: first sub-token labels, windows for long sentences, merge, parquet cache."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers_for_tests import WORDS, build_wordpiece_tokenizer

from xner.core.data import align
from xner.core.data.align import (
    EncodedCorpus,
    assign_owners,
    encode_corpus,
    encode_corpus_cached,
    merge_windows,
    plan_windows,
    word_first_positions,
)
from xner.core.data.corpus import Corpus, Sentence
from xner.core.data.labels import IGNORE_INDEX, WIKIANN_TYPES, LabelSet
from xner.core.errors import ConfigError, DataFormatError, XnerError

LABELS = LabelSet(("LOC", "ORG", "PER"))
SHARED = Path(os.environ.get("XNER_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
TOK = build_wordpiece_tokenizer()
VOCAB = TOK.get_vocab()
# letters the tokenizer knows both word-initially and as a continuation: words of them never go [UNK]
ALPHABET = sorted(c for c in VOCAB if len(c) == 1 and c.isalpha() and f"##{c}" in VOCAB)


def corpus_of(sentences: list[tuple[list[str], list[str]]], lang: str = "en") -> Corpus:
    return Corpus.from_sentences([Sentence(w, t) for w, t in sentences], name="toy", lang=lang)


def pieces_per_word(enc: EncodedCorpus, r: int) -> dict[int, list[str]]:
    """Word -> its sub-tokens in row r: from its first sub-token up to the next word or [SEP]."""
    row = enc.row(r)
    toks = TOK.convert_ids_to_tokens(row["input_ids"].tolist())
    out: dict[int, list[str]] = {}
    for p in word_first_positions(row):
        end = p + 1
        while end < len(toks) - 1 and toks[end].startswith("##"):
            end += 1
        out[int(row["word_index"][p])] = toks[p:end]
    return out


def test_first_subtoken_carries_label_others_ignored() -> None:
    words = ["Angela", "Merkel", "visited", "Paris", "."]
    tags = ["B-PER", "I-PER", "O", "B-LOC", "O"]
    enc = encode_corpus(corpus_of([(words, tags)]), TOK, LABELS)
    assert len(enc) == 1
    row = enc.row(0)
    toks = TOK.convert_ids_to_tokens(row["input_ids"].tolist())
    assert toks[0] == "[CLS]" and toks[-1] == "[SEP]"
    firsts = word_first_positions(row)
    assert len(firsts) == len(words)
    assert all(not toks[p].startswith("##") for p in firsts)
    assert any(toks[p + 1].startswith("##") for p in firsts)  # some words really split
    assert LABELS.decode(row["label_ids"][firsts].tolist()) == tags
    others = np.setdiff1d(np.arange(len(toks)), firsts)
    assert (row["label_ids"][others] == IGNORE_INDEX).all()
    assert (row["word_index"][others] == -1).all()
    assert row["word_index"][firsts].tolist() == list(range(len(words)))


word_st = st.text(alphabet=ALPHABET, min_size=1, max_size=14)
sentence_st = st.lists(st.tuples(word_st, st.sampled_from(LABELS.tags)), min_size=1, max_size=60)


@settings(max_examples=40, deadline=None)
@given(st.lists(sentence_st, min_size=1, max_size=4), st.sampled_from([12, 24, 128]),
       st.sampled_from([None, 0, 1, 5]))
def test_pieces_and_labels_decode_back_to_the_words(sents, max_length: int, stride) -> None:
    corpus = corpus_of([([w for w, _ in s], [t for _, t in s]) for s in sents])
    enc = encode_corpus(corpus, TOK, LABELS, max_length=max_length, stride=stride)
    assert enc.lengths.max() <= max_length
    for r in range(len(enc)):
        row = enc.row(r)
        words = [w for w, _ in sents[row["sentence"]]]
        for i, pieces in pieces_per_word(enc, r).items():
            text = "".join(p.removeprefix("##") for p in pieces)
            # a word longer than the window keeps its first pieces only
            assert words[i].startswith(text) if len(pieces) >= max_length - 2 else text == words[i]
    merged = merge_windows(enc, [enc.row(r)["label_ids"] for r in range(len(enc))])
    assert [LABELS.decode([int(x) for x in m]) for m in merged] == [[t for _, t in s] for s in sents]


def test_long_sentence_every_word_owned_once_and_scored() -> None:
    rng = np.random.default_rng(0)
    words = [WORDS[i] for i in rng.integers(0, len(WORDS), 300)]
    words[150] = "bdfhk" * 15  # one piece per letter: longer than a whole window
    assert len(TOK.tokenize(words[150])) > 32
    tags = [LABELS.tags[i] for i in rng.integers(0, len(LABELS), 300)]
    enc = encode_corpus(corpus_of([(words, tags)]), TOK, LABELS, max_length=32)
    assert len(enc) > 10
    assert enc.lengths.max() <= 32
    owned = np.concatenate([enc.row(r)["word_index"][word_first_positions(enc.row(r))]
                            for r in range(len(enc))])
    assert sorted(owned.tolist()) == list(range(300))
    merged = merge_windows(enc, [enc.row(r)["label_ids"] for r in range(len(enc))])
    assert LABELS.decode([int(x) for x in merged[0]]) == tags
    huge = next(r for r in range(len(enc)) if 150 in enc.row(r)["word_index"])
    assert enc.lengths[huge] == 32 and enc.row(huge)["label_ids"][1] == LABELS.index(tags[150])
    # windows overlap: rows after the first start with context words they do not own, except
    # next to the huge word, which fills a window by itself
    for r in range(1, len(enc)):
        row = enc.row(r)
        first_owned = int(row["word_index"][word_first_positions(row)[0]])
        assert first_owned > row["word_offset"] or row["word_offset"] in (150, 151)


def test_plan_windows_cover_fit_and_overlap() -> None:
    counts = [1, 3, 2, 1, 1, 4, 1, 2, 2, 1, 9, 1, 1, 1]  # 9 > budget: a window of its own
    windows = plan_windows(counts, budget=6, stride=2)
    assert windows[0][0] == 0 and windows[-1][1] == len(counts)
    for (s0, e0), (s1, e1) in itertools.pairwise(windows):
        assert s0 < s1 <= e0 < e1 and e0 - s1 <= 2  # overlap <= stride, every window adds a word
    assert (10, 11) in windows
    assert all(sum(min(c, 6) for c in counts[s:e]) <= 6 for s, e in windows)
    owners = assign_owners(windows, len(counts))
    assert owners == sorted(owners) and set(owners) == set(range(len(windows)))
    assert plan_windows([3, 1], budget=10, stride=2) == [(0, 2)]
    assert assign_owners([(0, 6), (4, 10)], 10) == [0] * 5 + [1] * 5  # midpoint split, tie earlier


def test_unknown_and_empty_words_still_get_a_label() -> None:
    words = ["Paris", "", "\u200b", "zqx"]
    enc = encode_corpus(corpus_of([(words, ["B-LOC", "O", "B-PER", "O"])]), TOK, LABELS)
    row = enc.row(0)
    firsts = word_first_positions(row)
    assert len(firsts) == 4
    assert TOK.convert_ids_to_tokens(row["input_ids"][firsts[1:]].tolist()) == ["[UNK]"] * 3
    assert LABELS.decode(row["label_ids"][firsts].tolist()) == ["B-LOC", "O", "B-PER", "O"]


def test_langs_and_extras_sit_on_owned_first_subtokens() -> None:
    sent = Sentence(["Angela", "Merkel", "in", "Madrid"], ["B-PER", "I-PER", "O", "B-LOC"],
                    ["en", "en", "es", "es"])
    corpus = Corpus.from_sentences([sent], name="cs")
    enc = encode_corpus(corpus, TOK, LABELS, lang_ids={"en": 0, "es": 1},
                        extras={"entity_mask": [[1, 1, 0, 1]]})
    row = enc.row(0)
    firsts = word_first_positions(row)
    assert row["langs"][firsts].tolist() == [0, 0, 1, 1]
    assert row["entity_mask"][firsts].tolist() == [1, 1, 0, 1]
    rest = np.setdiff1d(np.arange(len(row["input_ids"])), firsts)
    assert (row["langs"][rest] == IGNORE_INDEX).all() and (row["entity_mask"][rest] == -100).all()
    with pytest.raises(DataFormatError, match=r"cs:1: language 'es'"):
        encode_corpus(corpus, TOK, LABELS, lang_ids={"en": 0})
    with pytest.raises(DataFormatError, match="3 values for 4 words"):
        encode_corpus(corpus, TOK, LABELS, extras={"entity_mask": [[1, 1, 0]]})
    with pytest.raises(ConfigError, match="reserved"):
        encode_corpus(corpus, TOK, LABELS, extras={"langs": [[1, 1, 0, 1]]})


def test_bad_inputs_raise_clear_errors() -> None:
    corpus = corpus_of([(["Paris"], ["B-MISC"])])
    with pytest.raises(DataFormatError, match=r"toy:1: tag 'B-MISC' is not in the label set"):
        encode_corpus(corpus, TOK, LABELS)
    ok = corpus_of([(["Paris"], ["B-LOC"])])
    with pytest.raises(ConfigError, match="leaves no room"):
        encode_corpus(ok, TOK, LABELS, max_length=2)
    with pytest.raises(XnerError, match="not a fast tokenizer"):
        encode_corpus(ok, object(), LABELS)
    enc = encode_corpus(ok, TOK, LABELS)
    with pytest.raises(XnerError, match="no outputs for row 0"):
        merge_windows(enc, [])
    with pytest.raises(XnerError, match="owns position 1"):
        merge_windows(enc, [[0]])


def test_save_load_roundtrip_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = corpus_of([(["Angela", "Merkel"], ["B-PER", "I-PER"]), (["in", "Paris"], ["O", "B-LOC"])])
    enc = encode_corpus(corpus, TOK, LABELS, max_length=16)
    enc.save(tmp_path / "e.parquet")
    back = EncodedCorpus.load(tmp_path / "e.parquet")
    assert back.table.equals(enc.table) and back.meta == enc.meta
    assert os.listdir(tmp_path) == ["e.parquet"]  # no temporary left behind

    first = encode_corpus_cached(corpus, TOK, LABELS, 16, tmp_path / "c", "fp/tok:16")
    (cached,) = list((tmp_path / "c").iterdir())
    assert cached.name.startswith("fp_tok_16-")

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("cache miss")

    monkeypatch.setattr(align, "encode_corpus", boom)
    again = encode_corpus_cached(corpus, TOK, LABELS, 16, tmp_path / "c", "fp/tok:16")
    assert again.table.equals(first.table)
    with pytest.raises(AssertionError, match="cache miss"):  # stride is part of the file name
        encode_corpus_cached(corpus, TOK, LABELS, 16, tmp_path / "c", "fp/tok:16", stride=1)
    monkeypatch.undo()
    cached.write_bytes(b"not parquet")
    healed = encode_corpus_cached(corpus, TOK, LABELS, 16, tmp_path / "c", "fp/tok:16")
    assert healed.table.equals(first.table)


def me5_tokenizer():
    path = SHARED / "models" / "me5-small-trimmed"
    if not path.is_dir():
        pytest.skip(f"real encoder not available at {path}")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("words", "tags"),
    [
        (["El", "Abogado", "General", "del", "Estado", ",", "Daryl", "Williams", ",", "subrayó",
          "hoy"],
         ["O", "B-PER", "I-PER", "I-PER", "I-PER", "O", "B-PER", "I-PER", "O", "O", "O"]),
        (list("中国北京大学位于北京"),
         ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O", "B-LOC", "I-LOC"]),
    ],
)
def test_real_encoder_aligns_spanish_and_chinese(words: list[str], tags: list[str]) -> None:
    tok = me5_tokenizer()
    labels = LabelSet(WIKIANN_TYPES)
    enc = encode_corpus(corpus_of([(words, tags)]), tok, labels)
    row = enc.row(0)
    firsts = word_first_positions(row)
    assert len(firsts) == len(words) == int((row["label_ids"] != IGNORE_INDEX).sum())
    assert labels.decode(row["label_ids"][firsts].tolist()) == tags
    ref = tok(words, is_split_into_words=True)
    word_ids = ref.word_ids()
    assert row["input_ids"].tolist() == ref["input_ids"]
    assert firsts == [word_ids.index(i) for i in range(len(words))]


def test_empty_sentence_has_no_row_but_merges_to_an_empty_list() -> None:
    enc = encode_corpus(corpus_of([([], []), (["Paris"], ["B-LOC"])]), TOK, LABELS)
    assert len(enc) == 1 and enc.num_sentences == 2
    assert merge_windows(enc, [enc.row(0)["label_ids"]]) == [[], [LABELS.index("B-LOC")]]
    empty = encode_corpus(corpus_of([]), TOK, LABELS)
    assert len(empty) == 0 and merge_windows(empty, []) == []
