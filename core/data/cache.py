"""On-disk cache of parsed corpora (parquet), and the key under which align.py caches tokenizations.

Keys hash the file's bytes (not its path or mtime), the reader version and every argument that changes
the result, so an edited file, a new reader or another language never reuses a stale entry, while a
copy of the same file elsewhere does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from ..engine.hashing import file_sha256
from . import readers
from .corpus import Corpus

logger = logging.getLogger(__name__)

TOKENIZED_CACHE_VERSION = "1"  # bump when the alignment output format changes


def _digest(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def corpus_key(
    path: str | Path, format: str, lang: str, encoding: str | None = None, name: str | None = None,
    words: str = "simple",
) -> str:
    """The cache key of `read_corpus(path, format, lang, encoding, name, words)`."""
    parts = {"file": file_sha256(path), "reader": readers.READER_VERSION, "format": format, "lang": lang,
             "encoding": encoding, "name": name}
    if format == "raw":  # only raw text is split by a word tokenizer
        parts["words"] = words
    return _digest(parts)


def cached_corpus(
    path: str | Path,
    format: str,
    lang: str,
    cache_dir: str | Path,
    *,
    encoding: str | None = None,
    name: str | None = None,
    words: str = "simple",
) -> Corpus:
    """`read_corpus` through a parquet cache in `cache_dir`; a second call reads parquet, no parse.

    The file is parsed before anything is written, so a malformed file raises and leaves no entry; an
    unreadable entry (a disk filled mid-write by another tool, say) is parsed again and replaced.
    """
    if name is None:
        name = readers.default_name(Path(path))  # resolve now so the key and the result agree
    key = corpus_key(path, format, lang, encoding, name, words)
    entry = Path(cache_dir) / f"corpus-{key[:32]}.parquet"
    if entry.is_file():
        try:
            corpus = Corpus.from_parquet(entry)
            logger.debug("%s: cache hit %s", path, entry)
            return corpus
        except (pa.ArrowException, OSError) as e:
            logger.warning("%s: unreadable cache entry %s (%s); parsing again", path, entry, e)
    corpus = readers.read_corpus(path, format=format, lang=lang, encoding=encoding, name=name, words=words)
    corpus.to_parquet(entry)
    logger.debug("%s: cached %d sentences as %s", path, len(corpus), entry)
    return corpus


def file_entity_types(path: str | Path, format: str, encoding: str | None = None) -> tuple[str, ...]:
    """The entity types a labelled file uses, sorted (`B-DATE` -> DATE): a label set read from the
    source data itself. Memoised on the file's size and mtime, since every node builder asks."""
    st = os.stat(path)
    return _entity_types(str(path), format, encoding, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=64)
def _entity_types(path: str, format: str, encoding: str | None, size: int, mtime: int) -> tuple[str, ...]:
    tags = readers.read_corpus(path, format=format, encoding=encoding).table.column("tags")
    found = tags.combine_chunks().flatten().unique().to_pylist()
    return tuple(sorted({t[2:] for t in found if t != "O"}))


class VocabTokenizer(Protocol):
    """What `tokenizer_id` needs from a Hugging Face tokenizer."""

    name_or_path: str

    def get_vocab(self) -> dict[str, int]: ...

    def __len__(self) -> int: ...


def tokenizer_id(tokenizer: VocabTokenizer) -> str:
    """`name_or_path|size|vocab-hash`: two checkpoints that share a name but not a vocabulary differ.

    The hash covers every (piece, id) pair, so a trimmed vocabulary (me5-small-trimmed) or added
    special tokens change the id even when the name stays the same.
    """
    pairs = sorted(tokenizer.get_vocab().items(), key=lambda kv: (kv[1], kv[0]))
    digest = hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).hexdigest()[:16]
    return f"{tokenizer.name_or_path}|{len(tokenizer)}|{digest}"


def tokenized_key(corpus_fingerprint: str, tokenizer_id: str, max_length: int) -> str:
    """Cache key of a corpus aligned to sub-tokens: content x tokenizer x truncation length."""
    if max_length <= 0:
        raise ValueError(f"max_length must be positive, got {max_length}")
    return _digest(
        {
            "corpus": corpus_fingerprint,
            "tokenizer": tokenizer_id,
            "max_length": max_length,
            "version": TOKENIZED_CACHE_VERSION,
        }
    )
