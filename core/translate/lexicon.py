"""Bilingual word lexicons in MUSE format (`source target` per line) and target-side casing.

MUSE dictionaries list several targets per source word, best first, all lowercased; the paper's
"MUSE" strategy (after UniTrans) looks every source word up and restores its casing on the target.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFormatError, XnerError

log = logging.getLogger(__name__)

BOM = b"\xef\xbb\xbf"
CASINGS: tuple[str, ...] = ("source", "german-nouns", "none", "target")
CANDIDATES: tuple[str, ...] = ("first", "random")


class DictionaryError(XnerError, FileNotFoundError):
    """No usable dictionary for a language pair: missing file, empty file, or none configured."""


@dataclass(frozen=True)
class Lexicon:
    """`entries[src] = (tgt1, tgt2, ...)` in file order; `sha256` keys caches on the file content."""

    src: str
    tgt: str
    path: Path
    entries: Mapping[str, tuple[str, ...]]
    sha256: str

    @classmethod
    def load(cls, path: str | Path, src: str, tgt: str) -> Lexicon:
        path = Path(path)
        raw = read_dictionary_bytes(path, src, tgt)
        entries: dict[str, list[str]] = {}
        for lineno, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            cols = line.split()
            if not cols:
                continue
            if len(cols) != 2:
                raise DataFormatError(
                    path, lineno, f"expected 2 whitespace-separated columns 'source target', "
                    f"got {len(cols)}: {line.strip()!r}"
                )
            entries.setdefault(cols[0], []).append(cols[1])
        if not entries:
            raise DictionaryError(f"{path}: the {src}-{tgt} dictionary is empty (no 'source target' lines)")
        lex = cls(src, tgt, path, {k: tuple(v) for k, v in entries.items()},
                  hashlib.sha256(raw).hexdigest())
        log.info("loaded %s-%s lexicon %s: %d source words", src, tgt, path, len(lex.entries))
        return lex

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, word: str) -> tuple[str, ...] | None:
        """Exact match first (keeps case-distinct entries such as `US`/`us`), then lowercase."""
        hit = self.entries.get(word)
        if hit is None:
            hit = self.entries.get(word.lower())
        return hit


def read_dictionary_bytes(path: Path, src: str, tgt: str) -> bytes:
    """The raw file (its sha256 keys caches without parsing it); a missing file names the pair."""
    if not path.is_file():
        raise DictionaryError(
            f"no {src}-{tgt} dictionary at {path} (expected a MUSE file, 'source target' per line)"
        )
    raw = path.read_bytes()
    if raw.startswith(BOM):  # an editor's UTF-8 byte order mark would glue itself to the first word
        log.warning("%s: stripped a UTF-8 byte order mark at the start of the dictionary", path)
        raw = raw[len(BOM):]
    return raw


def apply_casing(source: str, target: str, casing: str) -> str:
    """Give `target` a casing that fits the sentence it lands in.

    - `source`: the source token's pattern (UniTrans): UPPER -> UPPER, Title -> Title, else lower.
    - `german-nouns`: German capitalises every noun, but MUSE targets are lowercased and we have no
      tagger, so: UPPER source -> UPPER; Title source (names, sentence starts) or a capitalised
      dictionary target (a noun the lexicon spells with a capital) -> Title; otherwise as the
      dictionary spells it. Lowercase English common nouns therefore stay lowercase (a known miss).
    - `none`: the dictionary's spelling.
    - `target` needs the sentence and the target text: truecase.TargetCasing, applied by the strategy.
    """
    if casing == "none" or not target:
        return target
    if casing == "source":
        if source.isupper():
            return target.upper()
        if source[:1].isupper():
            return target[:1].upper() + target[1:].lower()
        return target.lower()
    if casing == "german-nouns":
        if source.isupper() and len(source) > 1:
            return target.upper()
        if source[:1].isupper() or target[:1].isupper():
            return target[:1].upper() + target[1:]
        return target
    raise ValueError(f"unknown casing {casing!r}: expected one of {', '.join(CASINGS)}")


def resolve_dictionary(dictionary: str | Path | Mapping[str, str | Path] | None,
                       src: str, tgt: str) -> Path:
    """Find the dictionary file for `src-tgt`.

    `dictionary` is a file, a directory holding `{src}-{tgt}.txt` (the MUSE naming), or a mapping
    keyed by `"{src}-{tgt}"` or by the target language alone (as an experiment YAML lists them).
    """
    pair = f"{src}-{tgt}"
    if dictionary is None:
        raise DictionaryError(f"no dictionary configured for language pair {pair}")
    if isinstance(dictionary, Mapping):
        entry = dictionary.get(pair, dictionary.get(tgt))
        if entry is None:
            known = ", ".join(sorted(str(k) for k in dictionary)) or "(none)"
            raise DictionaryError(
                f"no dictionary configured for language pair {pair} (configured: {known})"
            )
        return Path(entry)
    path = Path(dictionary)
    if path.is_dir():
        candidate = path / f"{pair}.txt"
        if not candidate.is_file():
            known = ", ".join(sorted(p.stem for p in path.glob("*-*.txt"))) or "(none)"
            raise DictionaryError(
                f"no dictionary for language pair {pair} in {path}: expected {candidate.name} "
                f"(found: {known})"
            )
        return candidate
    return path
