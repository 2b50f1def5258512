"""The five TransAdv training sets built from one labelled source corpus, cached as parquet.

`build_datasets` is the `translate/augment` node of the stage graph: its output depends only on
the source content, the dictionary file (or MT backend), the strategy config and the seed, so those
(and nothing else, not file names) make the cache key. A second call with the same inputs reads the
parquet files back instead of translating again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..data.corpus import Corpus
from ..errors import ConfigError
from .augment import code_switch, shuffle_corpus
from .backends import build_translator
from .lexicon import read_dictionary_bytes, resolve_dictionary
from .precomputed import Precomputed
from .strategies import StrategyConfig, make_strategy
from .truecase import TargetCasing

log = logging.getLogger(__name__)

DATASET_KEYS: tuple[str, ...] = ("D_T", "D_S_swi", "D_T_swi", "D_S_shu", "D_T_shu")
SHUFFLED_KEYS: tuple[str, ...] = ("D_S_shu", "D_T_shu")
CACHE_VERSION = 1  # bump when the construction changes, so old caches are not reused


class TransAdvDatasets(dict[str, Corpus]):
    """`{key: Corpus}` for DATASET_KEYS, plus what the corpora cannot hold.

    `order[key]` is the sentence-level order label of each row of a shuffled set (1 shuffled,
    0 a sentence no shuffle can change); `metadata` records every translation choice;
    `cache_hit` says whether the sets were read back from `path`.
    """

    def __init__(self, corpora: Mapping[str, Corpus], order: Mapping[str, list[int]],
                 metadata: dict[str, Any], path: Path, cache_hit: bool) -> None:
        super().__init__(corpora)
        self.order = dict(order)
        self.metadata = metadata
        self.path = path
        self.cache_hit = cache_hit


def _cache_key(source: Corpus, src: str, tgt: str, cfg: StrategyConfig, input_id: str,
               seed: int) -> str:
    ident = {"version": CACHE_VERSION, "source": source.fingerprint, "src": src, "tgt": tgt,
             "strategy": cfg.key(), "input": input_id, "seed": seed}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:24]


def _input_id(cfg: StrategyConfig, src: str, tgt: str,
              dictionary: str | Path | Mapping[str, str | Path] | None,
              precomputed: Precomputed | None = None, target_casing: TargetCasing | None = None) -> str:
    """What the strategy reads besides the corpus, cheaply: the dictionary file's sha256 (not
    parsed), the MT backend id (the model is not loaded) or the precomputed sentences' content."""
    if cfg.name == "precomputed":
        if precomputed is None:
            raise ConfigError("translation.file: strategy 'precomputed' needs the translated file")
        return precomputed.corpus.fingerprint
    if cfg.name == "lexicon-word":
        path = resolve_dictionary(dictionary, src, tgt)
        digest = hashlib.sha256(read_dictionary_bytes(path, src, tgt)).hexdigest()
        if cfg.casing == "target":
            if target_casing is None:
                raise ConfigError("translation.casing: 'target' needs the unlabelled target text")
            digest += ":" + target_casing.sha256
        return digest
    if cfg.backend is None:
        raise ConfigError(f"translate.backend: {cfg.name} needs an MT backend ('hf' or 'table')")
    return build_translator(cfg.backend, **dict(cfg.backend_options)).backend_id


def build_datasets(source: Corpus, lang: str,
                   dictionary: str | Path | Mapping[str, str | Path] | None,
                   strategy_cfg: Mapping[str, Any] | StrategyConfig, seed: int,
                   cache_dir: str | Path, *,
                   translation_cache: str | Path | None = None,
                   precomputed: Precomputed | None = None,
                   target_casing: TargetCasing | None = None) -> TransAdvDatasets:
    """D_T, D_S^swi, D_T^swi, D_S^shu, D_T^shu for translating `source` into `lang`.

    `dictionary`: a MUSE file, a directory of `{src}-{tgt}.txt`, or a mapping (see
    lexicon.resolve_dictionary); unused by MT strategies, whose translations go through the sqlite
    cache `translation_cache` (default `cache_dir/translations.sqlite`). `precomputed`: the
    strategy `precomputed`'s translated sentences, aligned row by row with `source`;
    `target_casing`: what `casing: target` learnt from the unlabelled target text.
    """
    src = source.lang
    if not src:
        raise ConfigError(f"source corpus {source.name or '(unnamed)'} has no language set")
    if src == lang:
        raise ConfigError(f"translate: target language {lang!r} equals the source language")
    cfg = StrategyConfig.from_mapping(strategy_cfg)
    cache_dir = Path(cache_dir)
    input_id = _input_id(cfg, src, lang, dictionary, precomputed, target_casing)
    key = _cache_key(source, src, lang, cfg, input_id, seed)
    final = cache_dir / f"transadv-{src}2{lang}-{key}"
    if (final / "metadata.json").is_file():
        log.info("TransAdv datasets %s->%s: cache hit %s", src, lang, final)
        return _load(final)

    strategy = make_strategy(cfg, src, lang, dictionary=dictionary,
                             cache_path=translation_cache or cache_dir / "translations.sqlite",
                             precomputed=precomputed, target_casing=target_casing)
    translation = strategy.translate_corpus(source, seed=seed)
    base = source.name or "source"
    d_s_swi, d_t_swi = code_switch(translation, src, lang, name=f"{base}.{src}2{lang}")
    d_s_shu = shuffle_corpus(source, seed, name=f"{base}.{src}2{lang}.D_S_shu")
    d_t_shu = shuffle_corpus(translation.corpus, seed, name=f"{base}.{src}2{lang}.D_T_shu")
    corpora = {"D_T": translation.corpus, "D_S_swi": d_s_swi, "D_T_swi": d_t_swi,
               "D_S_shu": d_s_shu.corpus, "D_T_shu": d_t_shu.corpus}
    order = {"D_S_shu": d_s_shu.order, "D_T_shu": d_t_shu.order}
    metadata = {**translation.metadata, "cache_key": key, "source_fingerprint": source.fingerprint,
                "shuffled": {k: sum(v) for k, v in order.items()},
                "unshuffleable": {k: len(v) - sum(v) for k, v in order.items()}}
    log.info("TransAdv datasets %s->%s built: %s", src, lang,
             json.dumps(metadata, sort_keys=True, default=str))
    _store(final, corpora, order, metadata)
    return TransAdvDatasets(corpora, order, metadata, final, cache_hit=False)


def _store(final: Path, corpora: Mapping[str, Corpus], order: Mapping[str, list[int]],
           metadata: dict[str, Any]) -> None:
    """Write into a temporary sibling directory, then rename it: a killed run leaves no directory
    that looks complete, and a concurrent builder of the same key simply loses the race."""
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, corpus in corpora.items():
        corpus.to_parquet(tmp / f"{name}.parquet")
    (tmp / "order.json").write_text(json.dumps(order))
    (tmp / "metadata.json").write_text(json.dumps(metadata, sort_keys=True, default=str, indent=1))
    try:
        os.replace(tmp, final)
    except OSError:  # another process finished first: its result is identical
        shutil.rmtree(tmp, ignore_errors=True)


def _load(path: Path) -> TransAdvDatasets:
    corpora = {k: Corpus.from_parquet(path / f"{k}.parquet") for k in DATASET_KEYS}
    order = json.loads((path / "order.json").read_text())
    metadata = json.loads((path / "metadata.json").read_text())
    return TransAdvDatasets(corpora, order, metadata, path, cache_hit=True)
