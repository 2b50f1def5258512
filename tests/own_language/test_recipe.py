"""The README's *Your own language* recipe, run as written on generated files: labelled English with
a DATE type the CoNLL set lacks, raw target text (a sentence per line), a dictionary, and no target
dev or test set at all. Only the encoder is swapped for the tiny one and the sizes for seconds."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from xner.core.cli.main import main
from xner.core.data.corpus import Corpus, Sentence
from xner.core.data.readers import read_conll, write_conll
from xner.core.demo.corpus import demo_corpus, write_demo_dictionary
from xner.core.engine.usage import finished_nodes

REPO = Path(__file__).resolve().parents[2]
RECIPE = REPO / "experiments" / "own-language.yaml"
DATES = {"Monday": "lunes", "Friday": "viernes", "March": "marzo", "June": "junio"}
FAST = ["encoder.name=tiny", "encoder.frozen_layers=0", "encoder.freeze_embeddings=false",
        "encoder.max_length=64", "encoder.tiny.hidden=64", "encoder.tiny.layers=1", "encoder.tiny.heads=2",
        "encoder.tiny.vocab_size=500", "seeds=[1]", "train.epochs=4", "train.teacher_epochs=1",
        "train.distill_epochs=4", "train.lr_ner=3e-3", "train.lr_distill=3e-3", "train.batch_size=16",
        "train.warmup=0"]


def _english(split: str, n: int, rng: random.Random) -> Corpus:
    """Demo English without MISC, with a DATE (`on Friday`) in about 40% of the sentences."""
    out = []
    for s in demo_corpus("en", split, 0, n):
        toks, tags = list(s.tokens), [("O" if t.endswith("MISC") else t) for t in s.tags]
        if rng.random() < 0.4:
            toks[-1:-1], tags[-1:-1] = ["on", rng.choice(list(DATES))], ["O", "B-DATE"]
        out.append(Sentence(toks, tags))
    return Corpus.from_sentences(out)


@pytest.fixture(scope="module")
def my_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("my-data")
    rng = random.Random(0)
    for split, n in (("train", 300), ("dev", 60)):
        write_conll(_english(split, n, rng), root / "en" / f"{split}.txt")
    (root / "sw").mkdir()
    lines = [" ".join(s.tokens) for s in demo_corpus("es", "train", 0, 300)]  # the "sw" raw text
    (root / "sw" / "raw.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = write_demo_dictionary("es", root / "muse" / "en-sw.txt")
    with open(d, "a", encoding="utf-8") as f:
        f.writelines(f"{en.lower()} {sw}\n" for en, sw in DATES.items())
    return root


def _sets(root: Path, store: Path) -> list[str]:
    return [a for kv in [f"data.root={root}", f"store={store}", *FAST] for a in ("--set", kv)]


def test_readme_shows_the_recipe_verbatim():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    assert RECIPE.read_text(encoding="utf-8") in blocks


def test_recipe_runs_on_raw_text_with_its_own_labels(my_data, tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["run", str(RECIPE), *_sets(my_data, store), "--no-track"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"transadv\s+sw\s+1\s+—\s+—", out), out  # no target dev/test: nothing to score

    nodes = {}
    for stage, folder in finished_nodes(store):
        nodes.setdefault(stage, []).append(json.loads((folder / "node.json").read_text()))
    assert {"translate", "source", "teacher", "pseudo_label", "distill", "evaluate"} <= set(nodes)
    data = nodes["distill"][0]["params"]["data"]
    assert data["labels"] == ["DATE", "LOC", "ORG", "PER"]
    assert data["unlabeled_format"] == "raw" and data["word_tokenizer"] == "simple"
    assert set(data["files"]) == {"src_train", "src_dev", "tgt_train"}  # nothing labelled in sw
    for stage in ("source", "teacher", "distill"):
        for m in nodes[stage]:
            assert m["params"]["train"]["selection_metric"] == "source_dev"
            assert "dev_f1" not in m["result"] and m["result"]["source_dev_f1"] >= 0
    source = nodes["source"][0]["result"]
    assert max(c["source_dev_f1"] for c in source["curve"]) > 20  # it learnt English, DATE included
    assert nodes["evaluate"][0]["result"] == {}
    assert nodes["pseudo_label"][0]["result"]["sentences"] == 300  # every raw line became a sentence

    # the trained model tags raw target text and scores labelled English with the 9-tag set
    text = tmp_path / "news.txt"
    text.write_text("Javier Moreno visitó Madrid el viernes.\n", encoding="utf-8")
    assert main(["predict", str(RECIPE), *_sets(my_data, store), "--input", str(text)]) == 0
    tagged = capsys.readouterr().out.split()
    assert [w.rsplit("/", 1)[0] for w in tagged] == ["Javier", "Moreno", "visitó", "Madrid", "el",
                                                     "viernes", "."]
    assert {w.rsplit("/", 1)[1] for w in tagged} <= {"O", *(f"{p}-{t}" for p in "BI"
                                                           for t in ("DATE", "LOC", "ORG", "PER"))}
    gold = tmp_path / "gold.txt"
    write_conll(read_conll(my_data / "en" / "dev.txt"), gold)
    assert main(["predict", str(RECIPE), *_sets(my_data, store), "--input", str(gold), "--evaluate"]) == 0
    report = capsys.readouterr().out
    assert re.search(r"^\s+DATE\s", report, re.M), report  # the custom type is scored


def test_a_target_tag_outside_the_label_set_names_file_and_line(my_data, tmp_path):
    bad = tmp_path / "my-data"
    import shutil

    shutil.copytree(my_data, bad)
    (bad / "sw" / "dev.txt").write_text("Nairobi B-LOC\nleo B-TIME\n", encoding="utf-8")
    from xner.core.errors import DataFormatError
    from xner.core.runner.experiment import build

    with pytest.raises(DataFormatError, match=r"dev\.txt:2: tag type 'TIME' is not in the label set "
                                              r"DATE, LOC, ORG, PER \(data\.labels\)"):
        build(RECIPE, [f"data.root={bad}", f"store={tmp_path / 's'}", *FAST])
