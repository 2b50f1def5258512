"""`xner data translate`: translate a labelled CoNLL/WikiAnn file into a pseudo-target CoNLL file.

Writes the translated corpus (D_T) and, beside it, `<output>.meta.json` with every translation choice,
so a file found later on disk says how it was made.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .strategies import DEFAULT_CACHE, StrategyConfig, make_strategy
from .truecase import TargetCasing

log = logging.getLogger(__name__)

BACKEND_OPTIONS = ("model", "batch_size", "device", "num_beams", "max_new_tokens", "prefix", "table",
                   "on_missing")
COMMAND_OPTIONS = ("src_lang", "encoding", "seed", "cache", "target_text")


@dataclass
class TranslateReport:
    """What `xner data translate` did; `lines()` is what the CLI prints."""

    output: str
    strategy: str
    src: str
    tgt: str
    sentences: int
    tokens_in: int
    tokens_out: int
    entities_in: int
    entities_out: int
    coverage: float
    translated_tokens: int
    missing_segments: int
    seconds: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"{self.strategy} {self.src}->{self.tgt}: wrote {self.output}",
            f"  sentences {self.sentences}, tokens {self.tokens_in} -> {self.tokens_out}, "
            f"entities {self.entities_in} -> {self.entities_out}",
            f"  coverage {self.coverage:.1%} of tokens have a translation; "
            f"{self.translated_tokens} tokens translated",
            f"  missing segments {self.missing_segments}; {self.seconds:.2f} s",
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _split_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(strategy config fields, backend options, command options); anything else is an error."""
    strategy_fields = {f.name for f in fields(StrategyConfig)} - {"name", "backend_options"}
    cfg, backend, cmd = {}, {}, {}
    for key, value in options.items():
        if value is None:
            continue
        if key in strategy_fields:
            cfg[key] = value
        elif key in BACKEND_OPTIONS:
            backend[key] = value
        elif key in COMMAND_OPTIONS:
            cmd[key] = value
        else:
            known = sorted(strategy_fields | set(BACKEND_OPTIONS) | set(COMMAND_OPTIONS))
            raise ConfigError(f"translate: unknown option {key!r}; known: {', '.join(known)}")
    return cfg, backend, cmd


def translate_command(input: str | Path, output: str | Path, lang: str,
                      dictionary: str | Path | Mapping[str, str | Path] | None, strategy: str,
                      format: str = "conll", **options: Any) -> TranslateReport:
    """Translate `input` (format `conll` or `wikiann`, source language `src_lang`, default `en`) into
    `lang` with `strategy` and write `output` as CoNLL (`token TAG`).

    options: candidate, casing, keep_per, translate_entities (strategy); backend plus model,
    batch_size, device, num_beams, max_new_tokens, prefix, table, on_missing (MT backends);
    src_lang, encoding, seed, cache (the sqlite translation cache path), target_text (unlabelled
    target-language text in `format`, its tags ignored: what `casing: target` learns casing from).
    """
    from ..data.readers import read_corpus, write_conll

    cfg_opts, backend_opts, cmd = _split_options(options)
    cfg = StrategyConfig.from_mapping({**cfg_opts, "name": strategy,
                                       "backend_options": backend_opts})
    src = cmd.get("src_lang", "en")
    seed = int(cmd.get("seed", 0))
    start = time.perf_counter()
    source = read_corpus(input, format=format, lang=src, encoding=cmd.get("encoding"))
    casing = None
    if cfg.casing == "target":
        if not cmd.get("target_text"):
            raise ConfigError("translate: casing 'target' needs --target-text, unlabelled text in the "
                              "target language to learn each word's casing from")
        text = read_corpus(cmd["target_text"], format=format, lang=lang, encoding=cmd.get("encoding"))
        casing = TargetCasing.learn(text.table.column("tokens").to_pylist())
    translator = make_strategy(cfg, src, lang, dictionary=dictionary,
                               cache_path=cmd.get("cache", DEFAULT_CACHE), target_casing=casing)
    result = translator.translate_corpus(source, seed=seed)
    output = Path(output)
    write_conll(result.corpus, output)
    meta = {**result.metadata, "input": str(input), "format": format}
    tmp = output.with_name(f".{output.name}.meta.json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(meta, sort_keys=True, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, output.with_name(output.name + ".meta.json"))
    stats_in, stats_out = source.stats(), result.corpus.stats()
    return TranslateReport(
        output=str(output), strategy=strategy, src=src, tgt=lang, sentences=len(source),
        tokens_in=stats_in.tokens, tokens_out=stats_out.tokens, entities_in=stats_in.entities,
        entities_out=stats_out.entities, coverage=result.coverage,
        translated_tokens=result.translated, missing_segments=len(result.missing),
        seconds=time.perf_counter() - start, metadata=meta,
    )
