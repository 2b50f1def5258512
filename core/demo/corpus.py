"""A deterministic English/Spanish/German NER corpus, so `make demo` and the tests need no real data.

Sentences come from templates (lexicon_entities.TEMPLATES) filled with a hand-written lexicon and entity
names. The targets differ from English where the papers' methods have work to do: Spanish puts
adjectives after nouns, contracts `a el` -> `al` and often puts the verb first; German is
verb-second after a fronted adverbial, verb-final after `dass`/`weil`, splits separable verbs;
many places and organisations have exonyms (London/Londres) while persons keep their names; and
capitalisation misleads (German nouns, English days and titles, surnames such as Ford or Richter
that are also organisations or words, clubs named like cities). A fifth of the names never occur
in a training split, so dev/test hold unseen entities. Only `random.Random` instances seeded from
(seed, language, split) are used: the same seed gives byte-identical files.
"""

from __future__ import annotations

import logging
import os
import random
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..data.corpus import Corpus, Sentence
from ..errors import ConfigError
from .lexicon import DEMO_LANGS, Adj, DemoLexicon, Entity, Noun, Template, Verb, load_lexicon

log = logging.getLogger(__name__)

SPLITS: tuple[str, ...] = ("train", "dev", "test")
# small enough that a TransAdv demo on a tiny BERT runs in minutes on 2 CPU cores
DEFAULT_SIZES: Mapping[str, Mapping[str, int]] = {
    "en": {"train": 1500, "dev": 300, "test": 300},
    "es": {"train": 1000, "dev": 300, "test": 300},
    "de": {"train": 1000, "dev": 300, "test": 300},
}
Tok = tuple[str, str]  # (token, IOB2 tag)

ENTITY_KINDS = ("PER", "PERF", "LOC", "ORG", "CLUB", "EVENT", "LANG")  # PERF: always the full name
VERB_KINDS = {"TRAVEL": "travel", "TRANS": "trans", "PERV": "per", "SAY": "say", "INTR": "intr"}
# noun phrases: kind -> (noun categories, determiner, P(adjective), P(nationality));
# OBJ takes its categories from the template's `trans` verb and is definite or indefinite.
NP_KINDS: Mapping[str, tuple[tuple[str, ...], str, float, float]] = {
    "OBJ": ((), "", 0.35, 0.2), "ACTOR": (("actor",), "def", 0.15, 0.3),
    "ACTORN": (("actor",), "def", 0.0, 1.0), "ACTOR0": (("actor",), "def", 0.0, 0.0),
    "ROLEN": (("role",), "def", 0.0, 1.0), "BLD": (("bld",), "def", 0.0, 0.0),
    "BLDA": (("bld",), "def", 0.5, 0.0), "PEOPLE": (("people",), "num", 0.15, 0.85),
}


@dataclass(frozen=True)
class NP:
    noun: Noun
    det: str  # def | indef | num
    plural: bool
    mod: Adj | None
    count: int = 0  # index into lexicon.counts when det == "num"


def _held_out(key: str) -> bool:
    """A fifth of all names never appear in a training split (crc32: stable across processes)."""
    return zlib.crc32(key.encode("utf-8")) % 5 == 0


class _Sampler:
    """Draws a template's fillers: names by the corpus language (its own, international, foreign)."""

    def __init__(self, rng: random.Random, lang: str, train: bool) -> None:
        self.rng, self.lang, self.train, self.lx = rng, lang, train, load_lexicon()

    def _pick(self, pool: Sequence[Entity]) -> Entity:
        allowed = [e for e in pool if not (self.train and _held_out(e.key))]
        return self.rng.choice(allowed or pool)

    def entity(self, kind: str) -> Entity:
        rng, lx = self.rng, self.lx
        if kind in ("PER", "PERF"):
            if rng.random() < 0.2:
                return self._pick(lx.entities["FAMOUS"]["intl"])
            home = self.lang if rng.random() < 0.7 else rng.choice(DEMO_LANGS)
            first, gender = rng.choice(lx.first_names[home])
            last = rng.choice([n for n in lx.last_names[home] if not (self.train and _held_out(n))])
            toks = (last,) if kind == "PER" and rng.random() < 0.25 else (first, last)
            return Entity("PER", dict.fromkeys(DEMO_LANGS, toks), last, gender)
        pools = lx.entities[kind]
        r = rng.random()
        home = self.lang if r < 0.45 else "intl" if r < 0.85 else rng.choice(DEMO_LANGS)
        return self._pick(pools.get(home) or pools["intl"])

    def noun_phrase(self, kind: str, frame: Mapping[str, object]) -> NP:
        rng, lx = self.rng, self.lx
        cats, det, p_adj, p_nat = NP_KINDS[kind]
        if kind == "OBJ":
            cats = next(v.cats for v in frame.values() if isinstance(v, Verb) and v.cls == "trans")
            det = "def" if rng.random() < 0.55 else "indef"
        noun = rng.choice([n for n in lx.nouns if n.cat in cats])
        r = rng.random()
        mod = (rng.choice([a for a in lx.adjectives if not a.state]) if r < p_adj
               else rng.choice(lx.nationalities) if r < p_adj + p_nat else None)
        if det == "num":
            return NP(noun, det, True, mod, rng.randrange(len(lx.counts)))
        plural = kind == "OBJ" and noun.forms["de"][1] is not None and rng.random() < 0.2
        return NP(noun, det, plural, mod)

    def draw(self, kind: str, frame: Mapping[str, object]) -> object:
        rng, lx = self.rng, self.lx
        if kind in VERB_KINDS:
            return rng.choice([v for v in lx.verbs if v.cls == VERB_KINDS[kind]])
        if kind in ENTITY_KINDS:
            return self.entity(kind)
        if kind in NP_KINDS:
            return self.noun_phrase(kind, frame)
        if kind in ("ADJ", "SADJ"):
            return rng.choice([a for a in lx.adjectives if a.state == (kind == "SADJ")])
        if kind == "ROLE":
            return rng.choice([n for n in lx.nouns if n.cat == "role"])
        tables = {"DAY": lx.days, "MONTH": lx.months, "COUNT": lx.counts, "ORD": lx.ordinals,
                  "CLAUSE": lx.clauses}
        if kind in tables:
            return (kind, rng.randrange(len(tables[kind])))
        if kind in ("YEAR", "NUM"):
            return (kind, rng.randint(1990, 2023) if kind == "YEAR" else rng.randint(2, 250))
        if kind == "PCT":
            return (kind, rng.randint(1, 12), rng.randint(1, 9) if rng.random() < 0.5 else None)
        if kind == "SCORE":
            a = rng.randint(1, 5)
            return (kind, a, rng.randint(0, a - 1))
        raise ValueError(f"unknown demo slot kind {kind!r}")

    def frame(self, tpl: Template) -> dict[str, object]:
        frame: dict[str, object] = {}
        for name, kind, _ in tpl.slots:
            for _ in range(20):  # two slots of one kind (c:CLUB d:CLUB) get different fillers
                value = self.draw(kind, frame)
                if value not in frame.values():
                    break
            frame[name] = value
        return frame


_DE_ART = {"def": {"nom": {"m": "der", "f": "die", "n": "das", "pl": "die"},
                   "acc": {"m": "den", "f": "die", "n": "das", "pl": "die"}},
           "indef": {"nom": {"m": "ein", "f": "eine", "n": "ein"},
                     "acc": {"m": "einen", "f": "eine", "n": "ein"}}}
# adjective endings: weak after der/die/das, mixed after ein, strong without article (plural)
_DE_END = {"def": {"nom": {"m": "e", "f": "e", "n": "e", "pl": "en"},
                   "acc": {"m": "en", "f": "e", "n": "e", "pl": "en"}},
           "indef": {"nom": {"m": "er", "f": "e", "n": "es", "pl": "e"},
                     "acc": {"m": "en", "f": "e", "n": "es", "pl": "e"}}}
_ES_ART = {"def": ("el", "la", "los", "las"), "indef": ("un", "una", "", "")}
_DE_ENDINGS = ("e", "en", "er", "es")


def _words(text: str) -> list[Tok]:
    return [(w, "O") for w in text.replace("_", " ").split()]


def _es_adj(adj: Adj, gender: str, plural: bool) -> str:
    return adj.es[(gender == "f") + 2 * plural]


def _render_np(np: NP, lang: str, form: str, lx: DemoLexicon) -> list[Tok]:
    """`the new factory` / `la fábrica nueva` / `die neue Fabrik` (German case from `form`)."""
    sg, pl = np.noun.forms[lang]
    noun = (pl or sg) if np.plural else sg
    if form == "noun":
        return [(sg, "O")]
    tag = "B-MISC" if np.mod and np.mod.nat else "O"
    if lang == "en":
        mod = [(np.mod.en, tag)] if np.mod else []
        nxt = (mod[0][0] if mod else noun).lower()
        vowel = nxt[0] in "aeiou" and not nxt.startswith(("uni", "eu", "use"))
        det = {"def": "the", "num": lx.counts[np.count][0],
               "indef": "" if np.plural else "an" if vowel else "a"}[np.det]
        return [*_words(det), *mod, (noun, "O")]
    if lang == "es":
        g = np.noun.gender["es"]
        det = (lx.counts[np.count][1] if np.det == "num"
               else _ES_ART[np.det][(g == "f") + 2 * np.plural])
        mod = [(_es_adj(np.mod, g, np.plural), tag)] if np.mod else []
        return [*_words(det), (noun, "O"), *mod]
    g = "pl" if np.plural else np.noun.gender["de"]
    case = form if form in ("nom", "acc") else "nom"
    kind = "indef" if np.det in ("indef", "num") else "def"
    det = lx.counts[np.count][2] if np.det == "num" else _DE_ART[kind][case].get(g, "")
    mod = [(np.mod.de[1] + _DE_END[kind][case][g], tag)] if np.mod else []
    return [*_words(det), *mod, (noun, "O")]


def _render_slot(value: object, lang: str, form: str, agree: object, lx: DemoLexicon) -> list[Tok]:
    if isinstance(value, Entity):
        if form == "art":  # `the World Cup` / `el Mundial` / `die Weltmeisterschaft`
            return _words(value.art[lang] if value.art else "")
        if form == "rel":
            return _words({"en": "who", "es": "que", "de": "die" if value.gender == "f" else "der"}[lang])
        return [(t, ("I-" if i else "B-") + value.etype) for i, t in enumerate(value.forms[lang])]
    if isinstance(value, NP):
        return _render_np(value, lang, form, lx)
    if isinstance(value, Verb):
        return _words(value.forms[lang][form or "past"])
    if isinstance(value, Adj):  # predicative: Spanish agrees with its noun, German does not inflect
        if lang == "es" and isinstance(agree, NP):
            return [(_es_adj(value, agree.noun.gender["es"], agree.plural), "O")]
        return [({"en": value.en, "es": value.es[0], "de": value.de[0]}[lang], "O")]
    if isinstance(value, Noun):  # a role: `President Clinton`, `el presidente Clinton`
        word = value.forms[lang][0]
        return [(word[0].upper() + word[1:] if form == "title" else word, "O")]
    i = DEMO_LANGS.index(lang)
    kind, *args = value  # type: ignore[misc]
    if kind in ("DAY", "MONTH", "COUNT"):
        return [({"DAY": lx.days, "MONTH": lx.months, "COUNT": lx.counts}[kind][args[0]][i], "O")]
    if kind == "ORD":  # `terminó tercera`, `wurde Dritte` for a woman
        forms = lx.ordinals[args[0]][i].split("/")
        return [(forms[-1] if isinstance(agree, Entity) and agree.gender == "f" else forms[0], "O")]
    if kind == "CLAUSE":  # German has a verb-final and a verb-second version
        return _words(lx.clauses[args[0]][3 if lang == "de" and form == "main" else i])
    if kind == "PCT":
        sep = "." if lang == "en" else ","
        return [(str(args[0]) + (f"{sep}{args[1]}" if args[1] is not None else ""), "O")]
    if kind == "SCORE":
        return [(f"{args[0]}{':' if lang == 'de' else '-'}{args[1]}", "O")]
    return [(str(args[0]), "O")]  # YEAR, NUM


def _render(tpl: Template, frame: Mapping[str, object], variant: int, lang: str) -> Sentence:
    lx = load_lexicon()
    agree = {name: frame[a] for name, _, a in tpl.slots if a}
    toks: list[Tok] = []
    for word in tpl.variants[lang][variant]:
        if word.startswith("{"):
            name, _, form = word[1:-1].partition(":")
            toks += _render_slot(frame[name], lang, form, agree.get(name), lx)
        else:
            toks += _words(word)
    if lang == "es":  # a el -> al, de el -> del (never inside a name: `de El Cairo` stays)
        merged: list[Tok] = []
        for tok in toks:
            if merged and tok == ("el", "O") and merged[-1] in (("a", "O"), ("de", "O")):
                merged[-1] = ("al" if merged[-1][0] == "a" else "del", "O")
            else:
                merged.append(tok)
        toks = merged
    first, tag = toks[0]
    toks[0] = (first[0].upper() + first[1:], tag)
    return Sentence([t for t, _ in toks], [g for _, g in toks], [lang] * len(toks))


def _check(lang: str, split: str | None = None) -> None:
    if lang not in DEMO_LANGS:
        raise ConfigError(f"demo: unknown language {lang!r}; the demo corpus has {list(DEMO_LANGS)}")
    if split is not None and split not in SPLITS:
        raise ConfigError(f"demo: unknown split {split!r}; expected one of {list(SPLITS)}")


def _draws(n: int, seed: int, lang: str, split: str) -> Iterator[tuple[Template, dict, int]]:
    """(template, fillers, variant) from one RNG seeded by (seed, lang, split)."""
    rng = random.Random(f"xner-demo/{seed}/{lang}/{split}")
    templates = load_lexicon().templates
    weights = [t.weight for t in templates]
    sampler = _Sampler(rng, lang, train=split == "train")
    for _ in range(n):
        tpl = rng.choices(templates, weights)[0]
        yield tpl, sampler.frame(tpl), rng.randrange(len(tpl.variants["en"]))


def generate_sentences(lang: str, n: int, seed: int = 0, split: str = "train") -> list[Sentence]:
    _check(lang, split)
    if n < 0:
        raise ConfigError(f"demo: number of sentences must be >= 0, got {n}")
    return [_render(tpl, frame, v, lang) for tpl, frame, v in _draws(n, seed, lang, split)]


def parallel_sentences(n: int, seed: int = 0, home: str = "en",
                       langs: Sequence[str] = DEMO_LANGS) -> list[dict[str, Sentence]]:
    """The same n meanings in every language of `langs` (names drawn as for a `home` corpus)."""
    for lang in (home, *langs):
        _check(lang)
    return [{lang: _render(tpl, frame, v, lang) for lang in langs}
            for tpl, frame, v in _draws(n, seed, home, "parallel")]


def demo_corpus(lang: str, split: str, seed: int = 0, n: int | None = None) -> Corpus:
    """One split in memory, named `{lang}/{split}` like the file `write_demo_corpus` writes."""
    _check(lang, split)
    n = DEFAULT_SIZES[lang][split] if n is None else n
    return Corpus.from_sentences(generate_sentences(lang, n, seed, split), f"{lang}/{split}", lang)


def dictionary_pairs(lang: str) -> list[tuple[str, list[str]]]:
    """English word -> target words, preferred first, one word on each side as in MUSE.

    Sources and Spanish targets are lowercase; German nouns keep their capital (the lexicon
    translator's `german-nouns` casing uses it), other German words are lowercase.
    """
    _check(lang)
    if lang == "en":
        raise ConfigError("demo: the dictionary translates from English; pick a target language")
    lx, i = load_lexicon(), DEMO_LANGS.index(lang)
    pairs: dict[str, list[str]] = {}

    def add(src: str | None, targets: Sequence[str | None], noun: bool = False) -> None:
        for tgt in targets:
            word = (tgt or "").split("_")[-1]  # `se_reunió` -> `reunió`
            word = word if noun and lang == "de" else word.lower()
            if src and word and " " not in src and word not in pairs.setdefault(src.lower(), []):
                pairs[src.lower()].append(word)

    for n in lx.nouns:
        (en_sg, en_pl), (sg, pl) = n.forms["en"], n.forms[lang]
        add(en_sg, [sg, pl], noun=True)
        add(en_pl, [pl, sg], noun=True)
    for a in lx.adjectives + lx.nationalities:
        add(a.en, list(a.es) if lang == "es" else [a.de[0]] + [a.de[1] + e for e in _DE_ENDINGS])
    for v in lx.verbs:
        f, en = v.forms[lang], v.forms["en"]
        for src, tgts in ((en["inf"], ("inf", "pres")), (en["past"], ("past", "part")),
                          (en["part"], ("part",)), (en["pres"], ("pres",))):
            add(src, [f[t] for t in tgts])
    for en, es, de in lx.words:
        add(en, es if lang == "es" else de)
    for table, noun in ((lx.days, True), (lx.months, True), (lx.counts, False), (lx.ordinals, True)):
        for row in table:
            add(row[0], row[i].split("/"), noun=noun)
    for pools in lx.entities.values():  # single-word names: london londres, germany alemania
        for e in (e for ents in pools.values() for e in ents):
            if len(e.forms["en"]) == 1 and len(e.forms[lang]) == 1:
                add(e.forms["en"][0], e.forms[lang])
    return list(pairs.items())


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_demo_dictionary(lang: str, path: str | Path) -> Path:
    """Write the `en-{lang}` lexicon as a MUSE file: `source target` per line, best target first."""
    lines = [f"{src} {tgt}\n" for src, tgts in dictionary_pairs(lang) for tgt in tgts]
    _write_atomic(Path(path), "".join(lines))
    return Path(path)
