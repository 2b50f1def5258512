"""Label sets, BIO transitions, entity spans and the Arrow corpus (fingerprint, parquet round trip)."""

from __future__ import annotations

import os

import pytest

from xner.core.data.corpus import Corpus, Sentence, entity_spans
from xner.core.data.labels import LabelSet, is_valid_sequence, is_valid_transition


def test_labelset_order_and_roundtrip() -> None:
    ls = LabelSet(("PER", "LOC", "PER"))
    assert ls.tags == ("O", "B-LOC", "I-LOC", "B-PER", "I-PER")
    assert ls.decode(ls.encode(["B-PER", "I-PER", "O"])) == ["B-PER", "I-PER", "O"]
    assert LabelSet.from_tags(["O", "B-ORG", "I-MISC"]).entity_types == ("MISC", "ORG")
    with pytest.raises(KeyError, match="not in the label set"):
        ls.index("B-ORG")


def test_transition_rules() -> None:
    assert not is_valid_transition(None, "I-PER")
    assert is_valid_transition("B-PER", "I-PER")
    assert is_valid_transition("I-PER", "I-PER")
    assert not is_valid_transition("B-LOC", "I-PER")
    assert not is_valid_transition("O", "I-PER")
    assert is_valid_sequence(["B-PER", "I-PER", "O", "B-LOC"])
    assert not is_valid_sequence(["O", "I-LOC"])
    start, trans = LabelSet(("LOC", "PER")).transition_mask()
    assert start.tolist() == [True, True, False, True, False]
    assert trans[1, 2] and not trans[0, 2] and not trans[1, 4]


def test_entity_spans_conlleval_reading() -> None:
    tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "B-ORG", "I-PER"]
    assert entity_spans(tags) == [
        ("PER", 0, 2), ("LOC", 3, 5), ("LOC", 5, 6), ("ORG", 6, 7), ("PER", 7, 8)
    ]


def _corpus() -> Corpus:
    return Corpus.from_sentences(
        [Sentence(["Ana", "vive", "en", "Madrid"], ["B-PER", "O", "O", "B-LOC"]),
         Sentence(["El", "Real", "Madrid", "ganó"], ["O", "B-ORG", "I-ORG", "O"])],
        name="toy", lang="es",
    )


def test_corpus_stats_and_langs() -> None:
    c = _corpus()
    st = c.stats()
    assert (st.sentences, st.tokens, st.entities) == (2, 8, 3)
    assert st.per_type == {"LOC": 1, "ORG": 1, "PER": 1}
    assert c[1].langs == ["es"] * 4


def test_fingerprint_is_content_based(tmp_path) -> None:
    a, b = _corpus(), _corpus()
    assert a.fingerprint == b.fingerprint
    changed = Sentence(["El", "Real", "Madrid", "ganó"], ["O", "B-ORG", "I-ORG", "B-ORG"])
    b2 = Corpus.from_sentences([*list(_corpus())[:1], changed])
    assert b2.fingerprint != a.fingerprint
    # token boundaries matter: ["ab", "c"] and ["a", "bc"] must not collide
    x = Corpus.from_sentences([Sentence(["ab", "c"], ["O", "O"])])
    y = Corpus.from_sentences([Sentence(["a", "bc"], ["O", "O"])])
    assert x.fingerprint != y.fingerprint


def test_parquet_roundtrip_is_atomic(tmp_path) -> None:
    c = _corpus()
    path = tmp_path / "sub" / "c.parquet"
    c.to_parquet(path)
    back = Corpus.from_parquet(path)
    assert (back.name, back.lang, back.fingerprint) == ("toy", "es", c.fingerprint)
    assert list(back) == list(c)
    assert os.listdir(path.parent) == ["c.parquet"]  # no temporary file left behind


def test_sentence_length_mismatch() -> None:
    with pytest.raises(ValueError, match="2 tokens but 1 tags"):
        Sentence(["a", "b"], ["O"])
