"""Translation strategies selectable by name (paper appendix B.2), built with
`TRANSLATORS.build(name, src, tgt, **options)` and returning a `core.translate.Strategy`.

`lexicon-word` needs `dictionary` (a MUSE file, a folder of `{src}-{tgt}.txt`, or a mapping);
the `mt-*` strategies need `backend` (`hf` or `table`) and its `backend_options`, and keep every
translation in the sqlite cache `cache_path`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.plugins import TRANSLATORS
from ..core.translate.precomputed import Precomputed
from ..core.translate.strategies import Strategy, make_strategy
from ..core.translate.truecase import TargetCasing

Dictionary = str | Path | Mapping[str, str | Path] | None


@TRANSLATORS.register("lexicon-word")
def lexicon_word(src: str, tgt: str, *, dictionary: Dictionary, candidate: str = "first",
                 casing: str = "source", keep_per: bool = True,
                 translate_entities: bool = True, target_casing: TargetCasing | None = None) -> Strategy:
    """Word by word with a MUSE lexicon, labels copied (the paper's "MUSE", after UniTrans);
    `casing: target` with `target_casing` learnt from unlabelled target text."""
    cfg = {"name": "lexicon-word", "candidate": candidate, "casing": casing, "keep_per": keep_per,
           "translate_entities": translate_entities}
    return make_strategy(cfg, src, tgt, dictionary=dictionary, target_casing=target_casing)


def _mt(name: str, src: str, tgt: str, backend: str, backend_options: Mapping[str, Any] | None,
        keep_per: bool, translate_entities: bool, cache_path: str | Path | None) -> Strategy:
    cfg = {"name": name, "backend": backend, "backend_options": dict(backend_options or {}),
           "keep_per": keep_per, "translate_entities": translate_entities}
    return make_strategy(cfg, src, tgt, cache_path=cache_path)


@TRANSLATORS.register("mt-word")
def mt_word(src: str, tgt: str, *, backend: str, backend_options: Mapping[str, Any] | None = None,
            keep_per: bool = True, translate_entities: bool = True,
            cache_path: str | Path | None = None) -> Strategy:
    """Every word translated separately by an MT backend (the paper's "Google Word")."""
    return _mt("mt-word", src, tgt, backend, backend_options, keep_per, translate_entities,
               cache_path)


@TRANSLATORS.register("mt-phrase")
def mt_phrase(src: str, tgt: str, *, backend: str, backend_options: Mapping[str, Any] | None = None,
              keep_per: bool = True, translate_entities: bool = True,
              cache_path: str | Path | None = None) -> Strategy:
    """Sentence cut at entity boundaries, each phrase translated whole ("Google Phrase")."""
    return _mt("mt-phrase", src, tgt, backend, backend_options, keep_per, translate_entities,
               cache_path)


@TRANSLATORS.register("mt-word-phrase")
def mt_word_phrase(src: str, tgt: str, *, backend: str,
                   backend_options: Mapping[str, Any] | None = None, keep_per: bool = True,
                   translate_entities: bool = True,
                   cache_path: str | Path | None = None) -> Strategy:
    """Context word by word, entities phrase by phrase ("Google Word&Phrase")."""
    return _mt("mt-word-phrase", src, tgt, backend, backend_options, keep_per,
               translate_entities, cache_path)


@TRANSLATORS.register("precomputed")
def precomputed(src: str, tgt: str, *, file: Precomputed, keep_per: bool = True,
                translate_entities: bool = True) -> Strategy:
    """A translation made elsewhere (the UniTrans authors' files, your own MT with projected labels):
    one sentence per source sentence with the same entities, read from `translation.file`."""
    cfg = {"name": "precomputed", "keep_per": keep_per, "translate_entities": translate_entities}
    return make_strategy(cfg, src, tgt, precomputed=file)
