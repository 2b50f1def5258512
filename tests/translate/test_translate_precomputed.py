"""`translation.strategy: precomputed`: a translation made elsewhere, read sentence by sentence,
checked against the source and keyed by its content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xner.core import runner
from xner.core.data.corpus import Corpus
from xner.core.data.readers import read_conll
from xner.core.demo.write import write_demo_corpus
from xner.core.engine.graph import execute, topological
from xner.core.errors import ConfigError, DataFormatError
from xner.core.stages import STAGES
from xner.core.stages.services import Services, subsample, subsample_indices
from xner.core.translate import code_switch, make_strategy
from xner.core.translate.precomputed import load_precomputed
from xner.core.translate.segments import Piece

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "experiments/demo/transadv.yaml"


def conll(path: Path, sentences: list[str]) -> Path:
    """Sentences written as 'word/TAG word/TAG ...' (a bare word is O), with a -DOCSTART- line."""
    blocks = ["-DOCSTART- O"]
    for s in sentences:
        blocks.append("\n".join(" ".join(w.split("/")) if "/" in w else f"{w} O" for w in s.split()))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


def test_slots_pair_entities_in_order_and_keep_context_the_source_lacks(tmp_path: Path) -> None:
    src = read_conll(conll(tmp_path / "en.txt", ["EU/B-ORG rejects German/B-MISC call"]), lang="en")
    path = conll(tmp_path / "de.txt", ["die EU/B-ORG lehnt deutschen/B-MISC Aufruf ab"])
    pre = load_precomputed(path, "conll", "de", 1, [0])
    tr = make_strategy({"name": "precomputed"}, "en", "de", precomputed=pre).translate_corpus(src)
    assert tr.pieces[0] == [Piece(None, (), ("die",)), Piece("ORG", ("EU",), ("EU",)),
                            Piece(None, ("rejects",), ("lehnt",)),
                            Piece("MISC", ("German",), ("deutschen",)),
                            Piece(None, ("call",), ("Aufruf", "ab"))]
    assert tr.corpus[0].tokens == ["die", "EU", "lehnt", "deutschen", "Aufruf", "ab"]
    assert tr.corpus[0].tags == ["O", "B-ORG", "O", "B-MISC", "O", "O"]
    d_s_swi, d_t_swi = code_switch(tr, "en", "de")
    assert d_s_swi[0].tokens == ["EU", "rejects", "deutschen", "call"]  # source context, target entities
    assert d_t_swi[0].tokens == ["die", "EU", "lehnt", "German", "Aufruf", "ab"]
    assert d_t_swi[0].langs == ["de", "en", "de", "en", "de", "de"]
    # tokens counts source words; rejects->lehnt, German->deutschen, call->Aufruf ab changed; EU did not
    assert (tr.tokens, tr.found) == (4, 3)


def test_kept_names_stay_in_the_source_language(tmp_path: Path) -> None:
    src = read_conll(conll(tmp_path / "en.txt", ["John/B-PER Smith/I-PER left"]), lang="en")
    pre = load_precomputed(conll(tmp_path / "x.txt", ["Juan/B-PER ging"]), "conll", "es", 1, [0])
    kept = make_strategy({"name": "precomputed"}, "en", "es", precomputed=pre).translate_corpus(src)
    assert kept.corpus[0].tokens == ["John", "Smith", "ging"]
    moved = make_strategy({"name": "precomputed", "keep_per": False}, "en", "es",
                          precomputed=pre).translate_corpus(src)
    assert moved.corpus[0].tokens == ["Juan", "ging"]
    assert moved.corpus[0].tags == ["B-PER", "O"]


def test_a_sentence_whose_entities_differ_is_named_by_file_and_line(tmp_path: Path) -> None:
    src = read_conll(conll(tmp_path / "en.txt", ["a b", "Paris/B-LOC is big"]), lang="en")
    path = conll(tmp_path / "fr.txt", ["x y", "Paris/B-ORG est grand"])
    pre = load_precomputed(path, "conll", "fr", 2, [0, 1])
    with pytest.raises(DataFormatError, match=r"fr\.txt:6: expected the source sentence's entities "
                                              r"\['LOC'\], got \['ORG'\]"):
        make_strategy({"name": "precomputed"}, "en", "fr", precomputed=pre).translate_corpus(src)


def test_a_file_with_another_sentence_count_is_refused(tmp_path: Path) -> None:
    path = conll(tmp_path / "fr.txt", ["x y", "z"])
    with pytest.raises(DataFormatError, match=r"fr\.txt:6: 2 sentences, but the source train file has 3"):
        load_precomputed(path, "conll", "fr", 3, [0, 1, 2])
    with pytest.raises(FileNotFoundError, match=r"translation\.file: no precomputed translation"):
        load_precomputed(tmp_path / "none.txt", "conll", "fr", 3, [0])


def test_rows_are_the_source_subsample_rows(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(40)]
    src = read_conll(conll(tmp_path / "en.txt", words), lang="en")
    path = conll(tmp_path / "de.txt", [w.upper() for w in words])
    rows = subsample_indices(len(src), 10)
    pre = load_precomputed(path, "conll", "de", len(src), rows)
    kept = subsample(src, 10)
    assert [s.tokens[0].upper() for s in kept] == [s.tokens[0] for s in pre.corpus]
    assert list(pre.lines) == [2 + 2 * r + 1 for r in rows]  # line 1 -DOCSTART-, a blank between


def _translate_node(tmp_path: Path, translated: Path):
    sets = [f"data.root={tmp_path / 'data'}", f"store={tmp_path / 'store'}", "seeds=[1]",
            "data.target_langs=[es]", "translation.strategy=precomputed", f"translation.file={translated}"]
    exp = runner.build(DEMO, sets, [])
    return exp, next(n for n in topological([t.node for t in exp.targets]) if n.stage == "translate")


def test_the_translate_node_reads_the_file_at_the_subsample_rows_keyed_by_content(tmp_path: Path) -> None:
    small = {"train": 80, "dev": 20, "test": 20}
    write_demo_corpus(tmp_path / "data", sizes={x: small for x in ("en", "es")})
    english = read_conll(next((tmp_path / "data").rglob("en/train.txt")), lang="en")
    translated = tmp_path / "en2es.txt"
    translated.write_text("\n\n".join("\n".join(f"{w}_es {t}" for w, t in zip(s.tokens, s.tags, strict=True))
                                      for s in english) + "\n", encoding="utf-8")
    exp, node = _translate_node(tmp_path, translated)
    execute([node], exp.store, STAGES, Services(cache_dir=tmp_path / "cache"))
    d_t = Corpus.from_parquet(exp.store.path("translate", node.key) / "D_T.parquet")
    limit = node.params["data"]["max_train"]
    rows = subsample_indices(len(english), limit)
    assert len(d_t) == len(rows)
    for got, row in zip(d_t, rows, strict=True):
        src = english[row]
        assert got.tags == src.tags
        assert got.tokens == [w if t.endswith("PER") else f"{w}_es" for w, t in zip(src.tokens, src.tags,
                                                                                       strict=True)]
    copy = tmp_path / "elsewhere" / "same.txt"
    copy.parent.mkdir()
    shutil.copy(translated, copy)
    assert _translate_node(tmp_path, copy)[1].key == node.key  # content, not location
    translated.write_text(translated.read_text().replace("_es ", "_ES ", 1), encoding="utf-8")
    assert _translate_node(tmp_path, translated)[1].key != node.key  # an edit retrains what reads it
    with pytest.raises(ConfigError, match=r"translation\.file: strategy 'precomputed' needs the en train "
                                          r"file translated into es, sentence by sentence \(missing"):
        _translate_node(tmp_path, tmp_path / "absent.txt")
