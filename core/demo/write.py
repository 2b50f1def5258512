"""Writing the demo corpus to disk: CoNLL files per language and split, MUSE-style dictionaries and the
stand-in MT tables, the layout `experiments/demo/*.yaml` reads."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..data.readers import write_conll
from .corpus import DEFAULT_SIZES, SPLITS, _check, demo_corpus, write_demo_dictionary
from .lexicon import DEMO_LANGS
from .mt import write_demo_mt_table

log = logging.getLogger(__name__)


def write_demo_corpus(root: str | Path, seed: int = 0, langs: Sequence[str] = DEMO_LANGS,
                      sizes: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, Path]:
    """Write `{root}/{lang}/{split}.txt` (CoNLL, 2 columns), `{root}/muse/en-{lang}.txt` and the
    stand-in MT table `{root}/mt/en-{lang}.tsv` (demo_mt).

    `sizes` overrides DEFAULT_SIZES per language and split. Returns the paths keyed `en/train`,
    `es/dev`, ..., `muse/en-es`.
    """
    root, sizes = Path(root), sizes or {}
    for lang in (*langs, *sizes):
        _check(lang)
        for split in sizes.get(lang, {}):
            _check(lang, split)
    paths: dict[str, Path] = {}
    for lang in langs:
        for split in SPLITS:
            n = sizes.get(lang, {}).get(split, DEFAULT_SIZES[lang][split])
            paths[f"{lang}/{split}"] = path = root / lang / f"{split}.txt"
            write_conll(demo_corpus(lang, split, seed, n), path)
        if lang != "en":
            paths[f"muse/en-{lang}"] = write_demo_dictionary(lang, root / "muse" / f"en-{lang}.txt")
            n_en = sizes.get("en", {}).get("train", DEFAULT_SIZES["en"]["train"])
            paths[f"mt/en-{lang}"] = write_demo_mt_table(lang, root / "mt" / f"en-{lang}.tsv", seed, n_en)
    log.info("demo corpus (seed %d) written under %s: %s", seed, root, ", ".join(paths))
    return paths
