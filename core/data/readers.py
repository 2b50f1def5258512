"""CoNLL-2002/2003 and WikiAnn readers, the unlabelled target-text readers, and the CoNLL writer.

Every reader returns an IOB2 `Corpus`: IOB1 files and stray `I-X` span openings (WikiAnn zh has ~4%)
are repaired so that the entity spans are exactly those conlleval sees in the original file. Parsing is
one pass over the lines that builds lists of strings only (no per-token objects), so the 200k-token
English train parses in well under a second. A malformed file raises `DataFormatError` naming the line
and what was expected there, because a silent skip would change the token counts the papers report.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError, DataFormatError, MissingDataFileError
from .corpus import SCHEMA, Corpus
from .words import word_tokenizer

logger = logging.getLogger(__name__)

READER_VERSION = "1"  # bump whenever parsing changes what a file reads as: it keys the parquet cache
FORMATS = ("conll", "wikiann")  # labelled
UNLABELLED_FORMATS = ("tokens", "raw")  # target text without tags: one token per line | one sentence per line
DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"(?:O|[BI]-\S+)\Z")
_WS = re.compile(r"[ \t]+")  # ASCII only: str.split() would also split on \x85/\xa0 inside latin-1 tokens
_LANG_PREFIX = r"^[a-z]{2,3}:"  # WikiAnn's raw `es:Madrid`; needs a non-empty rest after the colon


def repair_iob2(tags: Sequence[str]) -> tuple[list[str], int]:
    """Turn every `I-X` that does not continue an X span into `B-X`; returns (tags, number repaired).

    conlleval opens a chunk at `B-X` or at an `I-X` after `O`/another type, so rewriting exactly those
    `I-X` (and keeping every `B-X`) gives IOB2 tags whose spans equal conlleval's on IOB1 input.
    """
    out = list(tags)
    repaired = 0
    prev_type: str | None = None
    for i, tag in enumerate(out):
        if tag == "O":
            prev_type = None
            continue
        etype = tag[2:]
        if tag[0] == "I" and etype != prev_type:
            out[i] = "B-" + etype
            repaired += 1
        prev_type = etype
    return out, repaired


def _read_text(path: Path, encoding: str | None) -> str:
    """Decode `path`: the given encoding, else UTF-8, else latin-1 (CoNLL-2002's original encoding)."""
    if path.is_dir():
        raise DataFormatError(path, 1, "is a directory; expected a data file such as train.txt")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MissingDataFileError(path) from None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise DataFormatError(path, line, "NUL byte: a binary or UTF-16 file; "
                              "expected UTF-8/latin-1 text lines")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise DataFormatError(path, line, f"cannot decode byte 0x{data[e.start]:02x} "
                                  f"as {encoding}") from None
        except LookupError:
            raise ConfigError(f"encoding: unknown codec {encoding!r} for {path}") from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            text, encoding = data.decode("latin-1"), "latin-1"
            logger.info("%s: not UTF-8 (first bad byte on line %d); read as latin-1", path, line)
    logger.debug("%s: decoded as %s", path, encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _conll_columns(path: Path) -> Callable[[str, int], list[str] | None]:
    """A line splitter for `token [POS CHUNK ...] TAG` that insists on one column count per file."""
    first: list[int] = []  # [columns, line] of the first token line

    def split(line: str, no: int) -> list[str] | None:
        line = line.strip(" \t\r")
        if not line:
            return None
        cols = _WS.split(line)
        if cols[0] == DOCSTART:
            return cols
        if len(cols) < 2:
            raise DataFormatError(path, no, "expected `token TAG` (2 or 4 columns, tag last), "
                                  f"got 1 column: {line!r}")
        if not first:
            first[:] = [len(cols), no]
        elif len(cols) != first[0]:
            raise DataFormatError(path, no, f"expected {first[0]} columns like line {first[1]}, "
                                  f"got {len(cols)}: {line!r}")
        return cols

    return split


def _wikiann_columns(path: Path) -> Callable[[str, int], list[str] | None]:
    """A line splitter for `token<TAB>TAG`; tokens may hold spaces, so only the tab separates."""

    def split(line: str, no: int) -> list[str] | None:
        line = line.rstrip("\r")
        if not line.strip():
            return None
        cols = line.split("\t")
        if len(cols) != 2:
            got = "no tab" if len(cols) == 1 else f"{len(cols)} tab-separated columns"
            raise DataFormatError(path, no, f"expected `token<TAB>TAG`, got {got}: {line!r}")
        if not cols[0]:
            raise DataFormatError(path, no, f"expected a token before the tab, got {line!r}")
        cols[1] = cols[1].strip()
        return cols

    return split


def _parse(
    path: Path, text: str, split: Callable[[str, int], list[str] | None],
    starts: list[int] | None = None,
) -> tuple[list[list[str]], list[list[str]]]:
    """Lines -> (tokens, IOB2 tags) per sentence; blank and -DOCSTART- lines end a sentence.
    `starts`, when given, receives each sentence's first line (1-based) for `file:line` errors."""
    all_tokens: list[list[str]] = []
    all_tags: list[list[str]] = []
    tokens: list[str] = []
    tags: list[str] = []
    valid = {"O"}  # tags already checked: the regex runs once per distinct tag, not per token
    repaired = 0
    lines = text.split("\n")  # not splitlines(): that would also break at \x85, \x1c, \u2028
    for no, line in enumerate(lines, 1):
        cols = split(line, no)
        if cols is None or cols[0] == DOCSTART:
            if tokens:
                fixed, n = repair_iob2(tags)
                repaired += n
                all_tokens.append(tokens)
                all_tags.append(fixed)
                tokens, tags = [], []
            continue
        tag = cols[-1]
        if starts is not None and not tokens:
            starts.append(no)
        if tag not in valid:
            if not _TAG.match(tag):
                raise DataFormatError(path, no, f"expected an IOB tag like B-PER, got {tag!r}")
            valid.add(tag)
        tokens.append(cols[0])
        tags.append(tag)
    if tokens:
        fixed, n = repair_iob2(tags)
        repaired += n
        all_tokens.append(tokens)
        all_tags.append(fixed)
    if not all_tokens:
        what = "the file is empty" if not text.strip() else "only blank and -DOCSTART- lines"
        nlines = len(lines) - (lines[-1] == "")
        raise DataFormatError(path, max(1, nlines), f"no sentences ({what})")
    if repaired:
        logger.info("%s: repaired %d I- tags that opened a span (IOB1 or stray I-) to B-",
                    path, repaired)
    return all_tokens, all_tags


def _corpus(
    tokens: pa.ListArray, tags: list[list[str]], langs: pa.Array, name: str, lang: str
) -> Corpus:
    table = pa.table(
        {
            "tokens": tokens,
            "tags": pa.array(tags, SCHEMA.field("tags").type),
            "langs": pa.ListArray.from_arrays(tokens.offsets, langs),
        },
        schema=SCHEMA,
    )
    return Corpus(table, name=name, lang=lang)


def default_name(path: Path) -> str:
    """`en/train` for `.../en/train.txt`: readable in logs and MLflow, unique per split."""
    return f"{path.parent.name}/{path.stem}" if path.parent.name else path.stem


def read_conll(
    path: str | Path, lang: str = "", encoding: str | None = None, name: str | None = None
) -> Corpus:
    """Read CoNLL-2002/2003 (`token TAG` or `token POS CHUNK TAG`, whitespace separated) as IOB2."""
    path = Path(path)
    tokens, tags = _parse(path, _read_text(path, encoding), _conll_columns(path))
    tok_arr = pa.array(tokens, SCHEMA.field("tokens").type)
    langs = pa.repeat(pa.scalar(lang, pa.string()), len(tok_arr.values))
    return _corpus(tok_arr, tags, langs, name if name is not None else default_name(path), lang)


def read_wikiann(
    path: str | Path, lang: str = "", name: str | None = None, encoding: str | None = None
) -> Corpus:
    """Read WikiAnn / PAN-X (`token<TAB>TAG`) as IOB2, stripping raw PAN-X `xx:` language prefixes.

    Prefixes are stripped only when EVERY token carries one: the XTREME files have none, yet hold
    tokens such as `bar:24` that a per-token rule would wrongly cut. Their codes become `langs`.
    """
    path = Path(path)
    tokens, tags = _parse(path, _read_text(path, encoding), _wikiann_columns(path))
    tok_arr = pa.array(tokens, SCHEMA.field("tokens").type)
    flat = tok_arr.values
    langs = pa.repeat(pa.scalar(lang, pa.string()), len(flat))
    if pc.all(pc.match_substring_regex(flat, _LANG_PREFIX + ".")).as_py():
        langs = pc.extract_regex(flat, r"^(?P<lang>[a-z]{2,3}):").field("lang")
        stripped = pc.replace_substring_regex(flat, _LANG_PREFIX, "", max_replacements=1)
        tok_arr = pa.ListArray.from_arrays(tok_arr.offsets, stripped)
        codes = sorted(pc.unique(langs).to_pylist())
        logger.info("%s: stripped language prefixes %s from every token", path, codes)
        if not lang and len(codes) == 1:
            lang = codes[0]
    return _corpus(tok_arr, tags, langs, name if name is not None else default_name(path), lang)


def sentence_lines(path: str | Path, format: str = "conll", encoding: str | None = None) -> list[int]:
    """The first line (1-based) of every sentence the reader yields, in order: where sentence i of a
    corpus read from `path` sits in the file, for errors found after reading."""
    path = Path(path)
    columns = _conll_columns(path) if format == "conll" else _wikiann_columns(path)
    starts: list[int] = []
    _parse(path, _read_text(path, encoding), columns, starts)
    return starts


def first_line_with_type(path: Path, types: Sequence[str], encoding: str | None = None) -> int:
    """1-based line of the first tag whose entity type is in `types` (0 if none): the `path:line`
    of a tag outside the experiment's label set, found after the fact from a cached corpus."""
    wanted = {f"{p}-{t}" for t in types for p in "BI"}
    for no, line in enumerate(_read_text(path, encoding).split("\n"), 1):
        cols = line.split()
        if cols and cols[-1] in wanted:
            return no
    return 0


def _unlabelled(path: Path, tokens: list[list[str]], lang: str, name: str | None, what: str) -> Corpus:
    if not tokens:
        raise DataFormatError(path, 1, f"no sentences ({what})")
    tok_arr = pa.array(tokens, SCHEMA.field("tokens").type)
    langs = pa.repeat(pa.scalar(lang, pa.string()), len(tok_arr.values))
    return _corpus(tok_arr, [["O"] * len(t) for t in tokens], langs,
                   name if name is not None else default_name(path), lang)


def read_tokens(
    path: str | Path, lang: str = "", encoding: str | None = None, name: str | None = None
) -> Corpus:
    """Unlabelled one-column CoNLL: a token per line, a blank line between sentences. Further columns
    (a labelled file) are ignored, so the same file serves labelled and unlabelled; every tag is `O`."""
    path = Path(path)
    sentences: list[list[str]] = []
    cur: list[str] = []
    for line in _read_text(path, encoding).split("\n"):
        cols = _WS.split(line.strip(" \t\r"))
        if not cols[0] or cols[0] == DOCSTART:
            if cur:
                sentences.append(cur)
                cur = []
            continue
        cur.append(cols[0])
    if cur:
        sentences.append(cur)
    return _unlabelled(path, sentences, lang, name, "only blank and -DOCSTART- lines")


def read_raw(
    path: str | Path, lang: str = "", encoding: str | None = None, name: str | None = None,
    words: str = "simple",
) -> Corpus:
    """Raw text, one sentence per line, split into words by the registered word tokenizer `words`:
    the same split `xner predict` gives raw text, so a model learns on the words it will later see."""
    path = Path(path)
    split = word_tokenizer(words, lang or "en")
    sentences = [[w.text for w in split(line)] for line in _read_text(path, encoding).split("\n")]
    return _unlabelled(path, [s for s in sentences if s], lang, name, "no line holds a word")


def read_corpus(
    path: str | Path,
    format: str = "conll",
    lang: str = "",
    encoding: str | None = None,
    name: str | None = None,
    words: str = "simple",
) -> Corpus:
    """Dispatch on `format`, the name an experiment config carries: `conll` or `wikiann` (labelled),
    `tokens` or `raw` (unlabelled target text; `words` splits raw lines)."""
    if format == "conll":
        return read_conll(path, lang=lang, encoding=encoding, name=name)
    if format == "wikiann":
        return read_wikiann(path, lang=lang, name=name, encoding=encoding)
    if format == "tokens":
        return read_tokens(path, lang=lang, encoding=encoding, name=name)
    if format == "raw":
        return read_raw(path, lang=lang, encoding=encoding, name=name, words=words)
    raise ConfigError(f"format: unknown data format {format!r}; expected one of "
                      f"{list(FORMATS + UNLABELLED_FORMATS)}")


def load_split(
    root: str | Path,
    lang: str,
    split: str,
    format: str = "conll",
    template: str = "{root}/{lang}/{split}.txt",
) -> Corpus:
    """Read `{root}/{lang}/{split}.txt` (or another layout via `template`) named `lang/split`."""
    path = Path(template.format(root=root, lang=lang, split=split))
    return read_corpus(path, format=format, lang=lang, name=f"{lang}/{split}")


def write_conll(
    corpus: Corpus,
    path: str | Path,
    columns: Sequence[str] = ("tokens", "tags"),
    extra: Mapping[str, Sequence[Sequence[str]]] | None = None,
    sep: str = " ",
) -> None:
    """Write one `token TAG [PRED ...]` line per token, a blank line after each sentence, atomically.

    `columns` names corpus columns or keys of `extra`; `extra` keys not named are appended in order,
    so `extra={"pred": tags}` gives the `token GOLD PRED` file conlleval reads.
    """
    extra = dict(extra or {})
    names = list(columns) + [k for k in extra if k not in columns]
    known = set(SCHEMA.names) | set(extra)
    if unknown := [c for c in names if c not in known]:
        raise ValueError(f"unknown columns {unknown}; available: {sorted(known)}")
    if sep not in (" ", "\t"):
        raise ValueError(f"sep must be ' ' (CoNLL) or '\\t' (WikiAnn), got {sep!r}")
    lengths = pc.list_value_length(corpus.table.column("tokens")).to_pylist()
    for key, values in extra.items():
        if len(values) != len(lengths):
            raise ValueError(f"extra column {key!r}: {len(values)} sentences for {len(lengths)}")
        for i, (row, n) in enumerate(zip(values, lengths, strict=True)):
            if len(row) != n:
                raise ValueError(f"extra column {key!r}: sentence {i} has {len(row)} values for "
                                 f"{n} tokens")
    forbidden = r"[ \t\r\n]" if sep == " " else r"[\t\r\n]"
    data: list[Sequence[Sequence[str]]] = []
    for c in names:
        if c in extra:
            flat = pa.array([v for row in extra[c] for v in row], pa.string())
            data.append(extra[c])
        else:
            flat = corpus.table.column(c).combine_chunks().flatten()
            data.append(corpus.table.column(c).to_pylist())
        bad = pc.or_(pc.match_substring_regex(flat, forbidden), pc.equal(pc.utf8_length(flat), 0))
        if pc.any(bad).as_py():
            value = flat.filter(bad)[0].as_py()
            raise ValueError(f"column {c!r}: value {value!r} is empty or holds whitespace; "
                             "it would not read back")
    out: list[str] = []
    for rows in zip(*data, strict=True):
        out.extend(sep.join(cells) for cells in zip(*rows, strict=True))
        out.append("")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
