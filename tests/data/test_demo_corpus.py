"""The generated demo corpus: deterministic, valid IOB2, balanced, with real cross-lingual structure.

The last tests check that the corpus is worth running the methods on: target word order differs
from a word-by-word translation, and translating English training data with the demo dictionary
measurably helps a simple tagger on Spanish and German, as it helps the papers' models.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest
from seqeval.metrics import f1_score

from xner.core.data.corpus import Sentence, entity_spans
from xner.core.data.labels import CONLL_TYPES, is_valid_sequence
from xner.core.data.readers import read_conll
from xner.core.demo.corpus import (
    DEFAULT_SIZES,
    DEMO_LANGS,
    SPLITS,
    demo_corpus,
    dictionary_pairs,
    generate_sentences,
    parallel_sentences,
    write_demo_dictionary,
)
from xner.core.demo.write import write_demo_corpus
from xner.core.errors import ConfigError

log = logging.getLogger(__name__)
TARGETS = ("es", "de")
SMALL = {lang: {"train": 60, "dev": 20, "test": 20} for lang in DEMO_LANGS}


@pytest.fixture(scope="module")
def corpora() -> dict[tuple[str, str], list[Sentence]]:
    return {(lang, split): list(demo_corpus(lang, split)) for lang in DEMO_LANGS for split in SPLITS}


@pytest.fixture(scope="module")
def dictionaries() -> dict[str, dict[str, list[str]]]:
    return {lang: dict(dictionary_pairs(lang)) for lang in TARGETS}


def test_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a = write_demo_corpus(tmp_path / "a", seed=3, sizes=SMALL)
    b = write_demo_corpus(tmp_path / "b", seed=3, sizes=SMALL)
    c = write_demo_corpus(tmp_path / "c", seed=4, sizes=SMALL)
    expected = {f"{lg}/{s}" for lg in DEMO_LANGS for s in SPLITS}
    expected |= {"muse/en-es", "muse/en-de", "mt/en-es", "mt/en-de"}
    assert set(a) == expected
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    assert a["en/train"].read_bytes() != c["en/train"].read_bytes()
    assert demo_corpus("de", "dev", seed=1).fingerprint == demo_corpus("de", "dev", seed=1).fingerprint
    assert not list(tmp_path.rglob("*.tmp")), "atomic writes leave no temporary files"


def test_written_files_read_back_as_the_in_memory_corpus(tmp_path: Path) -> None:
    paths = write_demo_corpus(tmp_path, seed=2, langs=("es",), sizes={"es": {"train": 40}})
    assert set(paths) == {"es/train", "es/dev", "es/test", "muse/en-es", "mt/en-es"}
    back = read_conll(paths["es/train"], lang="es")
    assert len(back) == 40
    assert back.fingerprint == demo_corpus("es", "train", seed=2, n=40).fingerprint
    assert len(read_conll(paths["es/test"], lang="es")) == DEFAULT_SIZES["es"]["test"]


def test_sentences_are_valid_iob2_with_clean_tokens(corpora) -> None:
    for key, sents in corpora.items():
        assert len(sents) == DEFAULT_SIZES[key[0]][key[1]]
        for s in sents:
            assert is_valid_sequence(s.tags), (key, s)
            assert all(t and not any(c.isspace() for c in t) for t in s.tokens), (key, s)
            assert s.langs == [key[0]] * len(s.tokens)
            assert s.tokens[0][0].isupper() or not s.tokens[0][0].isalpha(), s


def test_every_split_has_all_four_types_in_reasonable_balance(corpora) -> None:
    for key, sents in corpora.items():
        counts = Counter(t for s in sents for t, _, _ in entity_spans(s.tags))
        total = sum(counts.values())
        assert set(counts) == set(CONLL_TYPES), key
        shares = {t: counts[t] / total for t in CONLL_TYPES}
        assert all(0.08 <= v <= 0.45 for v in shares.values()), (key, shares)
        assert 1.2 <= total / len(sents) <= 3.0, key  # entity density of a news corpus


def test_the_task_is_ambiguous(corpora) -> None:
    """Same surface form with different types, misleading case, unseen test names."""
    for lang in DEMO_LANGS:
        train = corpora[lang, "train"]
        types: defaultdict[str, set[str]] = defaultdict(set)
        capital_o = lower_entity = 0
        for s in train:
            for i, (tok, tag) in enumerate(zip(s.tokens, s.tags, strict=True)):
                types[tok].add(tag[2:] if tag != "O" else "O")
                capital_o += i > 0 and tag == "O" and tok[0].isupper()
                lower_entity += tag != "O" and tok[0].islower()
        assert sum(len(v - {"O"}) > 1 for v in types.values()) >= 5, lang  # Liverpool, Ford, ...
        if lang != "es":  # English days and titles, German nouns
            assert capital_o / len(train) > 0.3, lang
        if lang != "en":  # inglés, deutsche: MISC in lower case
            assert lower_entity / len(train) > 0.1, lang
        names = lambda sents: {" ".join(s.tokens[a:b]) for s in sents  # noqa: E731
                               for _, a, b in entity_spans(s.tags)}
        test_names = names(corpora[lang, "test"])
        unseen = len(test_names - names(train)) / len(test_names)
        assert 0.1 < unseen < 0.6, (lang, unseen)


def test_dictionary_is_muse_format_with_preferred_targets_first(tmp_path: Path, corpora) -> None:
    for lang in TARGETS:
        path = write_demo_dictionary(lang, tmp_path / f"en-{lang}.txt")
        lines = path.read_text(encoding="utf-8").splitlines()
        pairs = [tuple(line.split(" ")) for line in lines]
        assert all(len(p) == 2 and all(p) for p in pairs), "exactly `source target` per line"
        assert len(set(pairs)) == len(pairs)
        assert all(src == src.lower() for src, _ in pairs)
        first: dict[str, str] = {}
        for src, tgt in pairs:
            first.setdefault(src, tgt)
        assert len(first) >= 300, "a lexicon of a few hundred source words"
        targets = {t.lower() for _, t in pairs}
        context = [t.lower() for s in corpora[lang, "train"]
                   for t, g in zip(s.tokens, s.tags, strict=True) if g == "O" and t.isalpha()]
        coverage = sum(t in targets for t in context) / len(context)
        assert coverage > 0.95, (lang, coverage)
    es = dict(dictionary_pairs("es"))
    assert es["the"][0] == "el" and es["visited"][0] == "visitó"
    assert es["london"] == ["londres"] and es["germany"] == ["alemania"]
    assert es["english"][:2] == ["inglés", "inglesa"]
    de = dict(dictionary_pairs("de"))
    assert de["germany"] == ["deutschland"] and de["house"][0] == "Haus"  # German nouns keep caps
    assert de["german"][0] == "deutsch"


def _aligned_order_differs(en: Sequence[str], tgt: Sequence[str], lex: dict[str, list[str]]) -> bool:
    """Align target words to the one English word whose translations contain them; any crossing?"""
    cands = [{w.lower(), *(c.lower() for c in lex.get(w.lower(), []))} for w in en]
    links = []
    for word in (t.lower() for t in tgt):
        hits = [i for i, c in enumerate(cands) if word in c]
        if len(hits) == 1:
            links.append(hits[0])
    once = Counter(links)
    seq = [i for i in links if once[i] == 1]
    return seq != sorted(seq)


def test_target_word_order_differs_from_word_by_word_translation(dictionaries) -> None:
    par = parallel_sentences(600, seed=0)
    for lang in TARGETS:
        frac = sum(_aligned_order_differs(p["en"].tokens, p[lang].tokens, dictionaries[lang])
                   for p in par) / len(par)
        log.info("%s sentences whose order differs from word-by-word: %.2f", lang, frac)
        assert frac > 0.3, (lang, frac)
    # the measure itself: English against itself never crosses
    assert not any(_aligned_order_differs(p["en"].tokens, p["en"].tokens, {}) for p in par)


def _etype(tag: str) -> str:
    return tag[2:] if tag != "O" else "O"


class LookupTagger:
    """Majority entity type per lowercased word, backing off to (previous word, capitalised), then
    to (capitalised, sentence-initial); adjacent equal types form one entity."""

    def __init__(self, sents: Sequence[Sentence]) -> None:
        self.tables: list[defaultdict] = [defaultdict(Counter) for _ in range(3)]
        for s in sents:
            for i, tag in enumerate(s.tags):
                for table, key in zip(self.tables, self._keys(s.tokens, i), strict=True):
                    table[key][_etype(tag)] += 1

    @staticmethod
    def _keys(tokens: Sequence[str], i: int) -> tuple:
        cap = tokens[i][0].isupper()
        return tokens[i].lower(), (tokens[i - 1].lower() if i else "<s>", cap), (cap, i == 0)

    def predict(self, tokens: Sequence[str]) -> list[str]:
        types = []
        for i in range(len(tokens)):
            hits = [t[k] for t, k in zip(self.tables, self._keys(tokens, i), strict=True) if k in t]
            types.append(hits[0].most_common(1)[0][0] if hits else "O")
        return ["O" if t == "O" else ("I-" if i and types[i - 1] == t else "B-") + t
                for i, t in enumerate(types)]


def _word_by_word(s: Sentence, lex: dict[str, list[str]]) -> Sentence:
    """MUSE-style: first target, source capitalisation, unknown words copied, labels copied."""
    out = []
    for tok in s.tokens:
        tgt = lex.get(tok.lower(), [tok])[0]
        out.append(tgt[0].upper() + tgt[1:] if tok[0].isupper() else tgt)
    return Sentence(out, list(s.tags))


def _tagger_f1(train: Sequence[Sentence], test: Sequence[Sentence]) -> float:
    tagger = LookupTagger(train)
    return 100 * f1_score([s.tags for s in test], [tagger.predict(s.tokens) for s in test])


def test_word_by_word_translation_helps_transfer(corpora, dictionaries) -> None:
    en_train = corpora["en", "train"]
    for lang in TARGETS:
        test = corpora[lang, "test"]
        direct = _tagger_f1(en_train, test)
        translated = _tagger_f1([_word_by_word(s, dictionaries[lang]) for s in en_train], test)
        in_language = _tagger_f1(corpora[lang, "train"], test)
        log.info("%s lookup-tagger F1: direct %.1f, translated %.1f, in-language %.1f",
                 lang, direct, translated, in_language)
        assert 25 < direct < 65, (lang, direct)
        assert translated > direct + 15, (lang, direct, translated)
        assert translated < 95 and in_language < 97, (lang, translated, in_language)


def test_default_generation_is_fast() -> None:
    start = time.perf_counter()
    for lang in DEMO_LANGS:
        for split in SPLITS:
            demo_corpus(lang, split, seed=7)
    elapsed = time.perf_counter() - start
    log.info("all default splits generated in %.2f s", elapsed)
    assert elapsed < 5.0  # ~0.3 s here; generous for a loaded CI machine


def test_bad_arguments_raise_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown language 'fr'"):
        demo_corpus("fr", "train")
    with pytest.raises(ConfigError, match="unknown split 'valid'"):
        demo_corpus("en", "valid")
    with pytest.raises(ConfigError, match=">= 0"):
        generate_sentences("en", -1)
    with pytest.raises(ConfigError, match="from English"):
        dictionary_pairs("en")
    with pytest.raises(ConfigError, match="unknown split 'training'"):
        write_demo_corpus(tmp_path, sizes={"es": {"training": 5}})
    assert not any(tmp_path.iterdir()), "nothing is written when the arguments are bad"
