"""Prediction over an encoded corpus: per-word label distributions, discriminator scores, Viterbi tags.

Outputs are per *sentence* and per *word* (windows of long sentences merged back by
`merge_windows`), so teachers' soft labels, ensembles and scoring never see sub-tokens or windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..data.align import EncodedCorpus, merge_windows
from ..data.batching import make_loader
from ..data.corpus import Corpus
from ..data.labels import LabelSet
from ..data.metrics import NerScores, evaluate, quick_f1
from ..errors import ConfigError
from ..models.device import autocast_context
from ..models.viterbi import ViterbiDecoder


@dataclass
class Predictions:
    probs: list[np.ndarray]  # per sentence [n_words, L] softmax of the NER head
    source_prob: np.ndarray | None = None  # per sentence P(source) from a language discriminator
    # per sentence: mean over its real sub-tokens ([CLS]/[SEP] included) of the max NER logit,
    # the sequence confidence of the authors' best-of-seeds (overlap_all.py)
    mean_max_logit: np.ndarray | None = None


@torch.no_grad()
def predict(
    model: nn.Module,
    encoded: EncodedCorpus,
    device: torch.device,
    batch_size: int = 64,
    language_discriminator: nn.Module | None = None,
    precision: str = "auto",
    progress: bool = False,
) -> Predictions:
    """Softmax per word (and, with a discriminator, the sentence's mean P(source) over its words);
    `progress` shows a bar over the batches on a terminal (`xner predict` on a long input)."""
    model.eval()
    if language_discriminator is not None:
        language_discriminator.eval()
    loader = make_loader(encoded, batch_size, shuffle=False, pin_memory=device.type == "cuda")
    row_probs: dict[int, np.ndarray] = {}
    row_disc: dict[int, np.ndarray] = {}
    logit_sum = np.zeros(encoded.num_sentences)
    logit_count = np.zeros(encoded.num_sentences)
    for batch in tqdm(loader, desc="predict", unit="batch", leave=False, disable=None if progress else True):
        ids = batch["input_ids"].to(device, non_blocking=True)
        mask = batch["attention_mask"].to(device, non_blocking=True)
        with autocast_context(device, precision):
            h, logits = model(ids, mask)  # [B, S, H], [B, S, L]
        probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()  # [B, S, L]
        top = (logits.float().max(dim=-1).values * mask).sum(dim=1).cpu().numpy()  # [B]
        np.add.at(logit_sum, batch["sentence"].numpy(), top)
        np.add.at(logit_count, batch["sentence"].numpy(), mask.sum(dim=1).cpu().numpy())
        disc = None
        if language_discriminator is not None:
            disc = torch.sigmoid(language_discriminator(h.float())).cpu().numpy()  # [B, S]
        for i, r in enumerate(batch["row"].tolist()):
            row_probs[r] = probs[i]
            if disc is not None:
                row_disc[r] = disc[i]
    per_word = merge_windows(encoded, row_probs)
    probs_out = [np.stack(words).astype(np.float32) if words else
                 np.zeros((0, probs.shape[-1]), np.float32) for words in per_word]
    source_prob = None
    if language_discriminator is not None:
        merged = merge_windows(encoded, row_disc)
        source_prob = np.array([float(np.mean(w)) if w else 0.5 for w in merged], dtype=np.float64)
    return Predictions(probs_out, source_prob, logit_sum / np.maximum(logit_count, 1))


def decode(probs: list[np.ndarray], label_set: LabelSet, device: torch.device,
           batch_size: int = 256, allow_inside_start: bool = False) -> list[list[str]]:
    """Constrained Viterbi over per-word probabilities, batched on `device`."""
    decoder = ViterbiDecoder(label_set, device, allow_inside_start)
    tags: list[list[str]] = []
    for start in range(0, len(probs), batch_size):
        chunk = probs[start:start + batch_size]
        t = max((len(p) for p in chunk), default=0)
        scores = torch.full((len(chunk), max(t, 1), len(label_set)), 1.0 / len(label_set))
        mask = torch.zeros(len(chunk), max(t, 1), dtype=torch.bool)
        for i, p in enumerate(chunk):
            scores[i, : len(p)] = torch.from_numpy(p)
            mask[i, : len(p)] = True
        tags += decoder.decode_tags(scores.to(device), mask.to(device), space="probs")
    return tags


def score(model: nn.Module, encoded: EncodedCorpus, gold: Corpus, label_set: LabelSet,
          device: torch.device, batch_size: int = 64, allow_inside_start: bool = False
          ) -> tuple[NerScores, list[list[str]]]:
    """Viterbi tags and both seqeval modes of `model` on a labelled corpus."""
    pred = decode(predict(model, encoded, device, batch_size).probs, label_set, device,
                  allow_inside_start=allow_inside_start)
    gold_tags = [s.tags for s in gold]
    return evaluate(gold_tags, pred), pred


def quick_score(model: nn.Module, encoded: EncodedCorpus, gold: Corpus, label_set: LabelSet,
                device: torch.device, batch_size: int = 64, allow_inside_start: bool = False,
                precision: str = "auto") -> tuple[float, float]:
    """(conlleval F1, strict F1) of Viterbi tags: the per-epoch numbers, without seqeval's reports."""
    pred = decode(predict(model, encoded, device, batch_size, precision=precision).probs, label_set, device,
                  allow_inside_start=allow_inside_start)
    return quick_f1([s.tags for s in gold], pred)


@torch.no_grad()
def word_vectors(model: nn.Module, encoded: EncodedCorpus, device: torch.device, layers: int = 3,
                 batch_size: int = 64, precision: str = "auto") -> list[np.ndarray]:
    """Per sentence [n_words, H]: the mean of the encoder's last `layers` hidden states at each word's
    first sub-token, CoLaDa's representation for its neighbour search (they average a word's pieces;
    a word is its first sub-token everywhere else in xner, the head's input included)."""
    model.eval()
    hf = model.encoder.model
    loader = make_loader(encoded, batch_size, shuffle=False, pin_memory=device.type == "cuda")
    rows: dict[int, np.ndarray] = {}
    for batch in loader:
        ids = batch["input_ids"].to(device, non_blocking=True)
        mask = batch["attention_mask"].to(device, non_blocking=True)
        with autocast_context(device, precision):
            states = hf(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        if layers > len(states) - 1:
            raise ConfigError(f"knn.layers: {layers}, but the encoder has {len(states) - 1} layers")
        h = torch.stack(states[-layers:]).float().mean(dim=0).cpu().numpy()  # [B, S, H]
        for i, r in enumerate(batch["row"].tolist()):
            rows[r] = h[i]
    return [np.stack(words).astype(np.float32) if words else np.zeros((0, 0), np.float32)
            for words in merge_windows(encoded, rows)]
