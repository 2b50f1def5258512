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
    from xner.core.demo.write import write_demo_corpus
    from xner.core.engine.graph import topological

    small = {"train": 40, "dev": 10, "test": 10}
    write_demo_corpus(tmp_path / "data", sizes={x: small for x in ("en", "es")})
    demo = Path(__file__).resolve().parents[2] / "experiments/demo/transadv.yaml"

    def node(*extra: str):
        sets = [f"data.root={tmp_path / 'data'}", f"store={tmp_path / 'store'}", "seeds=[1]",
                "data.target_langs=[es]", *extra]
        return next(n for n in topological([t.node for t in runner.build(demo, sets, []).targets])
                    if n.stage == "translate")

    plain, target = node("translation.casing=source"), node("translation.casing=target")
    assert "tgt_train" not in plain.data and "tgt_train" in target.data
    assert plain.key != target.key


def test_data_stats_casing_counts_capitals_and_lowercase_entities() -> None:
    from xner.core.data.stats import format_casing

    corpus = Corpus.from_sentences([
        Sentence(["Der", "Verein", "sah", "deutschen", "Wein", "in", "Berlin"],
                 ["O", "O", "O", "B-MISC", "O", "O", "B-LOC"]),
        Sentence(["Die", "Britische", "Botschaft", "schwieg"], ["O", "B-MISC", "I-MISC", "O"]),
    ], lang="de")
    lines = format_casing(corpus).splitlines()
    # O words after the first: Verein sah Wein in | schwieg -> Verein and Wein capitalised, 2 of 5
    assert lines[0].startswith("O words capitalised") and lines[0].endswith("40.0%  (2 of 5)")
    assert [line.split()[0] for line in lines[1:]] == ["LOC", "MISC"]
    assert lines[1].endswith("0.0%  (0 of 1)") and lines[2].endswith("50.0%  (1 of 2)")


def test_translate_command_target_casing_needs_and_uses_target_text(tmp_path: Path, muse: Path) -> None:
    from xner.core.translate.command import translate_command

    src = tmp_path / "en.txt"
    src.write_text("The O\nEuropean B-ORG\nCommission I-ORG\nsaid O\nconsumers O\n", encoding="utf-8")
    text = tmp_path / "de.txt"
    text.write_text("\n\n".join("\n".join(f"{w} O" for w in s.split()) for s in GERMAN) + "\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="casing 'target' needs --target-text"):
        translate_command(src, tmp_path / "out.txt", "de", muse, "lexicon-word", casing="target")
    translate_command(src, tmp_path / "out.txt", "de", muse, "lexicon-word", casing="target",
                      target_text=str(text))
    words = [line.split()[0] for line in (tmp_path / "out.txt").read_text().splitlines() if line]
    assert words == ["Die", "Europäische", "Kommission", "sagte", "Verbraucher"]
