"""MT backends: the `table` TSV, the persistent cache (nothing translated twice) and a tiny `hf` model."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

from xner.core.data.corpus import Corpus, Sentence, entity_spans
from xner.core.data.labels import is_valid_sequence
from xner.core.errors import ConfigError, DataFormatError
from xner.core.translate import (
    CachedTranslator,
    HFTranslator,
    MissingTranslationsError,
    TableTranslator,
    TranslationCache,
    Translator,
    make_strategy,
)


class Counting(Translator):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    @property
    def backend_id(self) -> str:
        return "counting"

    def translate(self, segments: list[str], src: str, tgt: str) -> list[str]:
        self.seen += segments
        return [f"{s}@{tgt}" for s in segments]


def toy() -> Corpus:
    return Corpus.from_sentences([
        Sentence(["John", "Smith", "visited", "New", "York", "."],
                 ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"]),
        Sentence(["New", "York", "visited", "John"], ["B-LOC", "I-LOC", "O", "B-PER"]),
    ], name="toy", lang="en")


def test_cache_never_translates_a_segment_twice(tmp_path: Path) -> None:
    inner = Counting()
    cached = CachedTranslator(inner, TranslationCache(tmp_path / "c.sqlite"))
    assert cached.translate(["a", "b", "a"], "en", "es") == ["a@es", "b@es", "a@es"]
    assert cached.translate(["b", "c"], "en", "es") == ["b@es", "c@es"]
    assert cached.translate(["c"], "en", "de") == ["c@de"]  # another pair is another key
    assert inner.seen == ["a", "b", "c", "c"]
    again = CachedTranslator(inner, TranslationCache(tmp_path / "c.sqlite"))  # persisted
    assert again.translate(["a", "b", "c"], "en", "es") == ["a@es", "b@es", "c@es"]
    assert inner.seen == ["a", "b", "c", "c"] and again.hits == 3 and again.misses == 0
    rows = sqlite3.connect(tmp_path / "c.sqlite").execute(
        "SELECT backend, src, tgt, segment, translation FROM translations ORDER BY tgt, segment")
    assert rows.fetchall()[0] == ("counting", "en", "de", "c", "c@de")


def test_mt_strategies_share_the_cache_across_runs(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    words = ["visited", ".", "New York", "New", "York", "John Smith", "John", "Smith",
             "visited .", "visited"]
    table.write_text("".join(f"{w}\tT({w})\n" for w in dict.fromkeys(words)), encoding="utf-8")
    opts = {"backend": "table", "backend_options": {"table": str(table)}, "keep_per": False}
    cache = tmp_path / "cache.sqlite"
    # mt-word needs 6 words; mt-phrase adds "John Smith" and "New York"; mt-word-phrase nothing
    for name, misses in (("mt-word", 6), ("mt-phrase", 2), ("mt-word-phrase", 0)):
        strat = make_strategy({"name": name, **opts}, "en", "es", cache_path=cache)
        out = strat.translate_corpus(toy())
        assert [t for t, _, _ in entity_spans(out.corpus[0].tags)] == ["PER", "LOC"]
        assert strat.translator.misses == misses
        rerun = make_strategy({"name": name, **opts}, "en", "es", cache_path=cache)
        assert rerun.translate_corpus(toy()).corpus.fingerprint == out.corpus.fingerprint
        assert rerun.translator.misses == 0
    phrase = make_strategy({"name": "mt-phrase", **opts}, "en", "es", cache_path=cache)
    assert phrase.translate_corpus(toy()).corpus[0].tokens == [
        "T(John", "Smith)", "T(visited)", "T(New", "York)", "T(.)"]


def test_table_fails_listing_missing_segments(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("known\tbekannt\n", encoding="utf-8")
    missing = [f"w{i}" for i in range(25)]
    with pytest.raises(MissingTranslationsError) as err:
        TableTranslator(table).translate(["known", *missing, "w0"], "en", "de")
    msg = str(err.value)
    assert msg.startswith(f"{table}: 25 segments have no translation")
    assert "'w19'" in msg and "'w20'" not in msg and "... and 5 more" in msg
    assert err.value.missing == missing


def test_table_copy_reports_missing_and_never_caches_them(tmp_path: Path) -> None:
    table = tmp_path / "t.tsv"
    table.write_text("New York\tNueva York\n", encoding="utf-8")
    opts = {"name": "mt-phrase", "backend": "table",
            "backend_options": {"table": str(table), "on_missing": "copy"}}
    strat = make_strategy(opts, "en", "es", cache_path=tmp_path / "c.sqlite")
    out = strat.translate_corpus(toy())
    assert out.corpus[1].tokens == ["Nueva", "York", "visited", "John"]
    # PER kept; "visited" and "." copied for lack of a translation
    assert out.corpus[0].tokens == ["John", "Smith", "visited", "Nueva", "York", "."]
    assert out.missing == [".", "visited"] and out.metadata["missing"] == 2
    again = make_strategy(opts, "en", "es", cache_path=tmp_path / "c.sqlite").translate_corpus(toy())
    assert again.missing == [".", "visited"]  # still reported: copies were not cached
    assert len(TranslationCache(tmp_path / "c.sqlite")) == 1


def test_table_format_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\nno tab here\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.tsv:2: expected 'source<TAB>translation'"):
        TableTranslator(bad)
    bad.write_text("a\tb\na\tc\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"bad\.tsv:2: 'a' is translated differently on line 1"):
        TableTranslator(bad)
    with pytest.raises(ConfigError, match="on_missing: expected 'fail' or 'copy'"):
        TableTranslator(bad, on_missing="skip")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="backend: mt-word needs an MT backend"):
        make_strategy({"name": "mt-word"}, "en", "es", cache_path=tmp_path / "c.sqlite")


VOCAB = ["john", "smith", "visited", "new", "york", ".", "nueva", "visitó", "juan"]


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 1-layer Marian model with a WordLevel tokenizer, built offline."""
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator([" ".join(VOCAB)], trainers.WordLevelTrainer(
        special_tokens=["<pad>", "</s>", "<unk>"]))
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>")
    cfg = MarianConfig(vocab_size=len(fast), d_model=16, encoder_layers=1, decoder_layers=1,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                       decoder_ffn_dim=32, max_position_embeddings=64, pad_token_id=0,
                       eos_token_id=1, decoder_start_token_id=0, forced_eos_token_id=1)
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("marian")
    MarianMTModel(cfg).save_pretrained(path)
    fast.save_pretrained(path)
    return path


def test_hf_backend_end_to_end(tiny_marian: Path, tmp_path: Path) -> None:
    hf = HFTranslator(str(tiny_marian), batch_size=2, max_new_tokens=4)
    out = hf.translate(["john smith", "new york", "visited", "."], "en", "es")
    assert len(out) == 4 and all(isinstance(t, str) for t in out)
    assert hf.device in ("cpu", "cuda") and str(tiny_marian.resolve()) in hf.backend_id
    opts = {"backend": "hf", "keep_per": False,
            "backend_options": {"model": str(tiny_marian), "max_new_tokens": 4}}
    for name in ("mt-word", "mt-phrase", "mt-word-phrase"):
        strat = make_strategy({"name": name, **opts}, "en", "es", cache_path=tmp_path / "c.sqlite")
        got = strat.translate_corpus(toy())
        for src, tgt in zip(toy(), got.corpus, strict=True):
            assert is_valid_sequence(tgt.tags)
            assert [t for t, _, _ in entity_spans(tgt.tags)] == [
                t for t, _, _ in entity_spans(src.tags)]
        assert got.metadata["backend_id"] == strat.translator.backend_id
        rerun = make_strategy({"name": name, **opts}, "en", "es", cache_path=tmp_path / "c.sqlite")
        assert rerun.translate_corpus(toy()).corpus.fingerprint == got.corpus.fingerprint
        assert rerun.translator.inner._model is None  # all cached: the model was never loaded


def test_build_translator_errors(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with pytest.raises(ConfigError, match="backend 'hf' needs `model`"):
        make_strategy({"name": "mt-word", "backend": "hf"}, "en", "es", cache_path=cache)
    with pytest.raises(ConfigError, match="unknown translation backend 'google'"):
        make_strategy({"name": "mt-word", "backend": "google"}, "en", "es", cache_path=cache)
