"""The translation-strategy ablation (TransAdv App. B.2) runs offline: the demo's stand-in MT table
and the aligned backend that reads a word-by-word translated corpus (UniTrans) as an MT system."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.core import runner
from xner.core.config.loader import load_experiment
from xner.core.data.corpus import Corpus
from xner.core.demo.mt import mt_table
from xner.core.demo.write import write_demo_corpus
from xner.core.engine.graph import execute, topological
from xner.core.errors import DataFormatError
from xner.core.stages import STAGES
from xner.core.stages.services import Services
from xner.core.translate.backends import AlignedTranslator, build_translator

ROOT = Path(__file__).resolve().parents[2]
TWIN = ROOT / "experiments/ablations/demo/translation-strategies.yaml"


def test_demo_mt_translates_names_as_names() -> None:
    table = mt_table("es", source_sentences=300)
    multi = {k: v for k, v in table.items() if " " in k and k[:1].isupper() and k.split()[-1][:1].isupper()}
    assert any(v != " ".join(table.get(w, w) for w in k.split()) for k, v in multi.items())
    assert table["the"] in ("el", "la", "los", "las")


def test_every_strategy_row_builds_its_own_translation(tmp_path: Path) -> None:
    small = {"train": 60, "dev": 20, "test": 20}
    write_demo_corpus(tmp_path / "data", sizes={x: small for x in ("en", "es", "de")})
    sets = [f"data.root={tmp_path / 'data'}", f"store={tmp_path / 'store'}", "seeds=[1]"]
    exp = runner.build(TWIN, sets, list(load_experiment(TWIN, sets).variants))
    nodes = [n for n in topological([t.node for t in exp.targets]) if n.stage == "translate"]
    assert sorted(n.params["strategy"]["name"] for n in nodes) == [
        "lexicon-word", "mt-phrase", "mt-word", "mt-word-phrase"]
    execute(nodes, exp.store, STAGES, Services(cache_dir=tmp_path / "cache"))
    texts = {n.params["strategy"]["name"]: str(Corpus.from_parquet(
        exp.store.path("translate", n.key) / "D_T.parquet").table.column("tokens").to_pylist())
             for n in nodes}
    assert len(set(texts.values())) == 4  # four different translations of the same source


def _conll(path: Path, sentences: list[list[tuple[str, str]]]) -> Path:
    path.write_text("\n\n".join("\n".join(f"{w} {t}" for w, t in s) for s in sentences) + "\n")
    return path


def test_aligned_backend_reads_words_by_majority_and_phrases_as_aligned(tmp_path: Path) -> None:
    src = _conll(tmp_path / "en.txt", [[("the", "O"), ("New", "B-LOC"), ("York", "I-LOC"), ("bank", "O")],
                                       [("the", "O"), ("bank", "O")], [("the", "O"), ("dog", "O")]])
    tgt = _conll(tmp_path / "es.txt", [[("el", "O"), ("Nueva", "B-LOC"), ("York", "I-LOC"), ("banco", "O")],
                                       [("el", "O"), ("banco", "O")], [("la", "O"), ("perro", "O")]])
    tr = build_translator("aligned", table=str(tgt), source=str(src), on_missing="copy", model=None)
    assert isinstance(tr, AlignedTranslator)
    assert tr.translate(["the", "New York", "the bank", "cat"], "en", "es") == [
        "el", "Nueva York", "el banco", "cat"]
    assert tr.last_missing == ["cat"]
    bad = _conll(tmp_path / "bad.txt", [[("el", "O")], [("el", "O"), ("banco", "O")], [("x", "O")]])
    with pytest.raises(DataFormatError, match="sentence 1 has 1 tokens, the source 4"):
        AlignedTranslator(bad, src)
