"""`xner analyze`: the probe separates what is separable and not what is not, predictions files read
back exactly, and on a tiny AdvPicker run every table is consistent with the store it reads."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from xner.core.cli import main
from xner.core.commands import run as ablate
from xner.core.commands.analyze import analyze
from xner.core.data.corpus import Corpus, Sentence
from xner.core.data.readers import write_conll
from xner.core.demo.write import write_demo_corpus
from xner.core.reporting import diagnostics
from xner.core.train.pseudo import selection_size

DEMO = Path(__file__).resolve().parents[2] / "experiments" / "demo" / "transadv.yaml"


def test_probe_accuracy_tracks_separability() -> None:
    g = torch.Generator().manual_seed(0)

    def cloud(shift: float, n: int = 400) -> torch.Tensor:
        return torch.randn(n, 8, generator=g) + shift

    separable = diagnostics.probe_accuracy((cloud(3.0), cloud(-3.0)), (cloud(3.0), cloud(-3.0)), hidden=16)
    same = diagnostics.probe_accuracy((cloud(0.0), cloud(0.0)), (cloud(0.0), cloud(0.0)), hidden=16)
    assert separable > 99.0
    assert 40.0 < same < 60.0


def test_predictions_file_reads_back(tmp_path: Path) -> None:
    corpus = Corpus.from_sentences([Sentence(["a", "b"], ["B-PER", "O"]), Sentence(["c"], ["O"])])
    write_conll(corpus, tmp_path / "p.conll", extra={"pred": [["O", "O"], ["B-LOC"]]})
    gold, pred = diagnostics.read_predictions(tmp_path / "p.conll")
    assert gold == [["B-PER", "O"], ["O"]] and pred == [["O", "O"], ["B-LOC"]]


@pytest.fixture(scope="module")
def advpicker_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("analyze")
    sizes = {"train": 80, "dev": 30, "test": 30}
    write_demo_corpus(root / "data", sizes={lang: sizes for lang in ("en", "es", "de")})
    exp = root / "exp.yaml"
    exp.write_text(
        f"extends: {DEMO}\ndata: {{root: {root / 'data'}, target_langs: [es]}}\nstore: {root / 'store'}\n"
        "method: advpicker\nseeds: [1, 2]\nteachers: {entity: null, context: null, order: null}\n"
        "discriminators: {order: null, entity-language: null, context-language: null}\n"
        "translation: {strategy: none}\npseudo_label: {combine: best-of-seeds, ensemble_size: 2}\n"
        "selection: {strategy: adversarial, ratio: 0.8}\n"
        "train: {epochs: 1, distill_epochs: 1}\nencoder: {tiny: {hidden: 32, vocab_size: 400}}\n"
        "variants:\n  hybrid: null\n  mBERT-ft: {method: mbert-ft, discriminators: null, selection: null}\n")
    ablate.execute(exp, ablate=True, track=False)
    return exp


def test_analyze_tables_agree_with_the_store(advpicker_run: Path) -> None:
    result = analyze(advpicker_run, probe_sentences=40)
    assert set(result.tables) == {"probe", "pseudo", "split", "errors", "dev_labels"}
    on_dev = result.tables["dev_labels"]
    assert list(on_dev["labels"][:3]) == ["1", "2", "best-of-seeds (mean-max-logit)"]
    students = on_dev[on_dev["labels"].str.startswith("student")]
    assert len(students) == 2  # both seeds' students learnt from the one ensemble's labels
    from xner.core import runner
    from xner.core.config.loader import load_experiment
    exp = runner.build(advpicker_run, [], list(load_experiment(advpicker_run).variants), include_base=True)
    dev = {t.seed: exp.store.manifest("evaluate", t.node.key)["result"]["dev_f1"]
           for t in exp.targets if t.variant in (None, "base") and t.node.stage == "evaluate"}
    assert sorted(students["f1_all"]) == pytest.approx(sorted(dev.values()))
    masses = [c for c in on_dev if c.startswith("mass_")]
    assert masses and not on_dev[on_dev["labels"] == "1"][masses].isna().any().any()
    errors = result.tables["errors"]
    assert set(errors["method"]) == {"advpicker", "mBERT-ft"} and (errors["seeds"] == 2).all()
    # every predicted span falls in exactly one kind; a gold span is found, mistyped, mis-cut or missed
    assert (errors["predicted"] - errors[["correct", "spurious", "wrong_type", "wrong_span"]].sum(axis=1)
            ).abs().max() < 1e-9
    assert (errors["missed"] <= errors["gold"] - errors["correct"]).all()

    probe = result.tables["probe"].set_index("model")  # each Θsrc named with the rows it serves
    assert set(probe.index) == {"pretrained encoder", "TLADV · advpicker · es",
                                "fine-tuned (mBERT-ft) · mBERT-ft · es"}
    assert probe.loc["TLADV · advpicker · es", "seeds"] == 2 and probe.loc["pretrained encoder", "seeds"] == 1
    assert all(0.0 <= a <= 100.0 for a in probe["accuracy"])

    pseudo = result.tables["pseudo"]
    members = pseudo[pseudo["labels"].isin(["1", "2"])]
    assert len(members) == 2  # each TLADV model alone
    stored = pseudo[pseudo["labels"].str.startswith("stored")].iloc[0]
    same_rule = pseudo[pseudo["labels"] == "best-of-seeds (mean-max-logit)"].iloc[0]
    # the stored soft labels are exactly what the stage's own rule recomputes here
    assert stored["f1_all"] == pytest.approx(same_rule["f1_all"])
    assert stored["f1_selected"] == pytest.approx(same_rule["f1_selected"])
    kept = selection_size(80, 0.8)
    assert stored["n_selected"] == kept and stored["n_other"] == 80 - kept
    # per-type F1 of each model's labels and of the stored ones, beside the overall F1
    types = [c for c in pseudo.columns if c.startswith("f1_") and c[3:].isupper()]
    assert types and not members[types].isna().any().any() and not pd.isna(stored[types]).any()

    split = result.tables["split"].set_index("method")
    assert set(split.index) == {"advpicker", "mBERT-ft"} and (split["seeds"] == 2).all()
    for _, row in split.iterrows():
        assert all(not math.isnan(row[c]) for c in ("test_selected", "test_other", "test_all"))
    kept = selection_size(30, 0.8)
    assert f"{kept} selected, {30 - kept} other" in result.titles["split"]

    metrics = result.metrics()
    assert metrics["probe/TLADV _ advpicker _ es/accuracy"] == pytest.approx(  # MLflow-safe name
        probe.loc["TLADV · advpicker · es", "accuracy"])
    assert np.isfinite(list(metrics.values())).all()


def test_cli_analyze_prints_and_logs(advpicker_run: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert main(["analyze", str(advpicker_run), "--no-probe", "--tracking-uri", uri,
                 "--output", str(tmp_path / "d.md")]) == 0
    out = capsys.readouterr().out
    assert "AdvPicker Table 7" in out and "AdvPicker Table 3" not in out
    assert (tmp_path / "d.md").read_text() == out
    client = MlflowClient(uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert len(runs) == 1 and runs[0].info.run_name.startswith("analyze:")
    assert any(k.startswith("split/advpicker/test_selected") for k in runs[0].data.metrics)
    assert {a.path for a in client.list_artifacts(runs[0].info.run_id)} >= {"diagnostics.md", "diagnostics"}


def test_label_scores_are_per_type_f1_of_the_decoded_labels(tmp_path: Path) -> None:
    from xner.core.reporting.diagnostics import label_scores
    from xner.core.stages.services import Services, label_set_for

    ls = label_set_for({"format": "conll"})
    gold = [["B-PER", "I-PER", "O"], ["B-MISC", "O"], ["B-LOC"]]
    said = [["B-PER", "I-PER", "O"], ["O", "O"], ["B-LOC"]]  # the MISC entity missed
    probs = [np.stack([np.eye(len(ls))[ls.index(t)] * 0.9 + 0.1 / len(ls) for t in s]) for s in said]
    got = label_scores(gold, probs, {"format": "conll"}, Services(cache_dir=tmp_path))
    assert got["f1_PER"] == pytest.approx(100) and got["f1_LOC"] == pytest.approx(100)
    assert got["f1_MISC"] == pytest.approx(0)
    assert got["f1_all"] == pytest.approx(100 * 2 * (2 / 2) * (2 / 3) / (1 + 2 / 3))  # P 1, R 2/3


def test_gold_mass_is_the_mean_probability_of_each_gold_type() -> None:
    from xner.core.reporting.dev_labels import gold_mass
    from xner.core.stages.services import label_set_for

    ls = label_set_for({"format": "conll"})
    gold = [["B-MISC", "I-MISC", "O"], ["B-PER"]]
    probs = [np.zeros((3, len(ls))), np.zeros((1, len(ls)))]
    probs[0][0, ls.index("B-MISC")], probs[0][0, ls.index("O")] = 0.3, 0.7
    probs[0][1, ls.index("I-MISC")], probs[0][1, ls.index("B-MISC")] = 0.2, 0.3  # B- and I- both count
    probs[0][2, ls.index("O")] = 1.0
    probs[1][0, ls.index("B-PER")] = 0.9
    got = gold_mass(gold, probs, {"format": "conll"})
    assert got == pytest.approx({"mass_MISC": (0.3 + 0.5) / 2, "mass_PER": 0.9})
