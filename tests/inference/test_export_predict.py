"""A trained student out of the store: the HF export equals xner's model, and `xner predict` on the
target test file reproduces the evaluate node's F1 and its prediction file byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from inference_sets import SETS

from xner.core.cli import main
from xner.core.commands.export import find_model
from xner.core.inference.export import ExportError
from xner.core.inference.predictor import Predictor


@pytest.fixture(scope="module")
def trained(trained_tracked: tuple[Path, str]) -> Path:
    return trained_tracked[0]


def _max_logit_delta(a: Predictor, b: Predictor, encoded) -> float:
    """max |Δ| of the two models' logits at every real sub-token of every window."""
    from xner.core.data.batching import make_loader

    worst = 0.0
    with torch.no_grad():
        for batch in make_loader(encoded, 8, shuffle=False):
            ids, mask = batch["input_ids"], batch["attention_mask"]
            la, lb = a.model(ids, mask)[1], b.model(ids, mask)[1]
            worst = max(worst, float((la - lb).abs()[mask.bool()].max()))
    return worst


def _sets() -> list[str]:
    return [s for i, s in enumerate(SETS) if i % 2]


def test_export_is_xners_model_and_predict_reproduces_the_evaluate_node(trained: Path, tmp_path: Path
                                                                       ) -> None:
    found = find_model(str(trained), _sets(), None, "es", "best")
    out = tmp_path / "es-ner"
    assert main(["export", str(trained), *SETS, "--lang", "es", "--seed", "best", "--out", str(out)]) == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["id2label"]["0"] == "O" and cfg["xner"]["provenance"]["node_key"] == found.model[1]
    assert cfg["xner"]["decoding"]["tags"] == list(found.decoding.tags)
    assert "is_local" not in json.loads((out / "tokenizer_config.json").read_text())
    card = (out / "README.md").read_text()
    assert "model-index" in card and f"value: {found.scores['test_f1']:.2f}," in card  # percent, as xner

    ours, theirs = found.predictor("cpu"), Predictor.from_pretrained(out, "cpu")
    data = trained.parent / "data" / "es" / "test.txt"
    from xner.core.data.readers import read_corpus

    corpus = read_corpus(data, "conll", lang="es")
    assert _max_logit_delta(ours, theirs, ours.encode(corpus)) == 0.0

    pred = tmp_path / "pred.conll"
    assert main(["predict", str(out), "--input", str(data), "--evaluate", "--output", str(pred)]) == 0
    node_dir = found.store.path(*found.evaluate)
    assert pred.read_bytes() == (node_dir / "test_predictions.conll").read_bytes()
    meta = json.loads((tmp_path / "pred.conll.meta.json").read_text())
    assert meta["scores"]["f1"] == found.scores["test_f1"]


def test_predict_tags_raw_text_with_character_offsets(trained: Path, tmp_path: Path) -> None:
    text = tmp_path / "in.txt"
    lines = ["Maria vive en Madrid , dijo el lunes .", "", "  Juan-Pedro (PSOE) ganó 1.000 votos."]
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(trained), *SETS, "--lang", "es", "--seed", "1", "--input", str(text),
                 "--output", str(out)]) == 0
    recs = [json.loads(ln) for ln in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in recs] == [lines[0], lines[2]]
    assert recs[1]["tokens"] == ["Juan-Pedro", "(", "PSOE", ")", "ganó", "1.000", "votos", "."]
    for r in recs:
        assert len(r["tags"]) == len(r["tokens"])
        for e in r["entities"]:
            assert r["text"][e["start"]:e["end"]] == e["text"]
    meta = json.loads((tmp_path / "out.jsonl.meta.json").read_text())
    assert meta["word_tokenizer"] == "simple" and meta["input_format"] == "text"


def test_export_refuses_what_it_cannot_write_exactly(trained: Path, tmp_path: Path) -> None:
    out = tmp_path / "x"
    out.mkdir()
    with pytest.raises(ExportError, match="already exists; pass --force"):
        from xner.core.commands.export import export

        export(find_model(str(trained), _sets(), None, "es", 1), out)
    assert list(tmp_path.iterdir()) == [out]  # nothing half-written beside it
    assert main(["export", str(trained), *SETS, "--seed", "7", "--out", str(tmp_path / "y")]) == 2


def test_a_sentence_longer_than_the_window_keeps_every_word(trained: Path, tmp_path: Path) -> None:
    """A 300-word sentence, longer than one window of the model's max_length: cut into overlapping
    windows as in training, every word tagged exactly once, and the CLI tags it the same."""
    found = find_model(str(trained), _sets(), None, "es", 1)
    predictor = found.predictor("cpu")
    words = (["Maria", "vive", "en", "Madrid", "con", "Juan", "Pérez", "."] * 38)[:300]
    enc = predictor.encode([words])
    assert len(enc) > 1  # more than one window row for the one sentence
    tags = predictor.tag([words])[0]
    assert len(tags) == 300 and all(t in predictor.label_set.tags for t in tags)
    out = tmp_path / "long.jsonl"
    (tmp_path / "long.txt").write_text(" ".join(words) + "\n", encoding="utf-8")
    assert main(["predict", str(trained), *SETS, "--lang", "es", "--seed", "1", "--input",
                 str(tmp_path / "long.txt"), "--output", str(out)]) == 0
    assert json.loads(out.read_text())["tags"] == tags
