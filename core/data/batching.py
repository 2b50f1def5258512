"""Length-bucketed batches with dynamic padding.

CoNLL sentences average ~25 sub-tokens, so padding every row to 128 spends most of a forward pass on
padding. Rows of similar length are batched together (sorted inside shuffled mega-buckets, so batches
stay random enough for SGD) and each batch is padded only to its own longest row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ..errors import ConfigError, XnerError
from .align import EncodedCorpus, word_first_positions
from .labels import IGNORE_INDEX

# fill value of padded positions per column; any other list column (langs, extras) pads with -100
PAD_FILL = {"label_ids": IGNORE_INDEX, "word_index": -1}
RENAME = {"label_ids": "labels"}  # the name the training loop and HF heads expect


class LengthBucketSampler(Sampler[list[int]]):
    """Batch sampler: batches of similar-length rows; every row exactly once per epoch.

    Shuffled: a seeded permutation is cut into mega-buckets of `bucket_factor * batch_size` rows,
    each is sorted by length and cut into batches, and the batch order is shuffled. The generator is
    seeded with (seed, epoch), so a run is reproducible and epochs differ. `__iter__` uses the
    current epoch and then advances it; call `set_epoch(e)` to resume at epoch e.
    Not shuffled (evaluation): all rows sorted by length, which pads least.
    """

    def __init__(
        self,
        lengths: Sequence[int] | np.ndarray,
        batch_size: int,
        *,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int = 0,
        bucket_factor: int = 50,
    ) -> None:
        if batch_size < 1 or bucket_factor < 1:
            raise ConfigError(f"batch_size ({batch_size}) and bucket_factor ({bucket_factor}) "
                              "must be >= 1")
        if seed < 0:
            raise ConfigError(f"seed must be >= 0, got {seed}")
        self.lengths = torch.as_tensor(np.asarray(lengths, dtype=np.int64))  # [R]
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.bucket_factor = bucket_factor
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        n = len(self.lengths)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batches(self, order: torch.Tensor) -> list[list[int]]:
        return [order[i : i + self.batch_size].tolist()
                for i in range(0, len(order), self.batch_size)]

    def __iter__(self) -> Iterator[list[int]]:
        epoch, self.epoch = self.epoch, self.epoch + 1
        if not self.shuffle:
            batches = self._batches(torch.argsort(self.lengths, stable=True))
        else:
            # torch's CPU generator keeps only 32 seed bits: mix (seed, epoch) into them
            mixed = int(np.random.SeedSequence([self.seed, epoch]).generate_state(1)[0])
            g = torch.Generator().manual_seed(mixed)
            perm = torch.randperm(len(self.lengths), generator=g)  # [R]
            mega = self.bucket_factor * self.batch_size
            batches = []
            for lo in range(0, len(perm), mega):
                chunk = perm[lo : lo + mega]
                # stable sort keeps the random order among equal lengths
                batches += self._batches(chunk[torch.argsort(self.lengths[chunk], stable=True)])
            batches = [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        yield from batches


class EncodedDataset(Dataset):
    """Rows of an EncodedCorpus, optionally with soft labels taken from per-sentence distributions.

    `soft_labels[s]` is an array [n_words_s, L] (one distribution per word of sentence s, e.g. a
    teacher's); each row gets the distributions of the words it owns, in word order.
    """

    def __init__(self, encoded: EncodedCorpus, soft_labels: Sequence[Any] | None = None,
                 hard_labels: Sequence[Any] | None = None) -> None:
        for name, given in (("soft-label", soft_labels), ("hard-label", hard_labels)):
            if given is not None and len(given) != encoded.num_sentences:
                raise XnerError(f"{len(given)} {name} sentences for {encoded.num_sentences} sentences")
        if hard_labels is not None and soft_labels is None:
            raise XnerError("hard labels come with soft labels (UniTrans's vote beside its teacher)")
        self.encoded = encoded
        self.soft_labels = soft_labels
        self.hard_labels = hard_labels  # per sentence [n_words] tag ids, -1: none (a word no vote kept)

    def __len__(self) -> int:
        return len(self.encoded)

    def __getitem__(self, i: int) -> dict[str, Any]:
        row = self.encoded.row(i)
        if self.soft_labels is not None:
            probs = np.asarray(self.soft_labels[row["sentence"]], dtype=np.float32)  # [n_words, L]
            if probs.ndim != 2 or probs.shape[0] != row["sentence_words"]:
                raise XnerError(f"soft labels of sentence {row['sentence']} have shape "
                                f"{probs.shape}, expected ({row['sentence_words']}, L)")
            words = row["word_index"][word_first_positions(row)]
            row["soft_labels"] = probs[words]  # [n_owned, L]
            if self.hard_labels is not None:
                row["hard_labels"] = np.asarray(self.hard_labels[row["sentence"]], dtype=np.int64)[words]
        return row


def collate(rows: Sequence[Mapping[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad a batch to its longest row.

    Returns `input_ids`, `attention_mask`, `labels` (-100 padded), `word_index` (-1 padded), every
    other list column (`langs`, extras; -100 padded), all [B, S] int64; `sentence`, `row` [B]; and,
    when rows carry `soft_labels` ([n_owned, L] per row), `soft` [B, S, L] float32 at the owned
    first sub-tokens with `soft_mask` [B, S] bool.
    """
    if not rows:
        raise XnerError("cannot collate an empty batch")
    b, s = len(rows), max(len(r["input_ids"]) for r in rows)
    list_cols = [k for k, v in rows[0].items()
                 if isinstance(v, np.ndarray) and k not in ("soft_labels", "hard_labels")]
    out: dict[str, torch.Tensor] = {}
    for col in list_cols:
        fill = pad_id if col == "input_ids" else PAD_FILL.get(col, IGNORE_INDEX)
        arr = np.full((b, s), fill, dtype=np.int64)  # [B, S]
        for i, r in enumerate(rows):
            arr[i, : len(r[col])] = r[col]
        out[RENAME.get(col, col)] = torch.from_numpy(arr)
    mask = np.zeros((b, s), dtype=np.int64)  # [B, S]
    for i, r in enumerate(rows):
        mask[i, : len(r["input_ids"])] = 1
    out["attention_mask"] = torch.from_numpy(mask)
    out["sentence"] = torch.tensor([r["sentence"] for r in rows], dtype=torch.int64)  # [B]
    out["row"] = torch.tensor([r["row"] for r in rows], dtype=torch.int64)  # [B]
    if "soft_labels" in rows[0]:
        n_labels = rows[0]["soft_labels"].shape[-1]
        soft = np.zeros((b, s, n_labels), dtype=np.float32)  # [B, S, L]
        soft_mask = np.zeros((b, s), dtype=bool)  # [B, S]
        for i, r in enumerate(rows):
            pos = word_first_positions(r)
            if len(pos) != len(r["soft_labels"]):
                raise XnerError(f"row {r['row']}: {len(r['soft_labels'])} soft labels for "
                                f"{len(pos)} owned words")
            soft[i, pos] = r["soft_labels"]
            soft_mask[i, pos] = True
        out["soft"] = torch.from_numpy(soft)
        out["soft_mask"] = torch.from_numpy(soft_mask)
    if "hard_labels" in rows[0]:
        hard = np.full((b, s), IGNORE_INDEX, dtype=np.int64)  # [B, S]
        for i, r in enumerate(rows):
            ids = r["hard_labels"]
            hard[i, word_first_positions(r)] = np.where(ids >= 0, ids, IGNORE_INDEX)
        out["hard"] = torch.from_numpy(hard)
    return out


def make_loader(
    encoded: EncodedCorpus,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
    pad_id: int | None = None,
    *,
    drop_last: bool = False,
    soft_labels: Sequence[Any] | None = None,
    hard_labels: Sequence[Any] | None = None,
    bucket_factor: int = 50,
    num_workers: int = 0,
    pin_memory: bool = False,
) -> DataLoader:
    """DataLoader over `encoded` with a LengthBucketSampler (reach it as `loader.batch_sampler`).

    `pad_id` defaults to the tokenizer's pad id recorded at encoding time.
    """
    pad = encoded.pad_id if pad_id is None else pad_id
    sampler = LengthBucketSampler(encoded.lengths, batch_size, shuffle=shuffle,
                                  drop_last=drop_last, seed=seed, bucket_factor=bucket_factor)
    return DataLoader(
        EncodedDataset(encoded, soft_labels, hard_labels),
        batch_sampler=sampler,
        collate_fn=functools.partial(collate, pad_id=pad),
        num_workers=num_workers,
        pin_memory=pin_memory,
    )
