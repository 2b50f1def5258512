"""One `Predictor` for every consumer of a trained model: the evaluate stage, `xner predict` and the
MLflow model. Words in, the same overlapping windows as training (no word is ever dropped), softmax
per word, and the constrained IOB2 Viterbi: so the tags a user gets are the tags xner scored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..data.align import EncodedCorpus, encode_corpus
from ..data.corpus import Corpus, Sentence, entity_spans
from ..data.labels import LabelSet
from ..data.words import Word, WordTokenizer
from ..errors import ConfigError
from ..models.device import resolve_device
from ..train.predict import decode, predict

SCHEME = "IOB2+viterbi"  # the only decoding xner has: tags constrained to valid IOB2 paths


@dataclass(frozen=True)
class Decoding:
    """How logits become tags; exported in the model's config (`xner` block) so that every reader
    decodes as xner's evaluate stage did."""

    tags: tuple[str, ...]
    max_length: int  # sub-tokens per window, specials included
    stride: int | None = None  # words of overlap between windows; None: a quarter of the budget
    allow_inside_start: bool = False  # Viterbi may open an entity with I-X (off: the papers' IOB2)
    scheme: str = SCHEME
    precision: str = "auto"  # the evaluate node's (fp32 | bf16 | auto): a GPU tags as it scored

    def __post_init__(self) -> None:
        if self.scheme != SCHEME:
            raise ConfigError(f"decoding scheme {self.scheme!r} is not known to this xner (it decodes "
                              f"{SCHEME!r}); was the model exported by a newer version?")
        ls = LabelSet.from_tags(self.tags)
        if tuple(ls.tags) != tuple(self.tags):
            raise ConfigError(f"label set {list(self.tags)} is not an IOB2 set in xner's order "
                              f"(O, then B-X, I-X per sorted type: {list(ls.tags)})")

    @property
    def label_set(self) -> LabelSet:
        return LabelSet.from_tags(self.tags)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Decoding:
        known = {"tags", "max_length", "stride", "allow_inside_start", "scheme", "precision"}
        return cls(**{k: (tuple(v) if k == "tags" else v) for k, v in d.items() if k in known})


@dataclass
class Tagged:
    """One input line (or sentence) tagged: words, their offsets (None for pre-split input), tags,
    and the entity spans with word and character offsets."""

    tokens: list[str]
    tags: list[str]
    offsets: list[tuple[int, int]] | None = None
    text: str | None = None

    def spans(self) -> list[dict[str, Any]]:
        out = []
        for etype, start, end in entity_spans(self.tags):
            span: dict[str, Any] = {"type": etype, "start_word": start, "end_word": end,
                                    "text": " ".join(self.tokens[start:end])}
            if self.offsets is not None and self.text is not None:
                span["start"], span["end"] = self.offsets[start][0], self.offsets[end - 1][1]
                span["text"] = self.text[span["start"]:span["end"]]
            out.append(span)
        return out

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"tokens": self.tokens, "tags": self.tags, "entities": self.spans()}
        if self.text is not None:
            d["text"] = self.text
        return d


class _Logits(nn.Module):
    """An `AutoModelForTokenClassification` seen as xner's (hidden, logits) model."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[None, torch.Tensor]:
        return None, self.model(input_ids=input_ids, attention_mask=attention_mask).logits


class Predictor:
    """A model (returning (hidden, logits) per sub-token), its fast tokenizer and its `Decoding`."""

    def __init__(self, model: nn.Module, tokenizer: Any, decoding: Decoding,
                 device: torch.device | str = "auto", batch_size: int = 64, precision: str | None = None,
                 progress: bool = False) -> None:
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.decoding = decoding
        self.label_set = decoding.label_set
        self.batch_size = batch_size
        self.precision = precision or decoding.precision
        self.progress = progress  # a bar over the batches (xner predict sets it; the stages do not)

    @classmethod
    def from_pretrained(cls, directory: str | Path, device: torch.device | str = "auto",
                        batch_size: int = 64) -> Predictor:
        """An `xner export` directory: HF model + tokenizer + the `xner` block of its config."""
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        path = Path(directory)
        cfg_file = path / "config.json"
        if not cfg_file.is_file():
            raise ConfigError(f"{path}: not an exported model (no config.json); export one with "
                              "`xner export`")
        block = json.loads(cfg_file.read_text(encoding="utf-8")).get("xner")
        if not block or "decoding" not in block:
            raise ConfigError(f"{cfg_file}: no `xner` block with the decoding; this directory was not "
                              "written by `xner export` (a plain HF model decodes by argmax, not xner's "
                              "Viterbi)")
        decoding = Decoding.from_dict(block["decoding"])
        model = AutoModelForTokenClassification.from_pretrained(path, dtype=torch.float32)
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if tuple(labels) != decoding.tags:
            raise ConfigError(f"{cfg_file}: id2label {labels} does not match the decoding's tags "
                              f"{list(decoding.tags)}")
        tokenizer = AutoTokenizer.from_pretrained(path)
        return cls(_Logits(model), tokenizer, decoding, device, batch_size)

    # -- words -> per-word probabilities -> tags ------------------------------------------------
    def encode(self, sentences: Corpus | Sequence[Sequence[str]]) -> EncodedCorpus:
        corpus = sentences if isinstance(sentences, Corpus) else _as_corpus(sentences)
        return encode_corpus(corpus, self.tokenizer, self.label_set, self.decoding.max_length,
                             self.decoding.stride)

    def probs(self, sentences: Corpus | Sequence[Sequence[str]] | None = None,
              encoded: EncodedCorpus | None = None) -> list[np.ndarray]:
        """[n_words, L] softmax per sentence; `encoded` reuses an encoding made with the same
        tokenizer and window settings (the evaluate stage's cached one)."""
        if encoded is None:
            if sentences is None:
                raise ValueError("probs() needs sentences or an encoded corpus")
            encoded = self.encode(sentences)
        return predict(self.model, encoded, self.device, self.batch_size, precision=self.precision,
                       progress=self.progress).probs

    def decode(self, probs: Sequence[np.ndarray]) -> list[list[str]]:
        """Constrained Viterbi over per-word probabilities (one model's, or an ensemble's mean)."""
        return decode(list(probs), self.label_set, self.device,
                      allow_inside_start=self.decoding.allow_inside_start)

    def tag(self, sentences: Corpus | Sequence[Sequence[str]]) -> list[list[str]]:
        return self.decode(self.probs(sentences))

    def tag_text(self, lines: Iterable[str], words: WordTokenizer) -> list[Tagged]:
        """Raw text, one sentence per item: split into words first, then tagged, offsets kept."""
        split: list[tuple[str, list[Word]]] = [(line, words(line)) for line in lines]
        tags = self.tag([[w.text for w in ws] for _, ws in split])
        return [Tagged([w.text for w in ws], t, [(w.start, w.end) for w in ws], line)
                for (line, ws), t in zip(split, tags, strict=True)]


def _as_corpus(sentences: Sequence[Sequence[str]]) -> Corpus:
    return Corpus.from_sentences([Sentence(list(s), ["O"] * len(s)) for s in sentences], name="input")
