"""The demo corpus's hand-written English-Spanish-German lexicon, entity names and templates.

The data is written compactly so that a reader can check every translation, and read into typed
records by `load_lexicon()`. Notation: `sg/pl` gives an irregular plural (a regular one is derived),
`:m/:f/:n` a grammatical gender, `_` joins a multi-word form (`se_reunió`), `/` in an entity
separates its en/es/de forms where they differ, `;` or a new line separates entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from .lexicon_entities import (
    CLUBS,
    EVENTS,
    FAMOUS,
    FIRST_NAMES,
    LAST_NAMES,
    LOCATIONS,
    ORGANISATIONS,
    TEMPLATES,
)
from .lexicon_words import (
    ADJECTIVES,
    CLAUSES,
    COUNTS,
    DAYS,
    MONTHS,
    NATIONALITIES,
    NOUNS,
    ORDINALS,
    VERBS,
    WORDS,
)

DEMO_LANGS: tuple[str, ...] = ("en", "es", "de")


@dataclass(frozen=True)
class Noun:
    forms: Mapping[str, tuple[str, str | None]]  # lang -> (singular, plural; None: never plural)
    gender: Mapping[str, str]  # es/de grammatical gender
    cat: str


@dataclass(frozen=True)
class Adj:
    en: str
    es: tuple[str, ...]  # m, f, m-pl, f-pl
    de: tuple[str, str]  # predicative form, inflecting stem (teuer / teur-)
    state: bool = False  # Spanish `estar` adjective (open, closed, ...)
    nat: bool = False  # a nationality: tagged MISC


@dataclass(frozen=True)
class Verb:
    cls: str  # trans | travel | per | say | intr
    forms: Mapping[str, Mapping[str, str]]  # lang -> inf/past/part/pres/aux/auxpast/obj/prt -> words
    cats: tuple[str, ...]  # noun categories of a `trans` verb's object


@dataclass(frozen=True)
class Entity:
    etype: str
    forms: Mapping[str, tuple[str, ...]]  # lang -> tokens
    key: str  # English form: decides the train hold-out
    gender: str = "m"
    art: Mapping[str, str] | None = None  # article before an event name, per language


@dataclass(frozen=True)
class Template:
    name: str
    weight: float
    slots: tuple[tuple[str, str, str | None], ...]  # (name, kind, slot it agrees with)
    variants: Mapping[str, tuple[tuple[str, ...], ...]]  # lang -> variants -> template tokens


@dataclass(frozen=True)
class DemoLexicon:
    nouns: list[Noun]
    adjectives: list[Adj]
    nationalities: list[Adj]
    verbs: list[Verb]
    entities: Mapping[str, Mapping[str, list[Entity]]]  # kind -> home language or intl -> names
    first_names: Mapping[str, list[tuple[str, str]]]  # home -> (name, gender)
    last_names: Mapping[str, list[str]]
    words: list[tuple[str, list[str], list[str]]]  # (en, es targets, de targets)
    days: list[tuple[str, ...]]  # (en, es, de) rows, as are the next four
    months: list[tuple[str, ...]]
    counts: list[tuple[str, ...]]
    ordinals: list[tuple[str, ...]]  # es/de as `m/f`
    clauses: list[tuple[str, ...]]  # (en, es, de verb-final, de verb-second)
    templates: list[Template]


def _items(block: str) -> list[str]:
    return [e.strip() for line in block.strip().splitlines() for e in line.split(";") if e.strip()]


def _es_plural(word: str) -> str:
    if word.endswith("ión"):
        return word[:-3] + "iones"
    if word.endswith("z"):
        return word[:-1] + "ces"
    return word + ("s" if word[-1] in "aeiouéó" else "es")


def _noun(item: str) -> Noun:
    en, es, de, cat = item.split()
    (es, es_g), (de, de_g) = es.split(":"), de.split(":")
    (en_sg, _, en_pl), (es_sg, _, es_pl), (de_sg, _, de_pl) = (w.partition("/") for w in (en, es, de))
    forms = {"en": (en_sg, en_pl or en_sg + "s"), "es": (es_sg, es_pl or _es_plural(es_sg)),
             "de": (de_sg, de_pl or None)}
    return Noun(forms, {"es": es_g, "de": de_g}, cat)


def _adjective(item: str, nat: bool = False) -> Adj:
    en, es, de, *flag = item.split()
    f = es.split("/")
    es4 = tuple(f) if len(f) == 4 else (f[0], f[-1], _es_plural(f[0]), _es_plural(f[-1]))
    pred, _, stem = de.partition("/")
    return Adj(en, es4, (pred, stem or pred), state=flag == ["state"], nat=nat)


def _verb(item: str) -> Verb:
    en, es, de, spec = item.split("|")
    cls, es_obj, cats = [*spec.split(":"), "", ""][:3]
    names = ("inf", "past", "part", "pres")
    de_f = de.split()
    loc = "in" if cls == "intr" else ""  # `lived in London` / `lebte in London`
    forms = {
        "en": {**dict(zip(names, en.split(), strict=True)), "aux": "has", "auxpast": "had",
               "obj": loc, "prt": ""},
        "es": {**dict(zip(names, es.split(), strict=True)), "aux": "ha", "auxpast": "había",
               "obj": es_obj, "prt": ""},
        "de": {**dict(zip(names, de_f[:4], strict=True)), "aux": de_f[4],
               "auxpast": {"hat": "hatte", "ist": "war"}[de_f[4]], "obj": loc,
               "prt": de_f[5] if len(de_f) > 5 else ""},
    }
    return Verb(cls, forms, tuple(c for c in cats.split(",") if c))


def _entities(etype: str, block: str) -> list[Entity]:
    out = []
    for item in _items(block):
        name, _, gender = item.partition(":")
        f = name.split("/")
        forms = dict(zip(DEMO_LANGS, f if len(f) == 3 else f * 3, strict=True))
        out.append(Entity(etype, {k: tuple(v.split()) for k, v in forms.items()}, forms["en"],
                          gender or "m"))
    return out


def _event(item: str) -> Entity:
    arts, names = zip(*(p.split("|") for p in item.split("/")), strict=True)
    return Entity("MISC", {lg: tuple(n.split()) for lg, n in zip(DEMO_LANGS, names, strict=True)},
                  names[0], art=dict(zip(DEMO_LANGS, arts, strict=True)))


def _template(block: str) -> Template:
    header, *lines = block.strip().splitlines()
    name, weight, *specs = header.split()
    slots = []
    for spec in specs:
        slot, kind = spec.split(":")
        kind, _, agree = kind.partition("@")
        slots.append((slot, kind, agree or None))
    variants = {}
    for line in lines:
        lang, text = line.split(" ", 1)
        variants[lang] = tuple(tuple(v.split()) for v in text.split(" || "))
    if set(variants) != set(DEMO_LANGS) or len({len(v) for v in variants.values()}) != 1:
        raise ValueError(f"demo template {name!r}: every language needs the same number of variants")
    return Template(name, float(weight), tuple(slots), variants)


@cache
def load_lexicon() -> DemoLexicon:
    """Parse the blocks of `lexicon_words` and `lexicon_entities` once per process (about 10 ms)."""
    nats = [(_adjective(item.split(" *")[0], nat=True), item) for item in _items(NATIONALITIES)]
    languages = [  # `*` marks a nationality that also names a language (MISC): German / alemán
        Entity("MISC", {"en": (lang,), "es": (a.es[0],), "de": (a.de[0].capitalize(),)}, lang)
        for a, item in nats if " *" in item
        for lang in [item.split(" *")[1] or a.en]
    ]
    homed = {"LOC": LOCATIONS, "ORG": ORGANISATIONS, "CLUB": CLUBS}
    entities = {kind: {home: _entities("ORG" if kind == "CLUB" else kind, block)
                       for home, block in blocks.items()} for kind, blocks in homed.items()}
    entities |= {"FAMOUS": {"intl": _entities("PER", FAMOUS)},
                 "EVENT": {"intl": [_event(e) for e in _items(EVENTS)]}, "LANG": {"intl": languages}}
    words = []
    for item in _items(WORDS):
        en, rest = item.split(":")
        es, de = rest.split("|")
        words.append((en, es.split(), de.split()))
    rows = [[tuple(e.split()) for e in _items(block)] for block in (DAYS, MONTHS, COUNTS, ORDINALS)]
    return DemoLexicon(
        [_noun(e) for e in _items(NOUNS)], [_adjective(e) for e in _items(ADJECTIVES)],
        [a for a, _ in nats], [_verb(e) for e in _items(VERBS)], entities,
        {h: [(n, g) for n, _, g in (x.partition(":") for x in names.split())]
         for h, names in FIRST_NAMES.items()},
        {h: names.split() for h, names in LAST_NAMES.items()}, words, *rows,
        [tuple(c.strip() for c in line.split("|")) for line in CLAUSES.strip().splitlines()],
        [_template(b) for b in TEMPLATES.strip().split("@ ")[1:]],
    )
