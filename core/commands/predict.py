"""`xner predict MODEL`: tag raw text, CoNLL or JSONL with an exported or stored model, exactly as the
evaluate stage tags (same windows, same Viterbi), and with `--evaluate` score it with xner's metrics.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.metrics import NerScores, evaluate
from ..data.readers import write_conll
from ..data.words import word_tokenizer
from ..errors import ConfigError
from ..inference.inputs import Inputs, read_inputs
from ..inference.predictor import Predictor, Tagged

log = logging.getLogger(__name__)


@dataclass
class Prediction:
    inputs: Inputs
    tags: list[list[str]]
    scores: NerScores | None
    seconds: float
    words_used: str | None

    @property
    def words(self) -> int:
        return sum(len(t) for t in self.tags)

    def tagged(self) -> list[Tagged]:
        return [Tagged(list(s.tokens), t, o, x) for s, t, o, x in
                zip(self.inputs.corpus, self.tags, self.inputs.offsets, self.inputs.texts, strict=True)]


def load_predictor(model: str, device: str = "auto", names: dict[str, Any] | None = None,
                   tracking_uri: str | None = None) -> Predictor:
    """MODEL: an `xner export` directory, a `models:/NAME@alias` (or runs:/) MLflow URI read from
    `tracking_uri` (default: $MLFLOW_TRACKING_URI, else sqlite:///mlflow.db), or an experiment YAML with
    `names` (variant, lang, seed, member, set) naming a stored model."""
    if model.startswith(("models:/", "runs:/")):
        from ..tracking.models import download_export
        from ..tracking.uri import resolve_tracking_uri

        return Predictor.from_pretrained(download_export(model, resolve_tracking_uri(tracking_uri)), device)
    path = Path(model)
    if path.is_dir():
        return Predictor.from_pretrained(path, device)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        from .export import find_model

        n = names or {}
        found = find_model(model, n.get("set") or [], n.get("variant"), n.get("lang"), n.get("seed"),
                           n.get("member"))
        return found.predictor(device)
    raise ConfigError(f"model {model!r}: not an export directory, an experiment YAML, or a models:/ "
                      "or runs:/ URI")


def run_predict(predictor: Predictor, source: str | Path, fmt: str = "auto", words: str = "simple",
                lang: str = "", score: bool = False, sentences: bool = False) -> Prediction:
    tokenizer = word_tokenizer(words, lang or "en")
    inputs = read_inputs(source, fmt, tokenizer, lang, sentences)
    if score and not inputs.labelled:
        raise ConfigError(f"--evaluate needs gold tags, and {source} ({inputs.format}) has none: give a "
                          "labelled CoNLL/WikiAnn file or JSONL records with \"tags\"")
    t0 = time.perf_counter()
    predictor.progress = True
    tags = predictor.tag(inputs.corpus)
    seconds = time.perf_counter() - t0
    scores = evaluate([s.tags for s in inputs.corpus], tags) if score else None
    used = tokenizer.name if any(t is not None for t in inputs.texts) else None
    return Prediction(inputs, tags, scores, seconds, used)


def write_prediction(pred: Prediction, out: str | Path, out_format: str, meta: dict[str, Any]) -> Path:
    """CoNLL (`token [GOLD] PRED`, the evaluate stage's own writer) or JSONL (tokens, tags, entity
    spans with character offsets), atomically; the run's metadata goes beside it as OUT.meta.json."""
    final = Path(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    if out_format == "conll":
        cols = ("tokens", "tags") if pred.inputs.labelled else ("tokens",)
        write_conll(pred.inputs.corpus, final, columns=cols, extra={"pred": pred.tags})
    elif out_format == "jsonl":
        tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        try:
            with tmp.open("w", encoding="utf-8") as fh:
                for t in pred.tagged():
                    fh.write(json.dumps(t.to_json(), ensure_ascii=False) + "\n")
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
    else:
        raise ConfigError(f"--output-format: conll or jsonl, got {out_format!r}")
    side = final.with_name(final.name + ".meta.json")
    side.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return final
