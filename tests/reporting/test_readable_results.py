"""Results that cannot be misread: which run a table comes from, where artifacts and the store go,
what a single seed or a missing metric shows, and names typed the way people type them."""

from __future__ import annotations

import logging
import math
import os

import numpy as np
import pandas as pd
import pytest
from demo_experiment import TINY, tiny_experiment

from xner.core.cli.main import main
from xner.core.commands import run as ablate
from xner.core.config.loader import load_experiment, match_variant
from xner.core.engine.store import Store
from xner.core.errors import ConfigError, StoreError
from xner.core.reporting.compare import RunNotFoundError, compare
from xner.core.reporting.figures import delta_label, y_range
from xner.core.reporting.html import config_diff
from xner.core.reporting.tables import ablation_table
from xner.core.runner.experiment import format_results


@pytest.fixture(scope="module")
def ablated(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An ablation, then a `run` of the base alone on the same file, tracked from another folder."""
    tmp = tmp_path_factory.mktemp("readable")
    exp = tiny_experiment(tmp, "label: TransAdv\n", "  w/o Θentity: {teachers.entity.weight: 0}\n",
                          train=60, evaluation=20)
    uri = f"sqlite:///{tmp / 'db' / 'm.db'}"
    (tmp / "db").mkdir()
    cwd = tmp / "elsewhere"
    cwd.mkdir()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        first = ablate.execute(exp, TINY, ablate=True, device="cpu", tracking_uri=uri, command="ablate")
        second = ablate.execute(exp, TINY, device="cpu", tracking_uri=uri, command="run")
    finally:
        os.chdir(old)
    return {"tmp": tmp, "exp": exp, "uri": uri, "ablate": first, "run": second, "cwd": cwd}


def test_compare_takes_the_newest_ablate_not_the_newer_run_and_says_so(ablated, caplog):
    caplog.set_level(logging.INFO)
    table = compare(ablated["uri"], "demo-transadv")
    assert table.variants == ["TransAdv", "w/o Θentity"]  # the run's one-row table is not taken
    said = caplog.text
    assert f"using the ablate run {ablated['ablate'].parent_run} of " in said
    assert "1 other run(s) match" in said and f"run run {ablated['run'].parent_run}" in said
    only_run = compare(ablated["uri"], ablated["run"].parent_run)  # --run-id / a run id: that run
    assert only_run.variants == ["TransAdv"]


def test_artifacts_sit_beside_the_database_not_in_the_working_folder(ablated):
    assert not (ablated["cwd"] / "mlruns").exists()
    beside = ablated["tmp"] / "db" / "m-artifacts" / "demo-transadv"
    assert any(beside.rglob("test_predictions.conll"))


def test_unknown_metric_lists_the_known_ones(ablated):
    with pytest.raises(RunNotFoundError, match=r"--metric 'test_f2': .*did you mean 'test_f1'\?.* dev_f1"):
        compare(ablated["uri"], "demo-transadv", metric="test_f2")


def test_markdown_names_its_metric_and_one_seed_says_n1(ablated):
    md = compare(ablated["uri"], "demo-transadv").to_markdown()
    assert md.startswith("**test_f1: mean ± sample std over seeds, (Δ) to TransAdv**")
    assert "(n=1)" in md and "± 0.00" not in md
    text = format_results({("base", "es"): [{"seed": 1, "dev_f1": 50.0, "test_f1": 40.0}]})
    assert "50.00 (n=1)" in text and "± 0.00" not in text


def test_per_type_tables_and_span_errors_from_mlflow_alone(ablated, capsys):
    assert main(["compare", "demo-transadv", "--tracking-uri", ablated["uri"], "--by-type"]) == 0
    out = capsys.readouterr().out
    assert "**test_f1 per entity type, es: mean ± sample std" in out
    assert "| Variant | LOC | MISC | ORG | PER | Avg |" in out
    assert main(["compare", "demo-transadv", "--tracking-uri", ablated["uri"], "--errors", "2"]) == 0
    out = capsys.readouterr().out
    assert "**TransAdv · es · 1 seed(s)**" in out
    assert "| gold \\ predicted | LOC | MISC | ORG | PER | O |" in out
    assert "w/o Θentity (es, seed 1) vs TransAdv" in out


def test_run_on_an_ablation_file_says_it_runs_the_base_only(ablated, caplog):
    caplog.set_level(logging.WARNING)
    ablate.execute(ablated["exp"], TINY, device="cpu", track=False)
    assert "has 1 variants (w/o Θentity); `xner run` runs its base config only: `xner ablate" in caplog.text


def test_plan_and_status_print_the_store_they_read(ablated, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = ablated["exp"]
    assert main(["plan", str(exp), *[a for s in TINY for a in ("--set", s)], "--all-variants"]) == 0
    out = capsys.readouterr().out
    assert f"store: {ablated['tmp'] / 'store'}" in out
    assert "rows=all" in out and "rows=TransAdv" in out  # Θsrc serves both rows, the union one
    fresh = [*TINY, f"store={tmp_path / 'new'}"]
    assert main(["status", str(exp), *[a for s in fresh for a in ("--set", s)]]) == 0
    out = capsys.readouterr().out
    assert "grid not started: 0 nodes done" in out and f"store: {tmp_path / 'new'}" in out


def test_a_store_in_an_impossible_place_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match=rf"store: {blocker}/s cannot be a folder: {blocker} is a file"):
        Store(blocker / "s")
    with pytest.raises(StoreError, match=rf"store: {blocker} cannot be a folder"):
        Store(blocker)


def test_store_tilde_is_the_home_folder_and_the_cache_lives_inside(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    exp = tiny_experiment(tmp_path / "t")
    cfg = load_experiment(exp, ["store=~/xner-store"])
    assert cfg.store == str(tmp_path / "xner-store")
    assert Store(cfg.store).cache == tmp_path / "xner-store" / ".cache"


def test_n_trials_zero_is_refused(tmp_path):
    from xner.core.search.command import search

    exp = tiny_experiment(tmp_path)
    with pytest.raises(ConfigError, match=r"--n-trials 0: a study holds 1 or more trials"):
        search(exp, TINY, n_trials=0, track=False)


def test_variant_names_match_case_and_ascii_spellings():
    known = ["w/o LDIS", "w/o Θentity", "w/o MMKD"]
    assert match_variant("w/o ldis", known) == "w/o LDIS"
    assert match_variant("W/O theta-entity", known) == "w/o Θentity"
    assert match_variant("wo_thetaentity", known) == "w/o Θentity"
    with pytest.raises(ConfigError, match=r"unknown variant 'w/o ldiss'.*did you mean 'w/o LDIS'\?"):
        match_variant("w/o ldiss", known)


def _table(deltas: dict[str, list[float]]) -> pd.DataFrame:
    rows = [{"variant": v, "lang": "es", "seed": s, "test_f1": x}
            for v, xs in deltas.items() for s, x in enumerate(xs, 1)]
    return pd.DataFrame(rows)


def test_latex_bolds_only_what_the_test_separates():
    near = ablation_table(_table({"ref": [50.0, 51.0, 52.0], "v": [50.1, 50.9, 52.1]}))
    assert "textbf" not in near.to_latex()  # +0.03 within noise: no bold
    far = ablation_table(_table({"ref": [50.0, 51.0, 52.0], "v": [40.0, 41.2, 41.9]}))
    tex = far.to_latex()
    assert tex.count("textbf") == 2 and "Bold: the column" in tex  # es and Avg: the reference


def test_figure_axis_starts_at_zero_and_labels_are_honest():
    assert y_range([30.0], [60.0])[0] == 0.0
    assert delta_label(0.04) == "+0.04" and delta_label(-0.04) == "−0.04" and delta_label(0.001) == "0.00"
    assert delta_label(-3.46, 0.01) == "−3.5†" and delta_label(2.0, 0.2) == "+2.0"
    assert math.isnan(ablation_table(_table({"a": [1.0]})).cells["std"].iloc[0])


class _Run:
    def __init__(self, params: dict[str, str]) -> None:
        self.data = type("D", (), {"params": params})()


def test_report_diff_shows_real_changes_only_in_table_order():
    groups = {"w/o B": _Run({"a": "1", "b": "None"}), "ref": _Run({"a": "1", "b": "x", "c": "None"}),
              "w/o A": _Run({"a": "2", "b": "x"})}
    rows = config_diff(groups, "ref", ["ref", "w/o A", "w/o B"])
    assert rows == [("w/o A", "a", "1", "2"), ("w/o B", "b", "x", "None")]  # c: unset on both sides
    assert np.array_equal([r[0] for r in rows], ["w/o A", "w/o B"])


def test_report_links_go_to_the_given_ui_and_show_per_type_tables(ablated, tmp_path):
    from xner.core.reporting import html as report

    page = report.write(ablated["uri"], "demo-transadv", tmp_path / "r.html", ui="http://ui.example:8080")
    text = page.read_text(encoding="utf-8")
    assert 'href="http://ui.example:8080/#/experiments/' in text and "127.0.0.1" not in text
    assert f"ablate run {ablated['ablate'].parent_run}" in text  # which run the page shows
    assert "test_f1 per entity type, es" in text and "Span errors" in text
    spans = text[text.index("<h3>Span errors</h3>"):]
    assert "<pre>" not in text and "<th>gold \\ predicted</th>" in spans  # tables, not markdown text
    assert "One epoch each, so not drawn" in text  # the tiny run's one-epoch stages get no dot plot


def test_single_epoch_stages_are_listed_not_drawn():
    from xner.core.reporting.figures import curve_stages

    curves = {"A": {"source": {1: [1.0], 2: [2.0]}, "teacher_entity": {1: [3.0]}, "distill": {1: [4.0]}},
              "B": {"distill": {1: [4.0], 2: [5.0]}}}
    assert curve_stages(curves) == (["source", "distill"], ["teacher_entity"])


def test_span_error_markdown_becomes_html_tables_with_escaped_pipes():
    from xner.core.reporting.html import markdown_html

    page = markdown_html("## Span errors\n**A vs ref**\n\n| # | sentence | A \\| b |\n|---:|:---|:---|\n"
                         "| 1 | x \\| <y> | LOC |\ncorrect 3")
    assert "<h4>Span errors</h4>" in page and "<p><b>A vs ref</b></p>" in page
    assert "<th>A | b</th>" in page and "<td>x | &lt;y&gt;</td>" in page and "<p>correct 3</p>" in page
    assert page.count("<tr>") == 2  # header and one row: the rule line is no row
