"""Logged params tell the truth: a setting the graph never reads is not logged as if it mattered
(issue 10: `selection.ratio=0.5` under strategy `all` was logged and ignored; issue 14: a tiny
encoder's runs logged `encoder.path=bert-base-multilingual-cased`)."""

from __future__ import annotations

from pathlib import Path

from demo_experiment import tiny_experiment

from xner.core import runner
from xner.core.config.loader import flatten
from xner.core.engine.graph import topological
from xner.core.stages.checks import read_params, unread_settings


def _logged(path: Path, sets: list[str]) -> dict:
    exp = runner.build(path, ["seeds=[1,2]", "data.target_langs=[es]", *sets])
    cfg = exp.configs["base"]
    nodes = topological([t.node for t in exp.targets if t.seed == 1])
    return read_params(flatten(cfg), unread_settings(cfg, nodes))


def test_transadv_logs_what_it_reads(tmp_path: Path) -> None:
    got = _logged(tiny_experiment(tmp_path), [])
    assert {"teachers.entity.weight", "translation.dictionary", "train.lr_distill", "train.lr_generator",
            "discriminators.order.hidden", "encoder.tiny.hidden", "selection.strategy"} <= set(got)
    assert not {k for k in got if k.startswith(("encoder.path", "translation.mt", "search.", "variants"))}
    assert "label" not in got and "variant" not in got  # names, not settings: the run tags carry the row
    assert "pseudo_label.ensemble_size" not in got and "pseudo_label.confidence" not in got
    assert got["precision"] == "fp32"  # the resolved precision, not "auto"


def test_mbert_ft_logs_no_translation_teachers_or_adversary(tmp_path: Path) -> None:
    got = _logged(tiny_experiment(tmp_path), [
        "method=mbert-ft", "discriminators={language: null, order: null, entity-language: null, "
        "context-language: null}", "teachers={entity: null, context: null, order: null, source: {weight: 1}}",
        "translation.strategy=none"])
    for prefix in ("translation", "teachers", "selection", "pseudo_label", "discriminators",
                   "train.lr_generator", "train.lr_distill", "train.teacher_epochs"):
        assert not [k for k in got if k == prefix or k.startswith(prefix + ".")], prefix
    assert {"train.lr_ner", "train.epochs", "encoder.frozen_layers", "seeds"} <= set(got)


def test_advpicker_logs_its_ensemble_and_confidence(tmp_path: Path) -> None:
    got = _logged(tiny_experiment(tmp_path), [
        "method=advpicker", "pseudo_label={ensemble_size: 2, combine: best-of-seeds}",
        "selection={strategy: adversarial, ratio: 0.8}",
        "discriminators={order: null, entity-language: null, context-language: null}",
        "teachers={entity: null, context: null, order: null, source: {weight: 1}}",
        "translation.strategy=none"])
    assert got["pseudo_label.ensemble_size"] == 2 and got["selection.ratio"] == 0.8
    assert "pseudo_label.confidence" in got and "translation.strategy" not in got
    assert not [k for k in got if k.startswith("teachers")]
