"""Translation strategies of the paper (§2.2, appendix B.2): labelled source -> pseudo target D_T.

- `lexicon-word` ("MUSE"): each word looked up in a bilingual lexicon, its label copied.
- `mt-word` ("Google Word"): each word translated separately by an MT backend.
- `mt-phrase` ("Google Phrase"): the sentence cut at entity boundaries, each phrase translated whole.
- `mt-word-phrase` ("Google Word&Phrase"): context word by word, entities phrase by phrase.
- `precomputed`: a translation made elsewhere, sentence-aligned with the source (precomputed.py).

Every strategy yields the sentence as segments (segments.Piece: an entity or a context stretch with
its source and target words), which is what code-switching and shuffling recombine. When a
translation has a different number of words than its source, the segment's label is re-spread
(B-X on the first word, I-X on the rest; O for context). An empty translation keeps the source text.
"""

from __future__ import annotations

import json
import logging
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from ..data.corpus import Corpus
from ..errors import ConfigError, DataFormatError
from .backends import Translator, build_translator
from .cache import CachedTranslator, TranslationCache
from .lexicon import CANDIDATES, CASINGS, Lexicon, apply_casing, resolve_dictionary
from .precomputed import Precomputed
from .segments import Piece, split_segments, translated_sentence
from .truecase import TargetCasing

log = logging.getLogger(__name__)

DEFAULT_CACHE = Path.home() / ".cache" / "xner" / "translations.sqlite"

RUNTIME_OPTIONS = frozenset({"batch_size", "device"})

# per sentence, its segments as (entity type or None, source words)
Segmented = list[list[tuple[str | None, tuple[str, ...]]]]


@dataclass(frozen=True)
class StrategyConfig:
    """Every choice that changes the translated data; its JSON is part of the dataset cache key.

    `keep_per` copies PER tokens unchanged (UniTrans does: names rarely translate); with
    `translate_entities=False` no entity word is translated. `candidate` and `casing` apply to
    `lexicon-word` (`casing: target` with the target text's TargetCasing); `backend` and
    `backend_options` to the MT strategies.
    """

    name: str = "lexicon-word"
    candidate: str = "first"
    casing: str = "source"
    keep_per: bool = True
    translate_entities: bool = True
    backend: str | None = None
    backend_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in STRATEGIES:
            raise ConfigError(f"translate.name: unknown strategy {self.name!r}; "
                              f"known: {', '.join(sorted(STRATEGIES))}")
        if self.candidate not in CANDIDATES:
            raise ConfigError(f"translate.candidate: expected one of {CANDIDATES}, "
                              f"got {self.candidate!r}")
        if self.casing not in CASINGS:
            raise ConfigError(f"translate.casing: expected one of {CASINGS}, got {self.casing!r}")

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, Any] | StrategyConfig) -> StrategyConfig:
        if isinstance(cfg, StrategyConfig):
            return cfg
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise ConfigError(f"translate.{unknown[0]}: unknown option; known: "
                              f"{', '.join(sorted(known))}")
        return cls(**cfg)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["backend_options"] = dict(self.backend_options)
        return d

    def key(self) -> str:
        """Cache identity: runtime knobs that cannot change the output are left out."""
        d = self.to_dict()
        d["backend_options"] = {k: v for k, v in d["backend_options"].items()
                                if k not in RUNTIME_OPTIONS}
        return json.dumps(d, sort_keys=True, default=str)


@dataclass
class Counts:
    """What a strategy saw: `found` tokens had a translation, `translated` were sent for one."""

    metadata: dict[str, Any]
    tokens: int = 0
    found: int = 0
    translated: int = 0
    missing: list[str] = field(default_factory=list)


@dataclass
class Translation:
    """D_T with its segment alignment (for code-switching), statistics and recorded choices."""

    corpus: Corpus
    pieces: list[list[Piece]]
    metadata: dict[str, Any]
    tokens: int = 0
    found: int = 0  # tokens the lexicon / backend had a translation for
    translated: int = 0  # tokens given a translation (lexicon) or sent for one (MT)
    missing: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return self.found / self.tokens if self.tokens else 0.0


class Strategy(ABC):
    """Translates a labelled corpus from `src` to `tgt`, one segment at a time."""

    name: ClassVar[str]

    def __init__(self, config: StrategyConfig, src: str, tgt: str, *,
                 lexicon: Lexicon | None = None, translator: Translator | None = None,
                 precomputed: Precomputed | None = None,
                 target_casing: TargetCasing | None = None) -> None:
        self.config = config
        self.target_casing = target_casing
        self.src = src
        self.tgt = tgt
        self.lexicon = lexicon
        self.translator = translator
        self.precomputed = precomputed

    def translates(self, etype: str | None) -> bool:
        if etype is None:
            return True
        return self.config.translate_entities and not (self.config.keep_per and etype == "PER")

    def translate_corpus(self, source: Corpus, seed: int = 0) -> Translation:
        segmented = []
        for sent in source:
            segmented.append([(etype, tuple(sent.tokens[a:b]))
                              for etype, a, b in split_segments(sent.tags)])
        pieces, counts = self._translate(segmented, seed)
        corpus = Corpus.from_sentences(
            [translated_sentence(p, self.tgt) for p in pieces],
            name=f"{source.name}.{self.src}2{self.tgt}" if source.name else "", lang=self.tgt,
        )
        result = Translation(corpus, pieces, counts.metadata, counts.tokens, counts.found,
                             counts.translated, counts.missing)
        result.metadata.update(self.config.to_dict(), strategy=self.name, src=self.src,
                               tgt=self.tgt, seed=seed, sentences=len(source),
                               tokens=result.tokens, coverage=round(result.coverage, 6),
                               missing=len(result.missing))
        log.info("translated %d sentences %s->%s with %s: %s", len(source), self.src, self.tgt,
                 self.name, json.dumps(result.metadata, sort_keys=True, default=str))
        return result

    @abstractmethod
    def _translate(self, segmented: Segmented, seed: int) -> tuple[list[list[Piece]], Counts]: ...


class LexiconWordStrategy(Strategy):
    """Word by word with a MUSE lexicon (the paper's "MUSE", after UniTrans)."""

    name = "lexicon-word"

    def _translate(self, segmented: Segmented, seed: int) -> tuple[list[list[Piece]], Counts]:
        if self.lexicon is None:
            raise ConfigError(f"{self.name} needs a dictionary for {self.src}-{self.tgt}")
        lex, cfg = self.lexicon, self.config
        truecase = self.target_casing if cfg.casing == "target" else None
        if cfg.casing == "target" and truecase is None:
            raise ConfigError("translation.casing: 'target' needs the unlabelled target text")
        word_casing = "none" if truecase else cfg.casing  # `target` cases each occurrence in place
        rng = random.Random(seed)
        first = cfg.candidate == "first"
        memo: dict[str, str | None] = {}  # word -> cased translation; deterministic only for `first`
        tokens = found = translated = 0
        all_pieces: list[list[Piece]] = []
        for segs in segmented:
            pieces = []
            pos = 0
            for etype, words in segs:
                tokens += len(words)
                do = self.translates(etype)
                out = []
                for w in words:
                    pos += 1
                    if first and w in memo:
                        hit = memo[w]
                    else:
                        cands = lex.candidates(w)
                        hit = None if cands is None else apply_casing(
                            w, cands[0] if first else cands[rng.randrange(len(cands))], word_casing)
                        if first:
                            memo[w] = hit
                    if hit is None:
                        out.append(w)
                        continue
                    if truecase:
                        hit = truecase.case(w, hit, entity=etype is not None, first=pos == 1)
                    found += 1
                    translated += do
                    out.append(hit if do else w)
                pieces.append(Piece(etype, words, tuple(out)))
            all_pieces.append(pieces)
        meta = {"dictionary": str(lex.path), "dictionary_sha256": lex.sha256}
        if truecase:
            meta["target_casing_sha256"] = truecase.sha256
        return all_pieces, Counts(meta, tokens, found, translated)


class _MTStrategy(Strategy):
    """Collects every unit (word or phrase) of the corpus, translates the distinct ones in one
    cached call, then re-assembles the segments."""

    word_context: ClassVar[bool]
    word_entities: ClassVar[bool]

    def _units(self, etype: str | None, words: Sequence[str]) -> list[str]:
        by_word = self.word_context if etype is None else self.word_entities
        return list(words) if by_word else [" ".join(words)]

    def _translate(self, segmented: Segmented, seed: int) -> tuple[list[list[Piece]], Counts]:
        if self.translator is None:
            raise ConfigError(f"{self.name} needs a translation backend (translate.backend)")
        wanted = [u for segs in segmented for etype, words in segs if self.translates(etype)
                  for u in self._units(etype, words)]
        unique = list(dict.fromkeys(wanted))
        done = dict(zip(unique, self.translator.translate(unique, self.src, self.tgt),
                        strict=True))
        missing = set(self.translator.last_missing)
        tokens = found = translated = empty = 0
        all_pieces: list[list[Piece]] = []
        for segs in segmented:
            pieces = []
            for etype, words in segs:
                tokens += len(words)
                if not self.translates(etype):
                    pieces.append(Piece(etype, words, words))
                    continue
                translated += len(words)
                out: list[str] = []
                for unit in self._units(etype, words):
                    got = done[unit].split()
                    if unit not in missing and got:
                        found += len(unit.split())
                    empty += not got
                    out.extend(got or unit.split())
                pieces.append(Piece(etype, words, tuple(out)))
            all_pieces.append(pieces)
        if empty:
            log.warning("%s: %d units translated to nothing; kept their source text", self.name,
                        empty)
        meta = {"backend_id": self.translator.backend_id, "segments": len(unique),
                "empty_translations": empty}
        return all_pieces, Counts(meta, tokens, found, translated, sorted(missing))


class MTWordStrategy(_MTStrategy):
    """Every word translated separately by an MT backend (the paper's "Google Word")."""

    name = "mt-word"
    word_context, word_entities = True, True


class MTPhraseStrategy(_MTStrategy):
    """Entities and context stretches translated as whole phrases ("Google Phrase")."""

    name = "mt-phrase"
    word_context, word_entities = False, False


class MTWordPhraseStrategy(_MTStrategy):
    """Context word by word, entities phrase by phrase ("Google Word&Phrase")."""

    name = "mt-word-phrase"
    word_context, word_entities = True, False


class PrecomputedStrategy(Strategy):
    """Sentence i of the source is sentence i of a precomputed translation. Both are cut into slots
    c0 E1 c1 ... Ek ck (an entity, or the context between two, possibly empty) and paired slot by
    slot: the k-th entity with the k-th entity (same type, else a `file:line` error), each context
    with its counterpart, so a translation may change the number of words or move context across
    an entity boundary (`die [EU] lehnt ab` for `[EU] rejects`) without losing a word."""

    name = "precomputed"

    def _translate(self, segmented: Segmented, seed: int) -> tuple[list[list[Piece]], Counts]:
        pre = self.precomputed
        if pre is None:
            raise ConfigError(f"{self.name} needs a translated file (translation.file)")
        if len(pre) != len(segmented):
            raise ConfigError(f"{pre.path}: {len(pre)} translated sentences for {len(segmented)} "
                              "source sentences")
        tokens = changed = 0
        all_pieces: list[list[Piece]] = []
        for i, (segs, target) in enumerate(zip(segmented, pre.corpus, strict=True)):
            tgt_segs = [(etype, tuple(target.tokens[a:b])) for etype, a, b in split_segments(target.tags)]
            src_slots, tgt_slots = _slots(segs), _slots(tgt_segs)
            src_types = [etype for etype, _ in src_slots if etype]
            tgt_types = [etype for etype, _ in tgt_slots if etype]
            if src_types != tgt_types:
                raise DataFormatError(
                    pre.path, pre.lines[i],
                    f"expected the source sentence's entities {src_types or '(none)'}, got "
                    f"{tgt_types or '(none)'}: a precomputed translation keeps every entity of its "
                    "source sentence, with its type, in order")
            pieces = []
            for (etype, words), (_, tgt_words) in zip(src_slots, tgt_slots, strict=True):
                if not (etype or words or tgt_words):
                    continue
                if not self.translates(etype):
                    tgt_words = words
                tokens += len(words)
                changed += _changed(words, tgt_words)
                pieces.append(Piece(etype, words, tgt_words))
            all_pieces.append(pieces)
        meta = {"file": str(pre.path), "file_sentences": len(pre)}
        return all_pieces, Counts(meta, tokens, changed, changed)


def _slots(segs: Sequence[tuple[str | None, tuple[str, ...]]]) -> list[tuple[str | None, tuple[str, ...]]]:
    """Segments as c0 E1 c1 ... Ek ck: an empty context inserted wherever two entities touch or an
    entity starts or ends the sentence, so two sentences with the same entities line up slot by slot."""
    out: list[tuple[str | None, tuple[str, ...]]] = []
    for etype, words in segs:
        if etype is not None and (not out or out[-1][0] is not None):
            out.append((None, ()))
        out.append((etype, words))
    if not out or out[-1][0] is not None:
        out.append((None, ()))
    return out


def _changed(src: tuple[str, ...], tgt: tuple[str, ...]) -> int:
    """Source words the translation changed: word by word where the lengths agree, else all of a
    segment whose words differ."""
    if len(src) == len(tgt):
        return sum(a != b for a, b in zip(src, tgt, strict=True))
    return len(src) if src != tgt else 0


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (LexiconWordStrategy, MTWordStrategy, MTPhraseStrategy, MTWordPhraseStrategy,
                PrecomputedStrategy)
}


def make_strategy(config: Mapping[str, Any] | StrategyConfig, src: str, tgt: str, *,
                  dictionary: str | Path | Mapping[str, str | Path] | None = None,
                  cache_path: str | Path | None = None, precomputed: Precomputed | None = None,
                  target_casing: TargetCasing | None = None) -> Strategy:
    """Build a strategy with what it needs: the lexicon for `src-tgt` (lexicon-word), the MT
    backend behind the persistent cache (mt-*; default cache `~/.cache/xner/translations.sqlite`),
    or the aligned translated sentences (precomputed)."""
    cfg = StrategyConfig.from_mapping(config)
    cls = STRATEGIES[cfg.name]
    if cls is PrecomputedStrategy:
        return cls(cfg, src, tgt, precomputed=precomputed)
    if cls is LexiconWordStrategy:
        lexicon = Lexicon.load(resolve_dictionary(dictionary, src, tgt), src, tgt)
        return cls(cfg, src, tgt, lexicon=lexicon, target_casing=target_casing)
    if cfg.backend is None:
        raise ConfigError(f"translate.backend: {cfg.name} needs an MT backend ('hf' or 'table')")
    inner = build_translator(cfg.backend, **dict(cfg.backend_options))
    cache = TranslationCache(cache_path or DEFAULT_CACHE)
    return cls(cfg, src, tgt, translator=CachedTranslator(inner, cache))
