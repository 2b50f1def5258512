"""MUSE lexicon loading, its error messages, casing, and the lexicon-word strategy's options."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from xner.core.data.corpus import Corpus, Sentence
from xner.core.errors import ConfigError, DataFormatError
from xner.core.translate import (
    DictionaryError,
    Lexicon,
    StrategyConfig,
    apply_casing,
    make_strategy,
    resolve_dictionary,
)

MUSE = """the el
the la
european europeo
commission comisión
said dijo
us nosotros
US EEUU
berlin berlín
peter pedro
germany alemania
"""


@pytest.fixture
def muse(tmp_path: Path) -> Path:
    path = tmp_path / "en-es.txt"
    path.write_text(MUSE, encoding="utf-8")
    return path


def corpus() -> Corpus:
    return Corpus.from_sentences([
        Sentence(["The", "European", "Commission", "said", "Peter", "Smith", "flew", "to", "BERLIN"],
                 ["O", "B-ORG", "I-ORG", "O", "B-PER", "I-PER", "O", "O", "B-LOC"]),
        Sentence(["US", "us", "Germany"], ["B-LOC", "O", "B-LOC"]),
    ], name="toy", lang="en")


def test_load_keeps_candidates_in_file_order_and_hashes_content(muse: Path) -> None:
    lex = Lexicon.load(muse, "en", "es")
    assert lex.candidates("the") == ("el", "la")
    assert lex.candidates("The") == ("el", "la")  # lowercase fallback
    assert lex.candidates("US") == ("EEUU",)  # exact match wins over the lowercase entry
    assert lex.candidates("Us") == ("nosotros",)
    assert lex.candidates("paris") is None
    assert len(lex) == 9 and len(lex.sha256) == 64


def test_one_column_line_names_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "en-es.txt"
    path.write_text("the el\n\nlonely\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"en-es\.txt:3: expected 2 .*got 1: 'lonely'"):
        Lexicon.load(path, "en", "es")


def test_empty_dictionary_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "en-es.txt"
    path.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"en-es\.txt: the en-es dictionary is empty"):
        Lexicon.load(path, "en", "es")


def test_missing_file_names_path_and_pair(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match=r"no en-es dictionary at .*nowhere\.txt"):
        Lexicon.load(tmp_path / "nowhere.txt", "en", "es")


def test_resolve_dictionary_file_dir_mapping_and_unconfigured_pair(muse: Path) -> None:
    assert resolve_dictionary(muse, "en", "es") == muse
    assert resolve_dictionary(muse.parent, "en", "es") == muse
    assert resolve_dictionary({"es": muse}, "en", "es") == muse
    assert resolve_dictionary({"en-es": muse}, "en", "es") == muse
    with pytest.raises(DictionaryError, match=r"pair en-de in .*expected en-de\.txt \(found: en-es\)"):
        resolve_dictionary(muse.parent, "en", "de")
    with pytest.raises(DictionaryError, match=r"no dictionary configured for language pair en-de "
                                              r"\(configured: es\)"):
        resolve_dictionary({"es": muse}, "en", "de")
    with pytest.raises(DictionaryError, match="no dictionary configured for language pair en-zh"):
        make_strategy({"name": "lexicon-word"}, "en", "zh", dictionary=None)


@pytest.mark.parametrize(("source", "target", "casing", "expected"), [
    ("The", "el", "source", "El"),
    ("BERLIN", "berlín", "source", "BERLÍN"),
    ("said", "Dijo", "source", "dijo"),
    ("I", "ich", "source", "ICH"),
    ("house", "Haus", "german-nouns", "Haus"),  # capitalised in the dictionary: kept
    ("house", "haus", "german-nouns", "haus"),  # lowercase noun, no tagger: stays (documented)
    ("Berlin", "berlin", "german-nouns", "Berlin"),
    ("EU", "eu", "german-nouns", "EU"),
    ("I", "ich", "german-nouns", "Ich"),
    ("The", "el", "none", "el"),
])
def test_apply_casing(source: str, target: str, casing: str, expected: str) -> None:
    assert apply_casing(source, target, casing) == expected


def test_first_candidate_source_casing_keep_per(muse: Path) -> None:
    t = make_strategy({"name": "lexicon-word"}, "en", "es", dictionary=muse).translate_corpus(corpus())
    first, second = list(t.corpus)
    assert first.tokens == ["El", "Europeo", "Comisión", "dijo", "Peter", "Smith", "flew", "to",
                            "BERLÍN"]
    assert first.tags == corpus()[0].tags and first.langs == ["es"] * 9
    assert second.tokens == ["EEUU", "nosotros", "Alemania"]
    # found: the european commission said peter berlin | US us germany (smith, flew, to missing)
    assert (t.tokens, t.found, t.translated) == (12, 9, 8)
    assert t.metadata["dictionary_sha256"] == Lexicon.load(muse, "en", "es").sha256
    assert t.metadata["coverage"] == pytest.approx(9 / 12, abs=1e-6)


def test_options_translate_per_and_no_entities(muse: Path) -> None:
    per = make_strategy({"name": "lexicon-word", "keep_per": False}, "en", "es", dictionary=muse)
    assert per.translate_corpus(corpus()).corpus[0].tokens[4:6] == ["Pedro", "Smith"]
    none = make_strategy({"name": "lexicon-word", "translate_entities": False, "keep_per": False},
                         "en", "es", dictionary=muse)
    tokens = none.translate_corpus(corpus()).corpus[0].tokens
    assert tokens == ["El", "European", "Commission", "dijo", "Peter", "Smith", "flew", "to",
                      "BERLIN"]


def test_random_candidate_is_seeded(muse: Path) -> None:
    big = Corpus.from_sentences([Sentence(["the"] * 40, ["O"] * 40)], lang="en")
    strat = make_strategy({"name": "lexicon-word", "candidate": "random"}, "en", "es",
                          dictionary=muse)
    a = strat.translate_corpus(big, seed=3).corpus[0].tokens
    assert a == strat.translate_corpus(big, seed=3).corpus[0].tokens
    assert set(a) == {"el", "la"}
    assert a != strat.translate_corpus(big, seed=4).corpus[0].tokens


def test_every_choice_recorded_and_logged(muse: Path, caplog: pytest.LogCaptureFixture) -> None:
    cfg = {"name": "lexicon-word", "candidate": "random", "casing": "german-nouns",
           "keep_per": False, "translate_entities": True}
    with caplog.at_level(logging.INFO, logger="xner.core.translate"):
        meta = make_strategy(cfg, "en", "es", dictionary=muse).translate_corpus(corpus(), 7).metadata
    for key, value in {**cfg, "strategy": "lexicon-word", "src": "en", "tgt": "es", "seed": 7,
                       "dictionary": str(muse)}.items():
        assert meta[key] == value, key
    assert '"casing": "german-nouns"' in caplog.text and '"keep_per": false' in caplog.text


def test_bad_strategy_config_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"translate\.casing: expected one of"):
        StrategyConfig(casing="Title")
    with pytest.raises(ConfigError, match=r"translate\.name: unknown strategy 'muse'; known: "
                                          r"lexicon-word, mt-phrase"):
        StrategyConfig(name="muse")
    with pytest.raises(ConfigError, match=r"translate\.colour: unknown option"):
        StrategyConfig.from_mapping({"colour": "red"})
