"""build_datasets (the five TransAdv sets, cached as parquet), the CLI function and the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xner.core.data.corpus import Corpus, Sentence
from xner.core.data.readers import read_conll
from xner.core.errors import ConfigError
from xner.core.plugins import TRANSLATORS
from xner.core.translate import (
    DATASET_KEYS,
    DictionaryError,
    StrategyConfig,
    build_datasets,
    translate_command,
)
from xner.core.translate.strategies import Strategy

MUSE = "the el\nbank banco\nof de\ncentral central\nsaid dijo\nmadrid madrid\nin en\nspain españa\n"


def source() -> Corpus:
    return Corpus.from_sentences([
        Sentence(["The", "Bank", "of", "Spain", "said", "in", "Madrid"],
                 ["O", "B-ORG", "I-ORG", "I-ORG", "O", "O", "B-LOC"]),
        Sentence(["Spain"], ["B-LOC"]),
    ], name="toy", lang="en")


@pytest.fixture
def muse(tmp_path: Path) -> Path:
    path = tmp_path / "muse" / "en-es.txt"
    path.parent.mkdir()
    path.write_text(MUSE, encoding="utf-8")
    return path


def test_five_sets_with_languages_and_order_labels(muse: Path, tmp_path: Path) -> None:
    data = build_datasets(source(), "es", muse.parent, {"name": "lexicon-word"}, 0, tmp_path / "c")
    assert list(data) == list(DATASET_KEYS) and not data.cache_hit
    assert data["D_T"][0].tokens == ["El", "Banco", "de", "España", "dijo", "en", "Madrid"]
    s_swi, t_swi = data["D_S_swi"][0], data["D_T_swi"][0]
    assert s_swi.tokens == ["The", "Banco", "de", "España", "said", "in", "Madrid"]
    assert s_swi.langs == ["en", "es", "es", "es", "en", "en", "es"]
    assert t_swi.tokens == ["El", "Bank", "of", "Spain", "dijo", "en", "Madrid"]
    assert t_swi.langs == ["es", "en", "en", "en", "es", "es", "en"]
    assert s_swi.tags == t_swi.tags == source()[0].tags
    assert data.order == {"D_S_shu": [1, 0], "D_T_shu": [1, 0]}  # "Spain" alone cannot move
    assert data["D_T_shu"][0].langs == ["es"] * 7 and data["D_S_shu"][1].tokens == ["Spain"]
    assert data.metadata["unshuffleable"] == {"D_S_shu": 1, "D_T_shu": 1}
    assert data.metadata["casing"] == "source" and data.metadata["seed"] == 0


def test_second_call_reads_the_cache(muse: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_datasets(source(), "es", muse, {"name": "lexicon-word"}, 3, tmp_path / "c")
    monkeypatch.setattr(Strategy, "translate_corpus", lambda *a, **k: pytest.fail("re-translated"))
    again = build_datasets(source(), "es", {"es": muse}, {"name": "lexicon-word"}, 3, tmp_path / "c")
    assert again.cache_hit and again.path == first.path
    assert {k: c.fingerprint for k, c in again.items()} == {k: c.fingerprint for k, c in first.items()}
    assert again.order == first.order and again.metadata == first.metadata
    assert again["D_T"].lang == "es" and again["D_S_shu"].lang == "en"


@pytest.mark.parametrize("change", ["seed", "config", "dictionary", "source"])
def test_cache_key_follows_every_input(change: str, muse: Path, tmp_path: Path) -> None:
    args = {"source": source(), "lang": "es", "dictionary": muse,
            "strategy_cfg": {"name": "lexicon-word"}, "seed": 0, "cache_dir": tmp_path / "c"}
    base = build_datasets(**args)
    if change == "seed":
        args["seed"] = 1
    elif change == "config":
        args["strategy_cfg"] = {"name": "lexicon-word", "keep_per": False}
    elif change == "dictionary":
        other = tmp_path / "other.txt"
        other.write_text(MUSE + "said decía\n", encoding="utf-8")
        args["dictionary"] = other
    else:
        args["source"] = source().select([0])
    changed = build_datasets(**args)
    assert not changed.cache_hit and changed.path != base.path


def test_build_datasets_bad_input(muse: Path, tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match=r"no dictionary configured for language pair en-de "
                                              r"\(configured: es\)"):
        build_datasets(source(), "de", {"es": muse}, {"name": "lexicon-word"}, 0, tmp_path)
    nolang = Corpus.from_sentences(list(source()), name="toy")
    with pytest.raises(ConfigError, match="source corpus toy has no language set"):
        build_datasets(nolang, "es", muse, {"name": "lexicon-word"}, 0, tmp_path)


def test_translate_command_writes_conll_and_metadata(muse: Path, tmp_path: Path) -> None:
    src = tmp_path / "en.txt"
    src.write_text("-DOCSTART- O\n\nThe O\nBank B-ORG\nof I-ORG\nSpain I-ORG\nsaid O\n\n"
                   "Madrid B-LOC\n", encoding="utf-8")
    out = tmp_path / "out" / "en2es.txt"
    report = translate_command(src, out, "es", muse.parent, "lexicon-word", casing="none",
                               seed=2, keep_per=None)
    back = read_conll(out, lang="es")
    assert [s.tokens for s in back] == [["el", "banco", "de", "españa", "dijo"], ["madrid"]]
    assert [s.tags for s in back] == [["O", "B-ORG", "I-ORG", "I-ORG", "O"], ["B-LOC"]]
    meta = json.loads(out.with_name("en2es.txt.meta.json").read_text())
    assert meta["casing"] == "none" and meta["seed"] == 2 and meta["input"] == str(src)
    assert (report.sentences, report.tokens_in, report.entities_out) == (2, 6, 2)
    assert report.coverage == 1.0 and "coverage 100.0%" in str(report)
    with pytest.raises(ConfigError, match="translate: unknown option 'colour'"):
        translate_command(src, out, "es", muse, "lexicon-word", colour="red")


def test_registry_builds_every_strategy(muse: Path, tmp_path: Path) -> None:
    import xner.registry.translators  # noqa: F401  (registers the family)

    assert {"lexicon-word", "mt-word", "mt-phrase", "mt-word-phrase"} <= set(TRANSLATORS.names())
    lex = TRANSLATORS.build("lexicon-word", "en", "es", dictionary=muse, casing="none")
    assert lex.translate_corpus(source()).corpus[1].tokens == ["españa"]
    table = tmp_path / "t.tsv"
    table.write_text("Spain\tEspaña\n", encoding="utf-8")
    mt = TRANSLATORS.build("mt-phrase", "en", "es", backend="table",
                           backend_options={"table": str(table), "on_missing": "copy"},
                           cache_path=tmp_path / "c.sqlite")
    assert mt.name == "mt-phrase" and mt.translate_corpus(source()).corpus[1].tokens == ["España"]
    assert "MUSE" in TRANSLATORS.describe()["lexicon-word"]


def test_runtime_options_do_not_change_the_cache_key() -> None:
    def cfg(**opts: object) -> StrategyConfig:
        return StrategyConfig(name="mt-word", backend="hf", backend_options={"model": "m", **opts})

    assert cfg(batch_size=8, device="cuda").key() == cfg(batch_size=64).key()
    assert cfg(num_beams=4).key() != cfg().key()
