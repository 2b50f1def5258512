"""A labelled corpus held as a pyarrow Table: one row per sentence.

Columns: `tokens` (list<string>), `tags` (list<string>, IOB2), `langs` (list<string>, the language of
every token, which the entity/context language discriminators of TransAdv need). Arrow keeps a 200k
token corpus in a few contiguous buffers, hashes quickly and round-trips through parquet losslessly.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .labels import split_tag

SCHEMA = pa.schema(
    [
        ("tokens", pa.list_(pa.string())),
        ("tags", pa.list_(pa.string())),
        ("langs", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class Sentence:
    tokens: list[str]
    tags: list[str]
    langs: list[str] | None = None

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(f"{len(self.tokens)} tokens but {len(self.tags)} tags")
        if self.langs is not None and len(self.langs) != len(self.tokens):
            raise ValueError(f"{len(self.tokens)} tokens but {len(self.langs)} languages")


@dataclass(frozen=True)
class CorpusStats:
    sentences: int
    tokens: int
    entities: int
    per_type: dict[str, int]


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """IOB2 spans as (type, start, end_exclusive); a stray `I-X` opens a span as conlleval does."""
    spans: list[tuple[str, int, int]] = []
    cur: list = []  # [type, start]
    for i, tag in enumerate(tags):
        prefix, etype = split_tag(tag)
        if cur and (prefix != "I" or etype != cur[0]):
            spans.append((cur[0], cur[1], i))
            cur = []
        if prefix == "B" or (prefix == "I" and not cur):
            cur = [etype, i]
    if cur:
        spans.append((cur[0], cur[1], len(tags)))
    return spans


class Corpus:
    """Immutable sentences + metadata (`name`, `lang`). Build with `from_sentences` or `from_table`."""

    def __init__(self, table: pa.Table, name: str = "", lang: str = "") -> None:
        self.table = table.cast(SCHEMA) if table.schema != SCHEMA else table
        self.name = name
        self.lang = lang
        self._fingerprint: str | None = None

    @classmethod
    def from_sentences(
        cls, sentences: Sequence[Sentence], name: str = "", lang: str = ""
    ) -> Corpus:
        table = pa.table(
            {
                "tokens": [s.tokens for s in sentences],
                "tags": [s.tags for s in sentences],
                "langs": [s.langs if s.langs is not None else [lang] * len(s.tokens)
                          for s in sentences],
            },
            schema=SCHEMA,
        )
        return cls(table, name=name, lang=lang)

    def __len__(self) -> int:
        return self.table.num_rows

    def __iter__(self) -> Iterator[Sentence]:
        cols = self.table.to_pydict()
        for toks, tags, langs in zip(cols["tokens"], cols["tags"], cols["langs"], strict=True):
            yield Sentence(toks, tags, langs)

    def __getitem__(self, i: int) -> Sentence:
        row = self.table.slice(i, 1).to_pylist()[0]
        return Sentence(row["tokens"], row["tags"], row["langs"])

    def __repr__(self) -> str:
        return f"Corpus(name={self.name!r}, lang={self.lang!r}, sentences={len(self)})"

    @property
    def fingerprint(self) -> str:
        """sha256 of the content (not the name): two files with the same sentences share a cache."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            for col in ("tokens", "tags", "langs"):
                arr = self.table.column(col).combine_chunks()
                h.update(col.encode())
                flat = arr.flatten()
                for lengths in (pc.list_value_length(arr), pc.binary_length(flat)):
                    h.update(lengths.to_numpy(zero_copy_only=False).astype("int64").tobytes())
                h.update("".join(flat.to_pylist()).encode("utf-8"))
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def select(self, indices: Sequence[int], name: str | None = None) -> Corpus:
        return Corpus(self.table.take(pa.array(indices, pa.int64())), name or self.name, self.lang)

    def stats(self) -> CorpusStats:
        cols = self.table.to_pydict()
        counts: Counter[str] = Counter()
        ntok = 0
        for tags in cols["tags"]:
            ntok += len(tags)
            counts.update(t for t, _, _ in entity_spans(tags))
        return CorpusStats(len(self), ntok, sum(counts.values()), dict(sorted(counts.items())))

    def to_parquet(self, path: str | Path) -> None:
        """Atomic: written to a temporary sibling, then renamed, so a killed run leaves no partial file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        meta = {b"xner.name": self.name.encode(), b"xner.lang": self.lang.encode()}
        try:
            # one chunk per column and the canonical list field names ("item"; parquet reads them back
            # as "element"): the same rows always give the same bytes, whatever their history
            table = self.table.combine_chunks().cast(SCHEMA) if self.table.schema.names == SCHEMA.names \
                else self.table.combine_chunks()
            pq.write_table(table.replace_schema_metadata(meta), tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def from_parquet(cls, path: str | Path) -> Corpus:
        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        return cls(
            table.replace_schema_metadata(None),
            name=meta.get(b"xner.name", b"").decode(),
            lang=meta.get(b"xner.lang", b"").decode(),
        )
