"""Properties of every strategy, code-switching and shuffling over random labelled IOB2 sentences."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xner.core.data.corpus import Corpus, Sentence, entity_spans
from xner.core.data.labels import is_valid_sequence
from xner.core.translate import (
    STRATEGIES,
    Lexicon,
    Strategy,
    StrategyConfig,
    Translator,
    code_switch,
    shuffle_corpus,
)
from xner.core.translate.precomputed import Precomputed
from xner.core.translate.segments import split_segments

WORDS = ["the", "a", "paris", "john", "bank", "of", "new", "york", "said", "zz", "red", "x"]
TYPES = ["PER", "LOC", "ORG", "MISC"]


class FakeMT(Translator):
    """Deterministic 'translation' that changes word counts: reverses each word, adds a word to
    even-length segments, and translates anything starting with `zz` to nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[list[str]] = []

    @property
    def backend_id(self) -> str:
        return "fake"

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        self.calls.append(list(segments))
        out = []
        for seg in segments:
            words = seg.split()
            if seg.startswith("zz"):
                out.append("")
                continue
            extra = ["und"] if len(words) % 2 == 0 else []
            out.append(" ".join([w[::-1] + "_" + tgt for w in words] + extra))
        return out


@st.composite
def sentences(draw: st.DrawFn) -> Sentence:
    """Random IOB2 sentences built from segments, including adjacent same-type entities."""
    tokens: list[str] = []
    tags: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        n = draw(st.integers(1, 4))
        words = draw(st.lists(st.sampled_from(WORDS), min_size=n, max_size=n))
        etype = draw(st.one_of(st.none(), st.sampled_from(TYPES)))
        tokens += words
        tags += ["O"] * n if etype is None else [f"B-{etype}"] + [f"I-{etype}"] * (n - 1)
    return Sentence(tokens, tags, ["en"] * len(tokens))


corpora = st.lists(sentences(), min_size=1, max_size=4).map(
    lambda s: Corpus.from_sentences(s, name="h", lang="en"))


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory: pytest.TempPathFactory) -> Lexicon:
    rng = random.Random(0)
    lines = [f"{w} {w.upper()[::-1]}{k}" for w in WORDS if rng.random() < 0.7
             for k in range(rng.randint(1, 3))]
    path = tmp_path_factory.mktemp("lex") / "en-de.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Lexicon.load(path, "en", "de")


def precomputed_for(corpus: Corpus) -> Precomputed:
    """Someone else's translation of `corpus`: FakeMT on every segment, plus a word before a
    sentence that starts with an entity and after one that ends with one (context the source lacks)."""
    mt, out = FakeMT(), []
    for sent in corpus:
        tokens: list[str] = []
        tags: list[str] = []
        segs = split_segments(sent.tags)
        for k, (etype, a, b) in enumerate(segs):
            if etype and k == 0:
                tokens, tags = ["die"], ["O"]
            words = mt.translate([" ".join(sent.tokens[a:b])], "en", "de")[0].split() or ["leer"]
            tokens += words
            n = len(words)
            tags += ["O"] * n if etype is None else [f"B-{etype}"] + [f"I-{etype}"] * (n - 1)
        if segs[-1][0] is not None:
            tokens, tags = [*tokens, "ab"], [*tags, "O"]
        out.append(Sentence(tokens, tags, ["de"] * len(tokens)))
    return Precomputed(Path("translated.txt"), Corpus.from_sentences(out, lang="de"),
                       tuple(range(1, len(out) + 1)))


def build(name: str, lexicon: Lexicon, keep_per: bool, corpus: Corpus) -> Strategy:
    cfg = StrategyConfig(name=name, candidate="random", keep_per=keep_per)
    cls = STRATEGIES[name]
    if name == "lexicon-word":
        return cls(cfg, "en", "de", lexicon=lexicon)
    if name == "precomputed":
        return cls(cfg, "en", "de", precomputed=precomputed_for(corpus))
    return cls(cfg, "en", "de", translator=FakeMT())


def types(tags: list[str]) -> list[str]:
    return [t for t, _, _ in entity_spans(tags)]


@pytest.mark.parametrize("name", sorted(STRATEGIES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpora, keep_per=st.booleans(), seed=st.integers(0, 5))
def test_strategy_preserves_entities_and_code_switch_langs(
    name: str, lexicon: Lexicon, corpus: Corpus, keep_per: bool, seed: int
) -> None:
    translation = build(name, lexicon, keep_per, corpus).translate_corpus(corpus, seed=seed)
    d_s_swi, d_t_swi = code_switch(translation, "en", "de")
    for src, tgt, s_swi, t_swi, pieces in zip(corpus, translation.corpus, d_s_swi, d_t_swi,
                                              translation.pieces, strict=True):
        for out in (tgt, s_swi, t_swi):
            assert is_valid_sequence(out.tags)
            assert types(out.tags) == types(src.tags)  # entity count, types and order
            assert len(out.tokens) == len(out.tags) == len(out.langs)
        assert tgt.langs == ["de"] * len(tgt.tokens)
        if name == "lexicon-word":
            assert tgt.tags == src.tags  # one word per word: labels copied as they are
        if name == "precomputed":  # the file's sentence, every word of it, except kept names
            assert keep_per or tgt.tokens == precomputed_for(Corpus.from_sentences([src])).corpus[0].tokens
        for piece in pieces:
            if piece.etype == "PER" and keep_per:
                assert piece.tgt == piece.src
        # D_S^swi: source context (en) + translated entities (de); D_T^swi the other way round
        for sw, ent_lang, ctx_lang, ent_side, ctx_side in (
            (s_swi, "de", "en", "tgt", "src"), (t_swi, "en", "de", "src", "tgt")
        ):
            segs = split_segments(sw.tags)
            ctx_pieces = [p for p in pieces if p.etype is None]
            ent_pieces = [p for p in pieces if p.etype is not None]
            ents = [(a, b) for e, a, b in segs if e is not None]
            assert [sw.tokens[a:b] for a, b in ents] == [list(getattr(p, ent_side))
                                                         for p in ent_pieces]
            assert [sw.tokens[a:b] for e, a, b in segs if e is None] == [
                list(getattr(p, ctx_side)) for p in ctx_pieces if getattr(p, ctx_side)]
            for etype, a, b in segs:
                assert set(sw.langs[a:b]) == {ent_lang if etype else ctx_lang}


@settings(max_examples=120, deadline=None)
@given(corpus=corpora, seed=st.integers(0, 1000))
def test_shuffle_is_a_permutation_inside_each_segment(corpus: Corpus, seed: int) -> None:
    shuffled = shuffle_corpus(corpus, seed, name="shu")
    assert len(shuffled.corpus) == len(corpus) == len(shuffled.order)
    for orig, new, label in zip(corpus, shuffled.corpus, shuffled.order, strict=True):
        assert new.tags == orig.tags  # every label kept in place, B-X still first in its entity
        for _, a, b in split_segments(orig.tags):
            assert Counter(zip(new.tokens[a:b], new.langs[a:b], strict=True)) == Counter(
                zip(orig.tokens[a:b], orig.langs[a:b], strict=True))
        changeable = any(len(set(orig.tokens[a:b])) > 1 for _, a, b in split_segments(orig.tags))
        assert label == int(changeable)
        assert (new.tokens != orig.tokens) == bool(label)
    assert shuffle_corpus(corpus, seed, name="shu").corpus.fingerprint == \
        shuffled.corpus.fingerprint


def test_shuffle_moves_languages_with_words_in_code_switched_text() -> None:
    sent = Sentence(["a", "b", "c", "d"], ["B-ORG", "I-ORG", "O", "O"], ["de", "en", "en", "de"])
    out = shuffle_corpus(Corpus.from_sentences([sent], lang="en"), 0, name="x")
    new = out.corpus[0]
    assert out.order == [1] and new.tags == sent.tags
    assert dict(zip(new.tokens, new.langs, strict=True)) == {"a": "de", "b": "en", "c": "en",
                                                             "d": "de"}


def test_unshuffleable_sentence_keeps_order_label_zero() -> None:
    sent = Sentence(["Paris", "is", "is"], ["B-LOC", "O", "O"])
    out = shuffle_corpus(Corpus.from_sentences([sent], lang="en"), 1, name="x")
    assert out.order == [0] and out.corpus[0].tokens == sent.tokens


def test_phrase_strategy_respreads_labels_on_longer_entities() -> None:
    src = Sentence(["new", "york", "said", "zz"], ["B-LOC", "I-LOC", "O", "O"], ["en"] * 4)
    fake = FakeMT()
    cfg = StrategyConfig(name="mt-phrase", backend="fake")
    out = STRATEGIES["mt-phrase"](cfg, "en", "de", translator=fake).translate_corpus(
        Corpus.from_sentences([src], lang="en"))
    # "new york" -> 3 words (B I I); context "said zz" starts with neither: 2 words + "und"
    assert out.corpus[0].tokens == ["wen_de", "kroy_de", "und", "dias_de", "zz_de", "und"]
    assert out.corpus[0].tags == ["B-LOC", "I-LOC", "I-LOC", "O", "O", "O"]
    assert fake.calls == [["new york", "said zz"]]
    word = STRATEGIES["mt-word-phrase"](StrategyConfig(name="mt-word-phrase", backend="fake"),
                                        "en", "de", translator=FakeMT())
    got = word.translate_corpus(Corpus.from_sentences([src], lang="en"))
    # entity as one phrase; context word by word, and `zz` translated to nothing is kept as is
    assert got.corpus[0].tokens == ["wen_de", "kroy_de", "und", "dias_de", "zz"]
    assert got.metadata["empty_translations"] == 1
