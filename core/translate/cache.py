"""Persistent translation cache: sqlite keyed by (backend id, src, tgt, segment).

MT is the slow, sometimes paid, step of data creation; every segment is translated once per backend
and language pair, ever. sqlite gives transactional writes (a killed run keeps either all or none of
a batch) and safe concurrent readers, without a server.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .backends import Translator

log = logging.getLogger(__name__)

_CHUNK = 500  # well under sqlite's bound-variable limit


class TranslationCache:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS translations (backend TEXT, src TEXT, tgt TEXT, "
                "segment TEXT, translation TEXT, PRIMARY KEY (backend, src, tgt, segment))"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=60)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn
        finally:
            conn.close()

    def get_many(self, backend: str, src: str, tgt: str, segments: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._connect() as conn:
            for i in range(0, len(segments), _CHUNK):
                chunk = segments[i:i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    "SELECT segment, translation FROM translations WHERE backend=? AND src=? "
                    f"AND tgt=? AND segment IN ({marks})", (backend, src, tgt, *chunk)
                )
                found.update(rows)
        return found

    def put_many(self, backend: str, src: str, tgt: str, pairs: Mapping[str, str]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?)",
                [(backend, src, tgt, s, t) for s, t in pairs.items()],
            )

    def __len__(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]


class CachedTranslator(Translator):
    """Sends only never-seen segments (deduplicated) to `inner`; stores its answers in one
    transaction. Segments `inner` copied through for lack of a translation are not stored."""

    def __init__(self, inner: Translator, cache: TranslationCache) -> None:
        super().__init__()
        self.inner = inner
        self.cache = cache
        self.hits = 0
        self.misses = 0

    @property
    def backend_id(self) -> str:
        return self.inner.backend_id

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        unique = list(dict.fromkeys(segments))
        known = self.cache.get_many(self.backend_id, src, tgt, unique)
        todo = [s for s in unique if s not in known]
        self.hits += len(unique) - len(todo)
        self.misses += len(todo)
        self.last_missing = []
        if todo:
            fresh = self.inner.translate(todo, src, tgt)
            if len(fresh) != len(todo):
                raise RuntimeError(f"{self.backend_id} returned {len(fresh)} translations "
                                   f"for {len(todo)} segments")
            self.last_missing = list(self.inner.last_missing)
            skip = set(self.last_missing)
            new = {s: t for s, t in zip(todo, fresh, strict=True)}
            self.cache.put_many(self.backend_id, src, tgt,
                                {s: t for s, t in new.items() if s not in skip})
            known.update(new)
        log.info("translation cache %s: %d hits, %d translated", self.cache.path,
                 len(unique) - len(todo), len(todo))
        return [known[s] for s in segments]
