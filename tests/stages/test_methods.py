"""Methods as graphs: what each variant shares, what it trains, and the config errors caught before
any training. The real-run tests train tiny models on a small demo corpus (seconds each)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from xner.core import runner
from xner.core.demo.write import write_demo_corpus
from xner.core.engine.graph import topological
from xner.core.errors import ConfigError, UnknownComponentError
from xner.core.stages.services import Services
from xner.core.stages.training import pooled_targets

DEMO = Path(__file__).resolve().parents[2] / "experiments" / "demo" / "transadv.yaml"
SMALL = {"train": 120, "dev": 40, "test": 40}
TINY = ["seeds=[1]", "data.target_langs=[es]", "train.epochs=1", "train.teacher_epochs=1",
        "train.distill_epochs=1", "encoder.tiny.hidden=32", "encoder.tiny.vocab_size=400"]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    write_demo_corpus(root / "data", sizes={lang: SMALL for lang in ("en", "es", "de")})
    return root


def _experiment(tmp: Path, demo_root: Path, body: str = "") -> Path:
    path = tmp / "exp.yaml"
    path.write_text(f"extends: {DEMO}\ndata: {{root: {demo_root / 'data'}}}\nstore: {tmp / 'store'}\n{body}")
    return path


def _keys(exp: runner.Experiment, variant: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for n in topological([t.node for t in exp.targets if t.variant == variant]):
        out.setdefault(n.name, set()).add(n.key)
    return out


# -- sharing, from the graphs alone ---------------------------------------------------------------

def test_without_entity_teacher_reuses_the_other_teachers(tmp_path: Path, demo_root: Path) -> None:
    path = _experiment(tmp_path, demo_root, "variants:\n  no-entity: {teachers.entity.weight: 0}\n")
    exp = runner.build(path, variants=["no-entity"])
    base, var = _keys(exp, "base"), _keys(exp, "no-entity")
    assert "teacher[entity]" in base and "teacher[entity]" not in var  # weight 0: never built
    for shared in ("encoder", "translate[es]", "source[language+order]", "teacher[context]",
                   "teacher[order]"):
        assert var[shared] == base[shared], shared
    new = {name for name, keys in var.items() if not keys <= base.get(name, set())}
    assert {n.split("[")[0] for n in new} == {"pseudo_label", "select", "distill", "evaluate"}


def test_mladv_evaluates_transadvs_own_source_model(tmp_path: Path, demo_root: Path) -> None:
    row = ("{method: mladv, teachers: {source: {weight: 1}}, "
           "discriminators.entity-language: null, discriminators.context-language: null}")
    path = _experiment(tmp_path, demo_root, f"variants:\n  Θsrc: {row}\n")
    exp = runner.build(path, variants=["Θsrc"])
    base, var = _keys(exp, "base"), _keys(exp, "Θsrc")
    assert var["source[language+order]"] == base["source[language+order]"]  # the same Θsrc node
    assert {name.split("[")[0] for name in var} == {"encoder", "translate", "source", "evaluate"}
    assert not var["evaluate"] & base["evaluate"]  # its own evaluate: Θsrc, not the student


def test_distill_lr_change_keeps_every_teacher(tmp_path: Path, demo_root: Path) -> None:
    path = _experiment(tmp_path, demo_root, "variants:\n  lr: {train.lr_distill: 3.0e-4}\n")
    exp = runner.build(path, variants=["lr"])
    base, var = _keys(exp, "base"), _keys(exp, "lr")
    changed = {name for name in var if var[name] != base[name]}
    assert changed == {"distill", "evaluate"}


def test_pooled_targets_put_every_target_language_in_source_node(tmp_path: Path, demo_root: Path) -> None:
    path = _experiment(tmp_path, demo_root, "method: tladv\n"
                       "discriminators: {order: null, entity-language: null, context-language: null,"
                       " language: {data: 'D_S,D_T_u_pool'}}\nteachers: {entity: null, context: null,"
                       " order: null}\n")
    exp = runner.build(path, ["data.target_langs=[es, de]"])
    sources = [n for n in topological([t.node for t in exp.targets]) if n.stage == "source"]
    assert all(set(n.params["pool"]) == {"es", "de"} for n in sources)
    assert all({"pool:es", "pool:de"} <= set(n.data) for n in sources)
    svc = Services(cache_dir=tmp_path / "cache", device=torch.device("cpu"))
    pooled = pooled_targets(svc, sources[0].params["data"], sources[0].params["pool"])
    assert len(pooled) == len(svc.split(sources[0].params["data"], "src_train")) == SMALL["train"]
    assert {lang for row in pooled.table.column("langs").to_pylist() for lang in row} == {"es", "de"}


# -- bad configs fail at build time, before a node runs ------------------------------------------

@pytest.mark.parametrize(("body", "error", "needle"), [
    ("method: transadvv\n", UnknownComponentError, "unknown methods 'transadvv'"),
    ("discriminators: {langauge: {}}\n", UnknownComponentError, "did you mean 'language'"),
    ("teachers: {entitty: {weight: 1}}\n", UnknownComponentError, "known teachers are"),
    ("selection: {strategy: adversarail}\n", UnknownComponentError, "known selectors are"),
    ("selection: {strategy: adversarial, ratio: 0}\n", ConfigError, "selection.ratio: 0 is not in (0, 1]"),
    ("method: tladv\ndiscriminators: {order: null, entity-language: null, context-language: null}\n",
     ConfigError, "teachers.entity.weight: 1, but method 'tladv' builds no 'entity' teacher"),
    ("method: tladv\nteachers: {entity: null, context: null, order: null}\n", ConfigError,
     "context-language, entity-language configured, but method 'tladv' never trains them"),
    ("method: advpicker\nseeds: [1, 2]\nteachers: {entity: null, context: null, order: null}\n"
     "discriminators: {order: null, entity-language: null, context-language: null}\n"
     "pseudo_label: {combine: best-of-seeds, ensemble_size: 3}\n", ConfigError,
     "pseudo_label.ensemble_size: 3 models need 3 seeds, seeds has [1, 2]"),
    ("method: advpicker\nseeds: [1, 2]\nteachers: {entity: null, context: null, order: null}\n"
     "discriminators: {order: null, entity-language: null, context-language: null}\n",
     ConfigError, "pseudo_label.ensemble_size: 5 models need 5 seeds"),
])
def test_bad_config_fails_before_training(tmp_path: Path, demo_root: Path, body: str,
                                          error: type[Exception], needle: str) -> None:
    path = _experiment(tmp_path, demo_root, body)
    with pytest.raises(error) as info:
        runner.build(path)
    assert needle in str(info.value)
    store = tmp_path / "store"  # nothing built: at most the parsed-corpus cache preflight filled
    assert not store.exists() or not [p for p in store.iterdir() if p.name != ".cache"]


# -- real runs: cache hits, zero-weight teachers, determinism, the hybrid ---------------------------

def test_runs_share_nodes_and_repeat_exactly(tmp_path: Path, demo_root: Path) -> None:
    path = _experiment(tmp_path, demo_root, "variants:\n"
                       "  no-entity: {teachers.entity.weight: 0}\n"
                       "  lr: {train.lr_distill: 3.0e-4}\n"
                       "  hybrid: {selection.strategy: adversarial, selection.ratio: 0.5}\n")
    base = runner.build(path, TINY)
    summary, results = runner.run(base)
    assert {n.stage for n in summary.ran} >= {"source", "teacher", "distill", "evaluate"}
    (row,) = results[("base", "es")]
    assert 0.0 <= row["test_f1"] <= 100.0 and not math.isnan(row["dev_f1"])

    expected = {"no-entity": {"pseudo_label", "select", "distill", "evaluate"},
                "lr": {"distill", "evaluate"}, "hybrid": {"select", "distill", "evaluate"}}
    for variant, stages in expected.items():
        exp = runner.build(path, TINY, variants=[variant], include_base=False)
        summary, results = runner.run(exp)
        assert sorted(n.stage for n in summary.ran) == sorted(stages), variant
        assert all(n.params.get("teacher") != "entity" for n in summary.ran)
    select = next(n for n in topological([t.node for t in exp.targets]) if n.stage == "select")
    selected = base.store.manifest("select", select.key)["result"]
    assert selected["selected"] == selected["total"] // 2  # ρ = 0.5, rounded down

    again = runner.build(path, [*TINY, f"store={tmp_path / 'fresh'}"])
    _, repeat = runner.run(again)
    assert repeat[("base", "es")][0]["test_f1"] == row["test_f1"]  # same seed, same F1 on the CPU
    assert repeat[("base", "es")][0]["dev_f1"] == row["dev_f1"]


def test_only_seeds_keeps_the_ensemble_it_needs(tmp_path: Path, demo_root: Path) -> None:
    path = _experiment(tmp_path, demo_root, "method: advpicker\nseeds: [1, 2, 3]\n"
                       "teachers: {entity: null, context: null, order: null}\n"
                       "discriminators: {order: null, entity-language: null, context-language: null}\n"
                       "translation: {strategy: none}\npseudo_label: {ensemble_size: 3}\n")
    exp = runner.build(path, ["data.target_langs=[es]"], only_seeds=[1])
    assert [t.seed for t in exp.targets] == [1]
    sources = {n.seed for n in topological([t.node for t in exp.targets]) if n.stage == "source"}
    assert sources == {1, 2, 3}  # one student, but its soft labels need all three TLADV models
    with pytest.raises(ConfigError, match="none of these is in the experiment's seeds"):
        runner.build(path, ["data.target_langs=[es]"], only_seeds=[9])
