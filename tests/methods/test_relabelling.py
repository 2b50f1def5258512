"""TSL, data transfer, UniTrans and CoLaDa (issue 25): built from the shared nodes, run on the demo
corpus with the tiny encoder, and tabulated beside a `published:` block."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core import runner
from xner.core.cli import main
from xner.core.config.loader import load_experiment
from xner.core.engine.graph import topological
from xner.core.errors import ConfigError
from xner.core.reporting.compare import compare

pytestmark = pytest.mark.slow
PLAIN = "discriminators: null\nteachers: {entity: null, context: null, order: null}\n"
BODIES = {
    "tsl": f"method: tsl\n{PLAIN}",
    "data-transfer": f"method: data-transfer\n{PLAIN}",
    "unitrans": "method: unitrans\ndiscriminators: null\nteachers: {entity: null, context: null, "
                "order: null, source: {weight: 0}, translation: {weight: 1}}\n",
    "colada": f"method: colada\n{PLAIN}colada: {{rounds: 2, knn: {{k: 5, layers: 1}}}}\n",
}


def _rows(tmp: Path) -> Path:
    """A table whose rows are other experiment files (`variants: {Row: {extends: file}}`)."""
    tiny_experiment(tmp)  # the data and exp.yaml (the demo TransAdv)
    for name, body in BODIES.items():
        (tmp / f"{name}.yaml").write_text(f"extends: exp.yaml\n{body}variants: null\n")
    table = tmp / "table.yaml"
    table.write_text(
        f"extends: exp.yaml\nname: table\nmethod: mbert-ft\nlabel: mBERT-ft\n{PLAIN}"
        "variants:\n  hybrid: null\n" + "".join(f"  {n}: {{extends: {n}.yaml}}\n" for n in BODIES)
        + "published:\n  mBERT-ft: {source: 'Table 2(a)', f1: {es: 74.96}}\n"
        "  unitrans: {source: 'UniTrans README', f1: {es: 79.31}}\n")
    return table


def _keys(path: Path, *sets: str) -> set[str]:
    exp = runner.build(path, [*TINY, *sets], [], include_base=True)
    return {n.key for n in topological([t.node for t in exp.targets])}


def test_every_method_runs_and_the_table_sets_published_beside_it(tmp_path: Path) -> None:
    table = _rows(tmp_path)
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    sets = [x for s in TINY for x in ("--set", s)]
    assert main(["ablate", str(table), *sets, "--tracking-uri", uri]) == 0
    got = compare(uri, "table")
    assert got.variants == ["mBERT-ft", *BODIES]
    md = got.to_markdown()
    assert "| pub. 74.96 (" in md and "| pub. 79.31 (" in md and "pub.: unitrans: UniTrans README" in md
    csv = pd.read_csv(pd.io.common.StringIO(got.to_csv()))
    row = csv[(csv["variant"] == "unitrans") & (csv["lang"] == "es")].iloc[0]
    assert row["published"] == 79.31 and row["gap_to_published"] == pytest.approx(row["mean"] - 79.31)
    assert "[79.31]" in got.to_latex()
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    ids = [e.experiment_id for e in client.search_experiments()]
    (colada,) = client.search_runs(ids, "tags.`xner.level` = 'seed' and tags.variant = 'colada'")
    logged = colada.data.metrics
    # each round's models and labels under their own names, with how right the labels were
    assert {"M_trans_1/dev_f1", "M_tgt_2/dev_f1", "relabel_D_T_u_2/label_f1",
            "relabel_D_T_1/knn_weight_auc"} <= set(logged)
    from xner.core.commands.analyze import analyze

    relabel = analyze(table, TINY, probe=False).tables["relabel"]
    assert len(relabel) == 5  # UniTrans's vote and CoLaDa's 2 rounds x (D_T, D_T^u)
    assert relabel["label_f1"].between(0, 100).all() and relabel["voted_fraction"].notna().sum() == 1
    store = tmp_path / "store"
    # UniTrans's student learnt the vote: a hard label only where all three models agreed
    votes = [pq.read_table(p / "soft.parquet") for p in (store / "pseudo_label").iterdir()
             if "hard" in pq.read_schema(p / "soft.parquet").names]
    assert len(votes) == 1
    hard = [h for s in votes[0].column("hard").to_pylist() for h in s]
    assert -1 in hard and any(h >= 0 for h in hard)


def test_colada_rounds_share_every_node_of_fewer_rounds(tmp_path: Path) -> None:
    tiny_experiment(tmp_path)
    path = tmp_path / "colada.yaml"
    path.write_text(f"extends: exp.yaml\n{BODIES['colada']}variants: null\n")
    one, two = (_keys(path, f"colada.rounds={r}") for r in (1, 2))
    assert len(one - two) == 1  # only round 1's evaluate node is new; its models are round 2's inputs
    assert len(two - one) == 7  # round 2: 2 relabels, 2 selects, M_trans, M_tgt, evaluate


def test_unitrans_reuses_the_data_transfer_model_and_tsl_the_source(tmp_path: Path) -> None:
    tiny_experiment(tmp_path)
    keys = {}
    for name, body in BODIES.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"extends: exp.yaml\n{body}variants: null\n")
        exp = runner.build(path, TINY, [], include_base=True)
        keys[name] = {n.label: n.key for n in topological([t.node for t in exp.targets])}
    assert keys["unitrans"]["source[D_T]"] == keys["data-transfer"]["source[D_T]"]
    assert keys["unitrans"]["source[ft]"] == keys["tsl"]["source[ft]"] == keys["colada"]["source[ft]"]


def test_bad_settings_say_which_key(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    with pytest.raises(ConfigError, match=r"colada\.rounds"):
        load_experiment(exp, ["colada.rounds=0"])
    with pytest.raises(ConfigError, match=r"published.X.f1.*outside \[0, 100\]"):
        load_experiment(exp, ["published={X: {source: s, f1: {es: 180}}}"])
    with pytest.raises(ConfigError, match=r"published.X.f1.*fractions; give F1 in percent"):
        load_experiment(exp, ["published={X: {source: s, f1: {es: 0.8093, de: null}}}"])
    with pytest.raises(ConfigError, match=r"published\.X\.source"):
        load_experiment(exp, ["published={X: {source: '', f1: {es: 80}}}"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: exp.yaml\nvariants: {R: {extends: [a.yaml]}, S: {extends: nowhere.yaml}}\n")
    with pytest.raises(ConfigError, match=r"variants\.R\.extends: .* should be a file name"):
        load_experiment(bad, [], "R")
    with pytest.raises(ConfigError, match=r"extends: cannot read .*nowhere\.yaml"):
        load_experiment(bad, [], "S")


def test_a_language_without_a_precomputed_file_falls_back_and_shares_that_node(tmp_path: Path) -> None:
    exp = tiny_experiment(tmp_path)
    (tmp_path / "data" / "en2es.txt").write_text(
        "".join(f"{line}\n" for line in (tmp_path / "data" / "en" / "train.txt").read_text().splitlines()))
    pre = ["translation.strategy=precomputed", "translation.file='{root}/en2{lang}.txt'"]
    cfg = load_experiment(exp, [*TINY, *pre, "translation.fallback=lexicon-word",
                                "data.target_langs=[es,de]"])
    from xner.core.stages.builders import translate_node

    assert translate_node(cfg, "es").params["strategy"]["name"] == "precomputed"
    plain = load_experiment(exp, [*TINY, "data.target_langs=[es,de]"])
    assert translate_node(cfg, "de").key == translate_node(plain, "de").key
    with pytest.raises(ConfigError, match=r"translation\.file"):
        translate_node(load_experiment(exp, [*TINY, *pre, "data.target_langs=[de]"]), "de")
