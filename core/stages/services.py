"""Run-wide memo of the expensive, deterministic things stages share: corpora, tokenizers, encodings.

Everything is keyed by what it is computed from (file paths + limits, encoder directory, corpus
fingerprint), never by which node asked, so two nodes that read the same data share one load and one
tokenization; the on-disk caches (parquet) make the same true across processes.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..data.align import EncodedCorpus, encode_corpus_cached
from ..data.cache import cached_corpus, tokenized_key, tokenizer_id
from ..data.corpus import Corpus
from ..data.labels import FORMAT_TYPES, LabelSet
from ..engine.store import write_progress
from ..errors import Pruned
from ..models.checkpoint import load_model_state
from ..models.device import resolve_device
from ..models.encoder import TokenEncoder, freeze, keep_bottom_layers, load_hf_encoder
from ..models.ner_model import NerModel

log = logging.getLogger(__name__)


def label_set_for(data: Mapping[str, Any]) -> LabelSet:
    """The label set of a node's `data` params: its `labels` (a custom set: `data.labels`, or the
    source file's types) or, where absent, the format's own types, which keeps every older key."""
    return LabelSet(tuple(data.get("labels") or FORMAT_TYPES[data["format"]]))


def read_as(data: Mapping[str, Any], role: str) -> tuple[str, str]:
    """(reader format, word tokenizer) of a role's file: the unlabelled target text (tgt_train) reads in
    the experiment's `unlabeled_format` where it has one (raw text, tokens), every other file in
    `format`."""
    fmt = data.get("unlabeled_format", data["format"]) if role == "tgt_train" else data["format"]
    return fmt, data.get("word_tokenizer", "simple")


def subsample_indices(n: int, limit: int | None, seed: int = 0) -> list[int]:
    """The rows `subsample` keeps of an n-sentence corpus: a file aligned with another (a precomputed
    translation of the source) is cut at the same rows."""
    if limit is None or n <= limit:
        return list(range(n))
    return sorted(random.Random(seed).sample(range(n), limit))


def subsample(corpus: Corpus, limit: int | None, seed: int = 0) -> Corpus:
    """A fixed random subset (same for every node and seed), kept in file order."""
    if limit is None or len(corpus) <= limit:
        return corpus
    return corpus.select(subsample_indices(len(corpus), limit, seed), name=f"{corpus.name}[{limit}]")


@dataclass
class Services:
    """Memo caches; `cache_dir` holds parquet caches shared by every run on this store."""

    cache_dir: Path
    device: torch.device = field(default_factory=lambda: resolve_device("auto"))
    # (node, epoch, metrics) after every training epoch: live curves in MLflow while a stage trains
    on_epoch: Callable[[Any, int, dict[str, float]], None] | None = None
    memo: dict[tuple, Any] = field(default_factory=dict)  # whatever a caller computes once per process
    _corpora: dict[tuple, Corpus] = field(default_factory=dict)
    _tokenizers: dict[str, Any] = field(default_factory=dict)
    _encoded: dict[tuple, EncodedCorpus] = field(default_factory=dict)

    def epoch_done(self, ctx: Any, epoch: int, metrics: dict[str, float], epochs: int) -> None:
        """Record an epoch in the partial node (what live views and `xner status` read) and report
        it to whoever listens; neither failing ever stops training."""
        try:
            write_progress(ctx.out, {"epoch": epoch, "epochs": epochs, "dev_f1": metrics.get("dev_f1"),
                                     "at": time.time()})
        except OSError as exc:
            log.debug("no progress file for %s: %s", ctx.node.name, exc)
        if self.on_epoch is not None:
            try:
                self.on_epoch(ctx.node, epoch, metrics)
            except Pruned:  # the search's pruner stops this trial: not a listener failure
                raise
            except Exception as exc:
                log.warning("live metrics stopped (%s: %s); the store keeps every epoch",
                            type(exc).__name__, exc)
                self.on_epoch = None

    def corpus(self, path: str, fmt: str, lang: str, limit: int | None = None, words: str = "simple"
               ) -> Corpus:
        key = (path, fmt, lang, limit, words)
        if key not in self._corpora:
            full = cached_corpus(path, fmt, lang, self.cache_dir / "corpora", words=words)
            self._corpora[key] = subsample(full, limit)
        return self._corpora[key]

    def split(self, data: Mapping[str, Any], role: str) -> Corpus:
        """`role` is one of src_train, src_dev, tgt_train, tgt_dev, tgt_test (node params' `data`);
        tgt_train is read in `unlabeled_format` where the experiment has one (raw text, tokens)."""
        lang = data["source_lang"] if role.startswith("src") else data["lang"]
        limit = data["max_train"] if role.endswith("train") else data["max_eval"]
        if role not in data["files"]:
            raise KeyError(f"{role}: this experiment has no such file for {lang}")
        fmt, words = read_as(data, role)
        return self.corpus(data["files"][role], fmt, lang, limit, words)

    def tokenizer(self, encoder_dir: str) -> Any:
        if encoder_dir not in self._tokenizers:
            from transformers import AutoTokenizer

            self._tokenizers[encoder_dir] = AutoTokenizer.from_pretrained(encoder_dir)
        return self._tokenizers[encoder_dir]

    def encode(
        self, corpus: Corpus, encoder_dir: str, label_set: LabelSet, max_length: int,
        lang_ids: Mapping[str, int] | None = None,
        extras: Mapping[str, Sequence[Sequence[int]]] | None = None, extras_key: str = "",
    ) -> EncodedCorpus:
        tok = self.tokenizer(encoder_dir)
        lang_key = sorted((lang_ids or {}).items())
        key = (corpus.fingerprint, encoder_dir, max_length, str(lang_key), extras_key)
        if key not in self._encoded:
            disk_key = tokenized_key(
                f"{corpus.fingerprint}|{lang_key}|{extras_key}|{label_set.tags}",
                tokenizer_id(tok), max_length)
            self._encoded[key] = encode_corpus_cached(
                corpus, tok, label_set, max_length, self.cache_dir / "encoded", disk_key,
                lang_ids=lang_ids, extras=extras)
        return self._encoded[key]

    def new_model(self, encoder: Mapping[str, Any], encoder_dir: str, num_labels: int,
                  train: Mapping[str, Any] | None = None) -> NerModel:
        """A fresh pretrained encoder (frozen as configured) + a new head; a training stage's
        `train` params may ask for packed sequences and a compiled encoder (`train.packing/compile`)."""
        train = train or {}
        bundle = load_hf_encoder(encoder_dir, dropout=encoder["dropout"])
        keep_bottom_layers(bundle.model, encoder.get("num_layers"))
        freeze(bundle.model, encoder["freeze_embeddings"], encoder["frozen_layers"])
        model = NerModel(TokenEncoder(bundle.model.to(self.device), pack=train.get("packing", False)),
                         num_labels, encoder["dropout"]).to(self.device)
        if train.get("compile"):  # in place: parameter names (and so checkpoints) stay the same
            model.encoder.model.compile(dynamic=True)
        return model

    def load_model(self, encoder: Mapping[str, Any], encoder_dir: str, num_labels: int,
                   checkpoint: Path, train: Mapping[str, Any] | None = None) -> NerModel:
        """A model rebuilt from the encoder directory, then the checkpoint's trainable weights."""
        model = self.new_model(encoder, encoder_dir, num_labels, train)
        load_model_state(model, checkpoint, self.device)
        return model
