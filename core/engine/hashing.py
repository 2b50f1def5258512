"""Content hashes of files: what node keys and cache keys hold instead of paths or mtimes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import MissingDataFileError


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    except FileNotFoundError:
        raise MissingDataFileError(Path(path)) from None
    return h.hexdigest()
