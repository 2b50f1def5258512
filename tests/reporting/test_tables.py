"""Ablation table: hand-computed cells, failed seeds never count as 0, ordering, renderings, atomic files."""

from __future__ import annotations

import csv
import io
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xner.core.reporting import tables
from xner.core.reporting.tables import AVG, MISSING, ablation_table

REF, ABL = "TransAdv", "w/o LDIS"
# variant -> lang -> test_f1 of seeds 1, 2, 3
SCORES = {
    REF: {"de": [80.0, 82.0, 84.0], "es": [70.0, 71.0, 72.0]},  # means 82, 71; stds 2, 1
    ABL: {"de": [78.0, 79.0, 80.0], "es": [70.0, 73.0, 76.0]},  # means 79, 73; stds 1, 3
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_runs(scores: dict[str, dict[str, list[float]]] = SCORES) -> pd.DataFrame:
    rows = [
        {"variant": v, "lang": lang, "seed": seed, "test_f1": x, "dev_f1": x - 1.0, "test_strict_f1": x - 2.0}
        for v, by_lang in scores.items()
        for lang, values in by_lang.items()
        for seed, x in enumerate(values, start=1)
    ]
    return pd.DataFrame(rows)


def cell(table: tables.AblationTable, variant: str, lang: str) -> pd.Series:
    found = table.cells[(table.cells["variant"] == variant) & (table.cells["lang"] == lang)]
    assert len(found) == 1
    return found.iloc[0]


def md_row(markdown: str, variant: str) -> list[str]:
    """The cell strings of one markdown row, after the variant name."""
    for line in markdown.splitlines():
        parts = [p.strip() for p in line.strip().strip("|").split("|")]
        if parts[0] == variant:
            return parts[1:]
    raise AssertionError(f"no row {variant!r} in\n{markdown}")


def test_hand_computed_cells() -> None:
    t = ablation_table(make_runs())
    assert (t.reference, t.variants, t.langs, t.metric) == (REF, [REF, ABL], ["de", "es"], "test_f1")
    expected = {  # (mean, std, n, delta)
        (REF, "de"): (82.0, 2.0, 3, 0.0),
        (REF, "es"): (71.0, 1.0, 3, 0.0),
        (REF, AVG): (76.5, 1.5, 3, 0.0),  # per-seed averages 75, 76.5, 78
        (ABL, "de"): (79.0, 1.0, 3, -3.0),
        (ABL, "es"): (73.0, 3.0, 3, 2.0),
        (ABL, AVG): (76.0, 2.0, 3, -0.5),  # per-seed averages 74, 76, 78
    }
    for (v, lang), (mean, std, n, delta) in expected.items():
        c = cell(t, v, lang)
        assert (c["mean"], c["std"], c["n"], c["delta"]) == pytest.approx((mean, std, n, delta)), (v, lang)
    expected_md = ["79.00 ± 1.00 (−3.00)†", "73.00 ± 3.00 (+2.00)", "76.00 ± 2.00 (−0.50)"]
    assert md_row(t.to_markdown(), ABL) == expected_md


def test_other_metric_column() -> None:
    t = ablation_table(make_runs(), metric="test_strict_f1")
    assert cell(t, REF, "de")["mean"] == pytest.approx(80.0)
    assert t.metric == "test_strict_f1"


def test_single_seed_has_no_std_and_says_n1() -> None:
    t = ablation_table(make_runs({REF: {"de": [80.0]}}))
    c = cell(t, REF, "de")
    assert (c["mean"], c["n"]) == (80.0, 1) and math.isnan(c["std"])  # one run measures no spread
    assert md_row(t.to_markdown(), REF)[0] == "80.00 (n=1)"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_failed_seed_excluded_from_mean_and_n(bad: float) -> None:
    scores = {REF: {"de": [80.0, 82.0, bad], "es": [70.0, 71.0, 72.0]}, ABL: SCORES[ABL]}
    t = ablation_table(make_runs(scores))
    c = cell(t, REF, "de")
    assert (c["mean"], c["std"], c["n"]) == pytest.approx((81.0, math.sqrt(2.0), 2))
    # Avg std/n only use seeds with every language: seeds 1, 2 -> per-seed averages 75, 76.5.
    avg = cell(t, REF, AVG)
    assert (avg["mean"], avg["std"], avg["n"]) == pytest.approx((76.0, 0.75 * math.sqrt(2.0), 2))
    assert cell(t, ABL, "de")["delta"] == pytest.approx(-2.0)


@pytest.mark.parametrize("how", ["nan", "absent"])
def test_all_seeds_failed_is_missing_not_zero(how: str) -> None:
    runs = make_runs()
    lost = (runs["variant"] == ABL) & (runs["lang"] == "es")
    if how == "nan":
        runs.loc[lost, ["test_f1", "dev_f1", "test_strict_f1"]] = np.nan
    else:
        runs = runs[~lost]
    t = ablation_table(runs, lang_order=["de", "es"])
    for lang in ("es", AVG):  # Avg is NaN when a language cell is missing
        c = cell(t, ABL, lang)
        assert math.isnan(c["mean"]) and math.isnan(c["std"]) and math.isnan(c["delta"]) and c["n"] == 0
        value = t.to_frame().loc[ABL, lang]
        assert math.isnan(value) and value != 0
    assert md_row(t.to_markdown(), ABL) == ["79.00 ± 1.00 (−3.00)†", MISSING, MISSING]
    assert "0.00" not in "".join(md_row(t.to_markdown(), ABL)[1:])
    terminal = t.format_terminal().splitlines()
    abl_line = next(line for line in terminal if line.startswith(ABL))
    assert abl_line.split()[-2:] == [MISSING, MISSING]
    assert f"<td>{MISSING}</td><td>{MISSING}</td></tr>" in t.to_html()
    rows = {(r["variant"], r["lang"]): r for r in csv.DictReader(io.StringIO(t.to_csv()))}
    assert float(rows[(ABL, "de")]["mean"]) == pytest.approx(79.0)
    assert float(rows[(ABL, "de")]["delta"]) == pytest.approx(-3.0)
    assert [rows[(ABL, lang)]["mean"] for lang in ("es", AVG)] == ["", ""]
    # the reference row is untouched
    assert cell(t, REF, AVG)["mean"] == pytest.approx(76.5)


def test_avg_defined_without_complete_seed_has_no_std() -> None:
    t = ablation_table(make_runs({REF: {"de": [80.0, np.nan], "es": [np.nan, 70.0]}}))
    avg = cell(t, REF, AVG)
    assert avg["mean"] == pytest.approx(75.0) and math.isnan(avg["std"]) and avg["n"] == 0
    assert md_row(t.to_markdown(), REF)[-1] == "75.00"


def test_reference_row_has_no_delta() -> None:
    t = ablation_table(make_runs())
    assert all("(" not in s for s in md_row(t.to_markdown(), REF))
    assert all("(" in s for s in md_row(t.to_markdown(), ABL))
    flipped = ablation_table(make_runs(), reference=ABL)
    assert md_row(flipped.to_markdown(), REF) == [
        "82.00 ± 2.00 (+3.00)†",
        "71.00 ± 1.00 (−2.00)",
        "76.50 ± 1.50 (+0.50)",
    ]
    assert all("(" not in s for s in md_row(flipped.to_markdown(), ABL))


def test_ordering_respected() -> None:
    runs = make_runs().sample(frac=1.0, random_state=0)
    first_seen = list(dict.fromkeys(runs["variant"]))
    assert ablation_table(runs).variants == first_seen
    assert ablation_table(runs).reference == first_seen[0]

    t = ablation_table(runs, variant_order=[ABL, REF], lang_order=["es", "de"])
    assert t.reference == ABL  # default reference follows variant_order
    frame = t.to_frame()
    assert list(frame.index) == [ABL, REF] and list(frame.columns) == ["es", "de", AVG]
    assert list(t.cells["variant"]) == [ABL] * 3 + [REF] * 3
    assert list(t.cells["lang"]) == ["es", "de", AVG] * 2
    lines = t.to_markdown().splitlines()
    assert lines[0] == f"**test_f1: mean ± sample std over seeds, (Δ) to {ABL}**"  # names its metric
    assert lines[2] == "| Variant | es | de | Avg |"
    assert lines[4].startswith(f"| {ABL} |") and lines[5].startswith(f"| {REF} |")


def test_order_selects_subset_and_rejects_unknown() -> None:
    t = ablation_table(make_runs(), variant_order=[ABL], lang_order=["de"])
    assert t.variants == [ABL] and t.langs == ["de"]
    assert cell(t, ABL, AVG)["mean"] == pytest.approx(79.0)
    with pytest.raises(ValueError, match="'fr'"):
        ablation_table(make_runs(), lang_order=["de", "fr"])
    with pytest.raises(ValueError, match="'w/o PSEUDO'"):
        ablation_table(make_runs(), variant_order=[REF, "w/o PSEUDO"])


def test_text_renderings_escape_and_align() -> None:
    weird = "w/o <LDIS> & a|b"
    t = ablation_table(make_runs({REF: SCORES[REF], weird: SCORES[ABL]}))
    page = t.to_html()
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "&lt;LDIS&gt; &amp; a|b" in page and "<LDIS>" not in page
    assert "w/o <LDIS> & a\\|b" in t.to_markdown()
    rows = list(csv.reader(io.StringIO(t.to_csv())))
    assert rows[0] == ["variant", "lang", "metric", "mean", "std", "seeds", "delta", "p_paired_t",
                       "published", "gap_to_published"]
    assert [r[0] for r in rows[1:]] == [REF] * 3 + [weird] * 3 and rows[4][1] == "de"
    body = [line for line in t.format_terminal().splitlines()[1:] if not line.startswith("†")]
    assert len({len(line) for line in body}) == 1  # aligned


def test_bad_metric_reference_and_input() -> None:
    listed = r"available metric columns: \['test_f1', 'dev_f1', 'test_strict_f1'\]"
    with pytest.raises(ValueError, match=listed):
        ablation_table(make_runs(), metric="f1")
    with pytest.raises(ValueError, match="available metric columns"):
        ablation_table(make_runs(), metric="seed")  # a key, not a metric
    with pytest.raises(ValueError, match=r"variants: \['TransAdv', 'w/o LDIS'\]"):
        ablation_table(make_runs(), reference="w/o PSEUDO")
    with pytest.raises(ValueError, match="empty"):
        ablation_table(make_runs().iloc[0:0])
    with pytest.raises(ValueError, match="seed"):
        ablation_table(make_runs().drop(columns="seed"))
    with pytest.raises(ValueError, match="share"):
        ablation_table(pd.concat([make_runs(), make_runs().iloc[:1]]))


def test_plot_writes_png_atomically(tmp_path: Path) -> None:
    runs = make_runs()
    runs.loc[(runs["variant"] == ABL) & (runs["lang"] == "es"), "test_f1"] = np.nan
    target = tmp_path / "plots" / "ablation.png"
    assert ablation_table(runs).plot(target) == target
    assert target.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in target.parent.iterdir()] == ["ablation.png"]


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("old")

    def boom(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        tables._atomic(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_save_writes_all_files(tmp_path: Path) -> None:
    t = ablation_table(make_runs())
    out = t.save(tmp_path / "ablation")
    names = ["ablation.parquet", "ablation.md", "ablation.csv", "ablation.html", "ablation.tex",
             "ablation.png", "ablation.pdf", "ablation.svg"]
    assert sorted(out) == sorted(names)
    assert sorted(p.name for p in (tmp_path / "ablation").iterdir()) == sorted(names)
    pd.testing.assert_frame_equal(pd.read_parquet(out["ablation.parquet"]), t.to_long())
    assert out["ablation.md"].read_text(encoding="utf-8") == t.to_markdown()
    assert out["ablation.csv"].read_text(encoding="utf-8") == t.to_csv()
    assert out["ablation.html"].read_text(encoding="utf-8") == t.to_html()
    assert out["ablation.png"].read_bytes()[:8] == PNG_MAGIC
    assert out["ablation.pdf"].read_bytes()[:5] == b"%PDF-"
    assert "<svg" in out["ablation.svg"].read_text(encoding="utf-8")[:2000]


def test_to_long_is_a_copy() -> None:
    t = ablation_table(make_runs())
    long = t.to_long()
    long.loc[0, "mean"] = 0.0
    assert cell(t, REF, "de")["mean"] == pytest.approx(82.0)


def test_latex_escapes_names_bolds_the_best_and_balances_braces() -> None:
    runs = make_runs({REF: SCORES[REF], "w/o Θentity & 50%_x": SCORES[ABL]})
    tex = ablation_table(runs).to_latex()
    assert r"w/o $\Theta$entity \& 50\%\_x" in tex and "Θ" not in tex
    assert tex.count("{") == tex.count("}") and r"\begin{tabular}{lrrr}" in tex
    assert r"\toprule" in tex and r"\bottomrule" in tex
    ref_row = next(line for line in tex.splitlines() if line.startswith(REF))
    # bold only where the paired test separates the best from the next (de: p < 0.05; es, Avg: not)
    assert tex.count(r"\textbf{") == 1 and r"\textbf{82.00}" in ref_row and "Bold: the column" in tex
    assert "scriptsize" not in ref_row  # no Δ to itself


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (texlive-latex-base)")
def test_latex_table_compiles(tmp_path: Path) -> None:  # booktabs is in texlive-latex-recommended
    tex = ablation_table(make_runs({REF: SCORES[REF], "w/o Θentity & co": SCORES[ABL]})).to_latex()
    doc = tmp_path / "t.tex"
    doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\begin{document}\n" + tex
                   + "\\end{document}\n", encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_significance_is_a_paired_t_test_over_seeds() -> None:
    """ABL - REF per seed: de -2, -3, -4 (t = -3 / (1/√3), df 2: p = 0.0352), es 0, 2, 4 (p = 0.225)."""
    t = ablation_table(make_runs())
    p = t.cells.set_index(["variant", "lang"])["p"]
    assert p[(ABL, "de")] == pytest.approx(0.03518, abs=1e-4)
    assert p[(ABL, "es")] == pytest.approx(0.2254, abs=1e-3)
    assert math.isnan(p[(REF, "de")])  # the reference is not tested against itself
    md = t.to_markdown()
    assert "79.00 ± 1.00 (−3.00)†" in md and "73.00 ± 3.00 (+2.00) |" in md
    assert "> † p < 0.05 against TransAdv, paired t-test over the seeds both rows ran" in md
    rows = list(csv.reader(io.StringIO(t.to_csv())))
    assert float(rows[[r[:2] for r in rows].index([ABL, "de"])][7]) == pytest.approx(0.03518, abs=1e-4)
    assert "$^\\dagger$" in t.to_latex() and "†" in t.format_terminal()


def test_significance_pairs_by_seed_and_needs_two_pairs() -> None:
    runs = make_runs()
    shuffled = runs.copy()  # the same values under other seed labels: other pairs, another p
    abl = shuffled["variant"] == ABL
    shuffled.loc[abl & (shuffled["lang"] == "de"), "seed"] = [3, 1, 2]
    p = ablation_table(shuffled).cells.set_index(["variant", "lang"])["p"]
    assert p[(ABL, "de")] != pytest.approx(0.03518, abs=1e-4)
    one = runs[runs["seed"] == runs["seed"].min()]
    assert ablation_table(one).cells["p"].isna().all()  # one shared seed: no test
    same = {REF: SCORES[REF], ABL: {k: [x - 1.0 for x in v] for k, v in SCORES[REF].items()}}
    assert ablation_table(make_runs(same)).cells["p"].isna().all()  # constant difference: no variance
    assert "†" not in ablation_table(make_runs(same)).to_markdown()
