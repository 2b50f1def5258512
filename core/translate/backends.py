"""Machine-translation backends behind one interface: `translate(segments, src, tgt) -> list[str]`.

`hf` runs any Hugging Face seq2seq translation model (Marian or other) by name or local path; `table`
reads a TSV `source<TAB>translation`, so the output of an external service (the paper used Google
Translate) can be plugged in offline. Both are wrapped by `CachedTranslator` (cache.py) so that no
segment is ever translated twice.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Literal

from ..engine.hashing import file_sha256
from ..errors import ConfigError, DataFormatError, XnerError
from .segments import split_segments

log = logging.getLogger(__name__)

OnMissing = Literal["fail", "copy"]
MAX_LISTED_MISSING = 20


class MissingTranslationsError(XnerError, LookupError):
    """A translation table lacks segments the strategy needs; lists the first ones and the count."""

    def __init__(self, path: str | Path, missing: list[str]) -> None:
        self.missing = missing
        shown = "\n  ".join(repr(s) for s in missing[:MAX_LISTED_MISSING])
        more = len(missing) - MAX_LISTED_MISSING
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{path}: {len(missing)} segments have no translation (add them to the table, or set "
            f"on_missing='copy' to keep the source text):\n  {shown}{tail}"
        )


class Translator(ABC):
    """Translates text segments. `backend_id` names the backend and everything that changes its
    output (model, table content, decoding settings): it is the cache key prefix."""

    def __init__(self) -> None:
        # Segments the last call could not translate and copied through instead; never cached.
        self.last_missing: list[str] = []

    @property
    @abstractmethod
    def backend_id(self) -> str: ...

    @abstractmethod
    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]: ...


class TableTranslator(Translator):
    """Look-up in a user TSV `source<TAB>translation` (one language pair per file)."""

    def __init__(self, path: str | Path, on_missing: OnMissing = "fail") -> None:
        super().__init__()
        if on_missing not in ("fail", "copy"):
            raise ConfigError(f"on_missing: expected 'fail' or 'copy', got {on_missing!r}")
        self.path = Path(path)
        self.on_missing = on_missing
        if not self.path.is_file():
            raise ConfigError(f"translation table {self.path} does not exist")
        raw = self.path.read_bytes()
        self._id = f"table:{hashlib.sha256(raw).hexdigest()[:16]}"
        self.table: dict[str, str] = {}
        first_line: dict[str, int] = {}
        for lineno, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            source, sep, target = line.partition("\t")
            if not sep:
                raise DataFormatError(self.path, lineno, "expected 'source<TAB>translation'")
            if source in self.table and self.table[source] != target:
                raise DataFormatError(
                    self.path, lineno, f"{source!r} is translated differently on line "
                    f"{first_line[source]} ({self.table[source]!r} vs {target!r})"
                )
            self.table[source] = target
            first_line.setdefault(source, lineno)
        log.info("loaded translation table %s: %d segments", self.path, len(self.table))

    @property
    def backend_id(self) -> str:
        return self._id

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        missing = list(dict.fromkeys(s for s in segments if s not in self.table))
        self.last_missing = missing
        if missing:
            if self.on_missing == "fail":
                raise MissingTranslationsError(self.path, missing)
            log.warning("%s: %d segments have no translation; copying the source text",
                        self.path, len(missing))
        return [self.table.get(s, s) for s in segments]


class HFTranslator(Translator):
    """Any `AutoModelForSeq2SeqLM` + tokenizer, batched by length, on GPU when present.

    Weights load on the first `translate` call, so a fully cached run never touches the model.
    `prefix` is prepended to every segment, formatted with `src`/`tgt` (e.g. `">>{tgt}<< "` for
    multilingual Marian models).
    """

    def __init__(self, model: str, batch_size: int = 32, device: str | None = None,
                 num_beams: int = 1, max_new_tokens: int = 64, prefix: str = "") -> None:
        super().__init__()
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.num_beams = num_beams
        self.max_new_tokens = max_new_tokens
        self.prefix = prefix
        self._model: Any = None
        self._tokenizer: Any = None

    @property
    def backend_id(self) -> str:
        ident = self.model_name
        local = Path(self.model_name)
        if local.is_dir():  # a local path is re-used for retrained models: key on its content too
            h = hashlib.sha256()
            for f in sorted(local.iterdir()):
                if f.is_file():
                    st = f.stat()
                    h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
            ident = f"{local.resolve()}@{h.hexdigest()[:16]}"
        return f"hf:{ident}:beams={self.num_beams}:max={self.max_new_tokens}:prefix={self.prefix}"

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        log.info("loading translation model %s on %s", self.model_name, device)
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        self._model = AutoModelForSeq2SeqLM.from_pretrained(self.model_name).to(device).eval()
        self.device = device

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        import torch
        from tqdm.auto import tqdm

        self.last_missing = []
        if not segments:
            return []
        if self._model is None:
            self._load()
        prefix = self.prefix.format(src=src, tgt=tgt)
        # longest first: batches of similar length pad little, and an OOM shows up at once
        order = sorted(range(len(segments)), key=lambda i: -len(segments[i]))
        out: list[str] = [""] * len(segments)
        starts = range(0, len(order), self.batch_size)
        for start in tqdm(starts, desc=f"translate {src}->{tgt}", disable=len(starts) < 4):
            idx = order[start:start + self.batch_size]
            enc = self._tokenizer([prefix + segments[i] for i in idx], return_tensors="pt",
                                  padding=True, truncation=True)
            with torch.inference_mode():
                gen = self._model.generate(
                    input_ids=enc["input_ids"].to(self.device),  # [B, S]
                    attention_mask=enc["attention_mask"].to(self.device),  # [B, S]
                    num_beams=self.num_beams, max_new_tokens=self.max_new_tokens,
                )  # [B, T]
            for i, text in zip(idx, self._tokenizer.batch_decode(gen, skip_special_tokens=True),
                               strict=True):
                out[i] = text.strip()
        return out


class AlignedTranslator(TableTranslator):
    """Translations read off a token-aligned parallel corpus: the source CoNLL file and its word-by-word
    translation (e.g. the UniTrans authors' `en2es.train.txt`), sentence i token j <-> token j.

    Every word maps to its most frequent aligned translation; a multi-word unit (an entity or context
    stretch of the mt-phrase strategies) that occurs in the corpus maps to its aligned stretch, and
    any other unit goes word by word. So the MT strategies can be compared offline against a
    translation someone else produced.
    """

    def __init__(self, path: str | Path, source: str | Path, on_missing: OnMissing = "copy") -> None:
        from collections import Counter

        from ..data.readers import read_conll

        if on_missing not in ("fail", "copy"):
            raise ConfigError(f"on_missing: expected 'fail' or 'copy', got {on_missing!r}")
        self.path, self.on_missing, self.last_missing = Path(path), on_missing, []
        src, tgt = read_conll(source), read_conll(path)
        if len(src) != len(tgt):
            raise DataFormatError(path, 1, f"{len(tgt)} sentences, but the source {source} has {len(src)}: "
                                           "an aligned translation needs one per source sentence")
        votes: dict[str, Counter[str]] = {}
        self.table = {}
        for i, (a, b) in enumerate(zip(src, tgt, strict=True)):
            if len(a.tokens) != len(b.tokens):
                raise DataFormatError(path, 1, f"sentence {i + 1} has {len(b.tokens)} tokens, the source "
                                               f"{len(a.tokens)}: not a word-by-word translation")
            for w, t in zip(a.tokens, b.tokens, strict=True):
                votes.setdefault(w, Counter())[t] += 1
            for _, x, y in split_segments(a.tags):
                if y - x > 1:
                    self.table.setdefault(" ".join(a.tokens[x:y]), " ".join(b.tokens[x:y]))
        self.words = {w: c.most_common(1)[0][0] for w, c in votes.items()}
        self.table.update(self.words)
        self._id = f"aligned:{file_sha256(path)[:16]}"
        log.info("aligned translations %s: %d words, %d phrases", path, len(self.words),
                 len(self.table) - len(self.words))

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        out, missing = [], []
        for seg in segments:
            if seg in self.table:
                out.append(self.table[seg])
                continue
            words = seg.split()
            missing += [w for w in words if w not in self.words]
            out.append(" ".join(self.words.get(w, w) for w in words))
        self.last_missing = list(dict.fromkeys(missing))
        if self.last_missing and self.on_missing == "fail":
            raise MissingTranslationsError(self.path, self.last_missing)
        return out


def build_translator(backend: str, **options: Any) -> Translator:
    """`hf` (options: model, batch_size, device, num_beams, max_new_tokens, prefix), `table`
    (options: table, on_missing) or `aligned` (options: table = the aligned translation, source)."""
    options = {k: v for k, v in options.items() if v is not None}
    if backend == "aligned":
        if not options.get("table") or not options.get("source"):
            raise ConfigError("backend 'aligned' needs `table` (the word-by-word translation) and `source`")
        options.pop("model", None)
        return AlignedTranslator(options.pop("table"), **options)
    if backend == "hf":
        if not options.get("model"):
            raise ConfigError("backend 'hf' needs `model` (a Hugging Face name or a local path)")
        return HFTranslator(**options)
    if backend == "table":
        if not options.get("table"):
            raise ConfigError("backend 'table' needs `table` (a TSV 'source<TAB>translation')")
        options.pop("model", None)
        return TableTranslator(options.pop("table"), **options)
    raise ConfigError(f"unknown translation backend {backend!r}: expected 'hf', 'table' or 'aligned'")
