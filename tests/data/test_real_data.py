"""The shared CoNLL / WikiAnn files read with exactly the published counts (skipped without shared/)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xner.core.data.cache import cached_corpus, tokenized_key, tokenizer_id
from xner.core.data.corpus import entity_spans
from xner.core.data.labels import is_valid_sequence
from xner.core.data.readers import load_split, read_conll
from xner.core.data.stats import format_stats

SHARED = Path(os.environ.get("XNER_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
DATA = SHARED / "data"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not (DATA / "conll").is_dir() or not (DATA / "wikiann").is_dir(),
                       reason=f"shared data absent: no {DATA}/conll and {DATA}/wikiann "
                              "(set XNER_SHARED to the shared/ folder)"),
]

# (format, lang, split): (sentences, tokens, entities or None, per type or None)
EXPECTED = {
    ("conll", "en", "train"): (14042, 203621, 23499,
                               {"LOC": 7140, "MISC": 3438, "ORG": 6321, "PER": 6600}),
    ("conll", "es", "train"): (8405, 264715, 18809, None),
    ("conll", "de", "test"): (3009, 51943, 3674, None),
    ("wikiann", "zh", "train"): (20000, 420054, None, None),
}


@pytest.mark.parametrize(("fmt", "lang", "split"), list(EXPECTED))
def test_published_counts(fmt: str, lang: str, split: str) -> None:
    start = time.perf_counter()
    corpus = load_split(DATA / fmt, lang, split, format=fmt)
    elapsed = time.perf_counter() - start
    sentences, tokens, entities, per_type = EXPECTED[fmt, lang, split]
    stats = corpus.stats()
    assert (stats.sentences, stats.tokens) == (sentences, tokens)
    if entities is not None:
        assert stats.entities == entities
    if per_type is not None:
        assert stats.per_type == per_type
    assert corpus.lang == lang and corpus.name == f"{lang}/{split}"
    tags = corpus.table.column("tags").to_pylist()
    assert all(is_valid_sequence(t) for t in tags)  # repaired: zh's stray I- spans start with B-
    assert elapsed < 5.0, f"parsing {tokens} tokens took {elapsed:.2f}s (about 0.4 s expected)"


def test_format_stats_en_train() -> None:
    lines = format_stats(load_split(DATA / "conll", "en", "train")).split("\n")
    assert [line.split() for line in lines] == [
        ["sentences", "14042"], ["tokens", "203621"], ["entities", "23499"],
        ["LOC", "7140"], ["MISC", "3438"], ["ORG", "6321"], ["PER", "6600"]]


def _to_iob1(tags: list[str]) -> list[str]:
    """IOB2 -> IOB1: `I-X` everywhere except a `B-X` that directly follows another X entity."""
    out, prev = [], "O"
    for tag in tags:
        if tag.startswith("B-") and prev[2:] != tag[2:]:
            tag = "I-" + tag[2:]
        out.append(tag)
        prev = tag
    return out


def test_iob1_twin_reads_back_with_identical_spans(tmp_path: Path) -> None:
    gold = read_conll(DATA / "conll" / "en" / "train.txt")
    rows = gold.table.to_pydict()
    lines: list[str] = []
    changed = 0
    for toks, tags in zip(rows["tokens"], rows["tags"], strict=True):
        iob1 = _to_iob1(tags)
        changed += sum(a != b for a, b in zip(tags, iob1, strict=True))
        lines += [f"{t} {g}" for t, g in zip(toks, iob1, strict=True)] + [""]
    assert changed > 20000  # the twin really is IOB1: most B- became I-
    (tmp_path / "iob1.txt").write_text("\n".join(lines), encoding="utf-8")
    twin = read_conll(tmp_path / "iob1.txt")
    assert twin.table.column("tokens").equals(gold.table.column("tokens"))
    spans_gold = [entity_spans(t) for t in rows["tags"]]
    assert [entity_spans(t) for t in twin.table.column("tags").to_pylist()] == spans_gold


def test_cache_round_trips_real_file(tmp_path: Path) -> None:
    path = DATA / "wikiann" / "zh" / "dev.txt"
    first = cached_corpus(path, "wikiann", "zh", tmp_path)
    start = time.perf_counter()
    second = cached_corpus(path, "wikiann", "zh", tmp_path)
    assert time.perf_counter() - start < 2.0
    assert second.fingerprint == first.fingerprint and len(second) == 10000


def test_tokenizer_id_of_the_shared_encoder() -> None:
    model = SHARED / "models" / "me5-small-trimmed"
    if not model.is_dir():
        pytest.skip(f"no shared encoder at {model}")
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    tid = tokenizer_id(tok)
    name, size, digest = tid.split("|")
    assert (name, int(size), len(digest)) == (str(model), len(tok), 16) and len(tok) > 70000
    tok.add_tokens(["<xner-new-piece>"])  # same name, one more piece: another id and key
    assert tokenizer_id(tok) != tid
    assert tokenized_key("fp", tokenizer_id(tok), 128) != tokenized_key("fp", tid, 128)
