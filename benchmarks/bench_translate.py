"""Lexicon word-by-word translation of CoNLL-2003 English train (14,042 sentences) with MUSE.

Why: TransAdv's data creation must cost seconds, not a stage of its own; and the paper follows
UniTrans's MUSE translation, so this also measures how close each option combination comes to the
UniTrans authors' own translated files (same sentences, same order). Their dictionary was induced
from embeddings (CSLS nearest neighbour), not the MUSE ground-truth lists used here, so agreement
is partial by construction. Run: `python -m benchmarks.bench_translate [--shared PATH]`.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

from xner.core.data.corpus import Corpus
from xner.core.data.readers import read_conll
from xner.core.translate import build_datasets, make_strategy

log = logging.getLogger(__name__)

DEFAULT_SHARED = Path(os.environ.get("XNER_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
COMBOS: tuple[dict[str, object], ...] = (
    {"candidate": "first", "keep_per": True, "casing": "source"},  # UniTrans's recipe
    {"candidate": "first", "keep_per": False, "casing": "source"},
    {"candidate": "random", "keep_per": True, "casing": "source"},
    {"candidate": "first", "keep_per": True, "casing": "german-nouns"},
    {"candidate": "first", "keep_per": True, "casing": "none"},
)


def agreement(ours: Corpus, theirs: Corpus) -> tuple[float, float]:
    """(exact, case-insensitive) share of tokens equal to the reference, position by position."""
    a = ours.table.column("tokens").to_pylist()
    b = theirs.table.column("tokens").to_pylist()
    if len(a) != len(b):
        raise ValueError(f"{len(a)} sentences vs {len(b)} in the reference")
    n = same = same_ci = 0
    for x, y in zip(a, b, strict=True):
        if len(x) != len(y):
            raise ValueError(f"sentence lengths differ: {x} vs {y}")
        for u, v in zip(x, y, strict=True):
            n += 1
            same += u == v
            same_ci += u.lower() == v.lower()
    return same / n, same_ci / n


def run(shared: Path = DEFAULT_SHARED, langs: tuple[str, ...] = ("es", "de")) -> list[str]:
    data = shared / "data"
    if not (data / "conll" / "en" / "train.txt").is_file():
        return [f"skipped: shared data absent at {data} (set XNER_SHARED)"]
    t0 = time.perf_counter()
    source = read_conll(data / "conll/en/train.txt", lang="en")
    lines = [f"read en/train: {len(source)} sentences, {source.stats().tokens} tokens in "
             f"{time.perf_counter() - t0:.2f} s",
             f"{'lang':<5}{'candidate':<10}{'keep_per':<9}{'casing':<13}{'load s':>7}{'translate s':>12}"
             f"{'coverage':>9}{'agree':>7}{'agree_ci':>9}"]
    for lang in langs:
        reference = read_conll(data / f"conll/unitrans/en2{lang}.train.txt", lang=lang)
        for combo in COMBOS:
            t0 = time.perf_counter()
            strategy = make_strategy({"name": "lexicon-word", **combo}, "en", lang,
                                     dictionary=data / "muse")
            t1 = time.perf_counter()
            result = strategy.translate_corpus(source, seed=0)
            t2 = time.perf_counter()
            exact, ci = agreement(result.corpus, reference)
            lines.append(f"{lang:<5}{combo['candidate']!s:<10}{combo['keep_per']!s:<9}"
                         f"{combo['casing']!s:<13}{t1 - t0:>7.2f}{t2 - t1:>12.2f}"
                         f"{result.coverage:>9.3f}{exact:>7.3f}{ci:>9.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        build_datasets(source, langs[0], data / "muse", {"name": "lexicon-word"}, 0, tmp)
        t1 = time.perf_counter()
        again = build_datasets(source, langs[0], data / "muse", {"name": "lexicon-word"}, 0, tmp)
        t2 = time.perf_counter()
    lines.append(f"build_datasets en->{langs[0]} (5 sets, parquet): {t1 - t0:.2f} s; "
                 f"cached re-read {t2 - t1:.2f} s (hit={again.cache_hit})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--langs", nargs="+", default=["es", "de"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    log.setLevel(logging.INFO)
    for line in run(args.shared, tuple(args.langs)):
        log.info(line)


if __name__ == "__main__":
    main()
