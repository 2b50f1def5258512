"""Sub-word alignment with overlapping word windows, so that no word is ever dropped.

The papers' code truncates every sentence to 128 sub-tokens and silently loses the words beyond it; a
model scored that way never predicts them. Strategy here (one, documented):

1. Every sentence is tokenized once, word by word (`is_split_into_words=True`, no special tokens);
   a word whose pieces come out empty (e.g. a zero-width space) becomes one `unk` piece, and a word
   longer than the budget (`max_length` minus the tokenizer's special tokens) keeps its first
   `budget` pieces. Every word therefore has a first sub-token, which carries its label.
2. A sentence whose pieces fit the budget is one row. A longer one is cut into *windows* of whole
   words, filled greedily up to the budget; consecutive windows overlap by `stride` words (capped at
   half a window, and shrunk so the next window still reaches a new word), so words near a cut
   still see context on both sides.
3. Ownership (maximum-context rule, as BERT's SQuAD code): word i is owned by the window k that
   maximises min(left, right), the words of context it has there on each side; a side that touches
   the sentence boundary counts as full context (the sentence length). Ties go to the earlier
   window. Only owned words carry labels, language ids, extras and a `word_index`, so every word of
   every sentence is trained on and predicted exactly once; windows that own no word are dropped.

`merge_windows` reads model outputs back at the owned first sub-tokens and returns one per word.
Rows live in a pyarrow Table (list<int32> columns) so a tokenized corpus caches as parquet.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from ..errors import ConfigError, DataFormatError, XnerError
from .corpus import Corpus
from .labels import IGNORE_INDEX, LabelSet

log = logging.getLogger(__name__)

FORMAT_VERSION = 1  # bump when the row layout changes: old parquet caches then miss
TOKENIZE_CHUNK = 2048  # sentences per call into the Rust tokenizer
LIST_COLUMNS = ("input_ids", "label_ids", "word_index")
SCALAR_COLUMNS = ("sentence", "word_offset", "sentence_words")
RESERVED = frozenset((*LIST_COLUMNS, *SCALAR_COLUMNS, "langs", "row", "soft_labels"))


def plan_windows(piece_counts: Sequence[int], budget: int, stride: int) -> list[tuple[int, int]]:
    """[start, end) word windows whose pieces (each count clipped to `budget`) fit `budget`."""
    counts = [min(max(c, 1), budget) for c in piece_counts]
    n = len(counts)
    windows: list[tuple[int, int]] = []
    start = 0
    while start < n:
        end, used = start, 0
        while end < n and used + counts[end] <= budget:
            used += counts[end]
            end += 1
        windows.append((start, end))
        if end == n:
            break
        overlap = min(stride, (end - start) // 2)
        while overlap and sum(counts[end - overlap : end + 1]) > budget:
            overlap -= 1  # less context rather than a window that adds no new word
        start = end - overlap
    return windows


def assign_owners(windows: Sequence[tuple[int, int]], n_words: int) -> list[int]:
    """Window index owning each word: the one where its smaller side of context is largest."""
    best = [-1] * n_words
    score = [-1] * n_words
    for k, (start, end) in enumerate(windows):
        for i in range(start, end):
            left = i - start if start > 0 else n_words
            right = end - 1 - i if end < n_words else n_words
            if min(left, right) > score[i]:
                best[i], score[i] = k, min(left, right)
    return best


def _special_frame(tokenizer: Any) -> tuple[list[int], list[int]]:
    """Special ids the tokenizer puts before and after a sentence (`[CLS]`/`[SEP]`, `<s>`/`</s>`)."""
    enc = tokenizer([["a"]], is_split_into_words=True, add_special_tokens=True)
    ids, wids = enc["input_ids"][0], enc.word_ids(0)
    first = wids.index(0)
    last = len(wids) - 1 - wids[::-1].index(0)
    return list(ids[:first]), list(ids[last + 1 :])


def _word_pieces(tokenizer: Any, sentences: Sequence[Sequence[str]]) -> list[list[list[int]]]:
    """Piece ids per word per sentence; empty words get `[unk]` so they can still be labelled."""
    unk = tokenizer.unk_token_id
    out: list[list[list[int]]] = []
    chunks = range(0, len(sentences), TOKENIZE_CHUNK)
    for lo in tqdm(chunks, desc="tokenize", leave=False, disable=len(chunks) < 4):
        batch = [list(s) for s in sentences[lo : lo + TOKENIZE_CHUNK]]
        enc = tokenizer(batch, is_split_into_words=True, add_special_tokens=False, verbose=False)
        for j, words in enumerate(batch):
            pieces: list[list[int]] = [[] for _ in words]
            for tid, w in zip(enc["input_ids"][j], enc.word_ids(j), strict=True):
                if w is not None:
                    pieces[w].append(tid)
            for w, p in enumerate(pieces):
                if not p:
                    if unk is None:
                        raise XnerError(f"word {words[w]!r} has no sub-tokens and the tokenizer "
                                        "has no unk token to stand for it")
                    p.append(unk)
            out.append(pieces)
    return out


def _word_columns(
    corpus: Corpus,
    label_set: LabelSet,
    lang_ids: Mapping[str, int] | None,
    extras: Mapping[str, Sequence[Sequence[int]]],
) -> dict[str, list[list[int]]]:
    """Word-level integer columns (`label_ids`, `langs`, extras); errors name the 1-based sentence."""
    cols = corpus.table.to_pydict()
    where = corpus.name or "<corpus>"
    out: dict[str, list[list[int]]] = {"label_ids": []}
    for i, tags in enumerate(cols["tags"]):
        try:
            out["label_ids"].append(label_set.encode(tags))
        except KeyError as err:
            raise DataFormatError(where, i + 1, f"tag {err.args[0]!r} is not in the label set "
                                  f"{list(label_set.tags)}") from None
    if lang_ids is not None:
        out["langs"] = []
        for i, row in enumerate(cols["langs"]):
            unknown = sorted(set(row) - set(lang_ids))
            if unknown:
                raise DataFormatError(where, i + 1, f"language {unknown[0]!r} has no id in "
                                      f"lang_ids {dict(lang_ids)}")
            out["langs"].append([lang_ids[x] for x in row])
    for name, values in extras.items():
        if len(values) != len(corpus):
            raise ConfigError(f"extra column {name!r}: {len(values)} sentences, not {len(corpus)}")
        for i, (v, tags) in enumerate(zip(values, cols["tags"], strict=True)):
            if len(v) != len(tags):
                raise DataFormatError(where, i + 1, f"extra column {name!r} has {len(v)} values "
                                      f"for {len(tags)} words")
        out[name] = [[int(x) for x in v] for v in values]
    return out


def _check_options(tokenizer: Any, extras: Mapping[str, Any], max_length: int, n_special: int
                   ) -> None:
    clash = sorted(set(extras) & RESERVED)
    if clash:
        raise ConfigError(f"extra column names {clash} are reserved")
    if max_length - n_special < 1:
        raise ConfigError(f"max_length={max_length} leaves no room beside {n_special} specials")
    model_max = getattr(tokenizer, "model_max_length", None) or max_length
    if max_length > model_max:
        raise ConfigError(f"max_length={max_length} exceeds the tokenizer's model_max_length="
                          f"{model_max} (the encoder has no position embeddings beyond it)")


def encode_corpus(
    corpus: Corpus,
    tokenizer: Any,
    label_set: LabelSet,
    max_length: int = 128,
    stride: int | None = None,
    *,
    lang_ids: Mapping[str, int] | None = None,
    extras: Mapping[str, Sequence[Sequence[int]]] | None = None,
) -> EncodedCorpus:
    """Tokenize `corpus` into windows of at most `max_length` sub-tokens (see module docstring).

    `stride`: words of overlap between consecutive windows of a long sentence (default: a quarter
    of the sub-token budget). `lang_ids` maps corpus language codes to ids (e.g. source 0, target
    1) for the `langs` column; `extras` are word-level integer columns (e.g. `entity_mask`).
    """
    if not getattr(tokenizer, "is_fast", False):
        raise XnerError(f"{type(tokenizer).__name__} is not a fast tokenizer: word_ids() is needed")
    extras = dict(extras or {})
    prefix, suffix = _special_frame(tokenizer)
    _check_options(tokenizer, extras, max_length, len(prefix) + len(suffix))
    budget = max_length - len(prefix) - len(suffix)
    stride = max(1, budget // 4) if stride is None else stride
    if stride < 0:
        raise ConfigError(f"stride must be >= 0, got {stride}")
    word_cols = _word_columns(corpus, label_set, lang_ids, extras)
    pieces = _word_pieces(tokenizer, corpus.table.column("tokens").to_pylist())

    rows: dict[str, list] = {c: [] for c in (*LIST_COLUMNS, *word_cols, *SCALAR_COLUMNS)}
    n_split = n_truncated = 0
    for s, sent_pieces in enumerate(pieces):
        n_truncated += sum(len(p) > budget for p in sent_pieces)
        windows = plan_windows([len(p) for p in sent_pieces], budget, stride)
        owners = assign_owners(windows, len(sent_pieces))
        n_split += len(windows) > 1
        for k, (start, end) in enumerate(windows):
            ids, first = list(prefix), {}  # first: word -> position of its first piece
            for i in range(start, end):
                first[i] = len(ids)
                ids.extend(sent_pieces[i][:budget])
            ids.extend(suffix)
            owned = {first[i]: i for i in range(start, end) if owners[i] == k}
            if not owned:
                continue
            rows["input_ids"].append(ids)
            rows["word_index"].append([owned.get(p, -1) for p in range(len(ids))])
            for c, values in word_cols.items():
                sent = values[s]
                rows[c].append([sent[owned[p]] if p in owned else IGNORE_INDEX
                                for p in range(len(ids))])
            rows["sentence"].append(s)
            rows["word_offset"].append(start)
            rows["sentence_words"].append(len(sent_pieces))
    log.info("encoded %s: %d sentences -> %d rows (%d split into windows, %d words truncated)",
             corpus.name or "corpus", len(pieces), len(rows["sentence"]), n_split, n_truncated)
    fields = [(c, pa.int32() if c in SCALAR_COLUMNS else pa.list_(pa.int32())) for c in rows]
    meta = {"max_length": max_length, "stride": stride, "tags": list(label_set.tags),
            "pad_id": tokenizer.pad_token_id, "num_sentences": len(pieces),
            "version": FORMAT_VERSION}
    return EncodedCorpus(pa.table(rows, schema=pa.schema(fields)), meta)


class EncodedCorpus:
    """Window rows of a tokenized corpus; `row(i)` gives numpy views for fast collation."""

    def __init__(self, table: pa.Table, meta: Mapping[str, Any]) -> None:
        self.table = table
        self.meta = dict(meta)
        self.list_columns = [f.name for f in table.schema if pa.types.is_list(f.type)]
        self._values: dict[str, np.ndarray] = {}
        self._offsets: dict[str, np.ndarray] = {}
        for name in self.list_columns:
            arr = table.column(name).combine_chunks()
            lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False)
            self._offsets[name] = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            self._values[name] = arr.flatten().to_numpy(zero_copy_only=False).astype(np.int32)
        self._scalars = {c: table.column(c).to_numpy().astype(np.int64) for c in SCALAR_COLUMNS}

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def num_sentences(self) -> int:
        return int(self.meta["num_sentences"])

    @property
    def pad_id(self) -> int:
        if self.meta["pad_id"] is None:
            raise XnerError("the tokenizer has no pad token: pass pad_id explicitly")
        return int(self.meta["pad_id"])

    @property
    def lengths(self) -> np.ndarray:
        """Sub-tokens per row, [R] int64 (what the length-bucket sampler sorts on)."""
        return np.diff(self._offsets["input_ids"])

    def row(self, i: int) -> dict[str, Any]:
        """Row `i`: list columns as int32 arrays plus ints `sentence`, `word_offset`, `row`."""
        if not 0 <= i < len(self):
            raise IndexError(f"row {i} out of range for {len(self)} rows")
        out = {c: self._values[c][self._offsets[c][i] : self._offsets[c][i + 1]]
               for c in self.list_columns}
        return {**out, **{c: int(v[i]) for c, v in self._scalars.items()}, "row": i}

    __getitem__ = row

    def save(self, path: str | Path) -> None:
        """Atomic parquet write (temporary sibling + rename): a killed run leaves no partial cache."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        meta = {b"xner.encoded": json.dumps(self.meta).encode()}
        pq.write_table(self.table.replace_schema_metadata(meta), tmp)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | Path) -> EncodedCorpus:
        table = pq.read_table(path)
        raw = (table.schema.metadata or {}).get(b"xner.encoded")
        if raw is None:
            raise XnerError(f"{path} is not an encoded corpus (no xner.encoded metadata)")
        return cls(table.replace_schema_metadata(None), json.loads(raw))


def word_first_positions(row: Mapping[str, Any]) -> list[int]:
    """Sub-token positions of the words this row owns, in word order (where soft labels go)."""
    return [int(p) for p in np.flatnonzero(np.asarray(row["word_index"]) >= 0)]


def merge_windows(encoded: EncodedCorpus, row_outputs: Sequence[Any] | Mapping[int, Any]) -> list:
    """One output per word per sentence from per-row outputs indexed by sub-token position.

    `row_outputs[r]` is anything indexable by position (list, array, tensor [S, ...]) for row r,
    e.g. the predicted tag ids or logits of that row. Returns `out[sentence][word]`.
    """
    merged: list[list[Any]] = [[] for _ in range(encoded.num_sentences)]
    filled = np.zeros(encoded.num_sentences, dtype=np.int64)
    for r in range(len(encoded)):
        row = encoded.row(r)
        s = row["sentence"]
        if not merged[s]:
            merged[s] = [None] * row["sentence_words"]
        try:
            outputs = row_outputs[r]
        except (IndexError, KeyError):
            raise XnerError(f"no outputs for row {r} (sentence {s})") from None
        positions = word_first_positions(row)
        if positions and len(outputs) <= positions[-1]:
            raise XnerError(f"row {r} has {len(outputs)} outputs but owns position {positions[-1]}")
        for p in positions:
            merged[s][int(row["word_index"][p])] = outputs[p]
        filled[s] += len(positions)
    for s, words in enumerate(merged):
        if filled[s] != len(words):
            raise XnerError(f"sentence {s}: {filled[s]} predictions for {len(words)} words")
    return merged


def encode_corpus_cached(
    corpus: Corpus,
    tokenizer: Any,
    label_set: LabelSet,
    max_length: int,
    cache_dir: str | Path,
    key: str,
    *,
    stride: int | None = None,
    lang_ids: Mapping[str, int] | None = None,
    extras: Mapping[str, Sequence[Sequence[int]]] | None = None,
) -> EncodedCorpus:
    """`encode_corpus` memoised as parquet under `cache_dir`.

    `key` identifies corpus content + tokenizer + max_length (the caller's); the options this module
    adds (stride, label set, language ids, extras, format version) are hashed into the file name too,
    so changing any of them can never return a stale encoding.
    """
    extras_ints = {k: [list(map(int, v)) for v in vals] for k, vals in (extras or {}).items()}
    params = [key, max_length, stride, label_set.tags, lang_ids, extras_ints, FORMAT_VERSION]
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    stem = re.sub(r"[^\w.-]", "_", key)[:80]  # readable prefix; the digest keeps names unique
    path = Path(cache_dir) / f"{stem}-{digest}.parquet"
    if path.exists():
        try:
            return EncodedCorpus.load(path)
        except (OSError, pa.ArrowException, XnerError, ValueError) as err:
            log.warning("ignoring unreadable tokenized cache %s (%s); re-encoding", path, err)
    encoded = encode_corpus(corpus, tokenizer, label_set, max_length, stride,
                            lang_ids=lang_ids, extras=extras)
    encoded.save(path)
    return encoded
