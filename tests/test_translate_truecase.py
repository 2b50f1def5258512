"""`translation.casing: target`: context words take the casing the unlabelled target text gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.core.data.corpus import Corpus, Sentence
from xner.core.errors import ConfigError
from xner.core.translate import make_strategy
from xner.core.translate.datasets import build_datasets
from xner.core.translate.truecase import TargetCasing

GERMAN = [
    "Die Kommission sagte am Donnerstag , dass die Verbraucher kein Lamm essen sollen .",
    "Der Verbraucher kauft Lamm in Berlin .",
    "Am Donnerstag sagte die kommission nichts .",  # one lowercase 'kommission' outvoted by two
    "Kommission und Kommission .",
    "Die Wissenschaftler sagte EU .",
]


def casing() -> TargetCasing:
    return TargetCasing.learn([s.split() for s in GERMAN])


def test_forms_are_the_majority_away_from_the_first_word() -> None:
    forms = casing().forms
    assert forms["kommission"] == "Kommission"  # 2 mid-sentence 'Kommission' (a first word never counts) vs 1
    assert forms["verbraucher"] == "Verbraucher"
    assert forms["sagte"] == "sagte"
    assert "die" in forms and forms["die"] == "die"  # 'Die' only starts sentences: never counted
    assert "," not in forms and "." not in forms  # no letters, no form
    tie = TargetCasing.learn([["x", "Haus", "haus"]])
    assert tie.forms["haus"] == "haus"  # ties go to lowercase


@pytest.mark.parametrize(("source", "target", "entity", "first", "expected"), [
    ("consumers", "verbraucher", False, False, "Verbraucher"),  # a German noun, lowercase in MUSE
    ("said", "Sagte", False, False, "sagte"),
    ("The", "die", False, True, "Die"),  # sentence start capitalised
    ("the", "die", False, True, "die"),  # a lowercase source word at position 1 is not a start
    ("unseen", "wort", False, False, "wort"),  # not in the target text: lowercase
    ("BRUSSELS", "brüssel", False, False, "BRÜSSEL"),  # headline caps follow the source
    ("European", "europäische", True, False, "Europäische"),  # entity words follow the source
    ("european", "Europäische", True, False, "europäische"),
])
def test_case_in_place(source: str, target: str, entity: bool, first: bool, expected: str) -> None:
    assert casing().case(source, target, entity=entity, first=first) == expected


@pytest.fixture
def muse(tmp_path: Path) -> Path:
    path = tmp_path / "en-de.txt"
    path.write_text("the die\nconsumers verbraucher\nsaid sagte\ncommission kommission\n"
                    "european europäische\n", encoding="utf-8")
    return path


def english() -> Corpus:
    return Corpus.from_sentences([Sentence(["The", "European", "Commission", "said", "consumers"],
                                           ["O", "B-ORG", "I-ORG", "O", "O"])], lang="en")


def test_lexicon_word_with_target_casing_capitalises_german_nouns_only(muse: Path) -> None:
    src = make_strategy({"name": "lexicon-word"}, "en", "de", dictionary=muse,
                        target_casing=casing()).translate_corpus(english())
    assert src.corpus[0].tokens == ["Die", "Europäische", "Kommission", "sagte", "verbraucher"]
    tgt = make_strategy({"name": "lexicon-word", "casing": "target"}, "en", "de", dictionary=muse,
                        target_casing=casing()).translate_corpus(english())
    assert tgt.corpus[0].tokens == ["Die", "Europäische", "Kommission", "sagte", "Verbraucher"]
    assert tgt.corpus[0].tags == english()[0].tags
    assert tgt.metadata["target_casing_sha256"] == casing().sha256
    with pytest.raises(ConfigError, match="casing: 'target' needs the unlabelled target text"):
        make_strategy({"name": "lexicon-word", "casing": "target"}, "en", "de",
                      dictionary=muse).translate_corpus(english())


def test_the_target_text_is_part_of_the_dataset_cache_key(muse: Path, tmp_path: Path) -> None:
    cfg = {"name": "lexicon-word", "casing": "target"}
    a = build_datasets(english(), "de", muse, cfg, 0, tmp_path / "c", target_casing=casing())
    again = build_datasets(english(), "de", muse, cfg, 0, tmp_path / "c", target_casing=casing())
    other = build_datasets(english(), "de", muse, cfg, 0, tmp_path / "c",
                           target_casing=TargetCasing.learn([["x", "Verbraucher"], ["x", "verbraucher"],
                                                             ["x", "verbraucher"]]))
    assert again.cache_hit and again.path == a.path
    assert other.path != a.path
    assert other["D_T"][0].tokens[-1] == "verbraucher"


def test_the_translate_node_reads_the_target_text_only_for_target_casing(tmp_path: Path) -> None:
    from xner.core import runner
    from xner.core.data.demo import write_demo_corpus
    from xner.core.pipeline import topological

    small = {"train": 40, "dev": 10, "test": 10}
    write_demo_corpus(tmp_path / "data", sizes={x: small for x in ("en", "es")})
    demo = Path(__file__).resolve().parents[1] / "experiments/demo/transadv.yaml"

    def node(*extra: str):
        sets = [f"data.root={tmp_path / 'data'}", f"store={tmp_path / 'store'}", "seeds=[1]",
                "data.target_langs=[es]", *extra]
        return next(n for n in topological([t.node for t in runner.build(demo, sets, []).targets])
                    if n.stage == "translate")

    plain, target = node(), node("translation.casing=target")
    assert "tgt_train" not in plain.data and "tgt_train" in target.data
    assert plain.key != target.key
