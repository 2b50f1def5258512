"""The paper figure: zoomed axis, reference line, Δ labels, legend off the bars, no Avg group for one
language, and PNG/PDF/SVG that open."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_tables import ABL, REF, SCORES, make_runs

from xner.core.reporting.figures import y_range
from xner.core.reporting.tables import ablation_table


@pytest.fixture()
def svg_text():
    """SVG text as <text> elements (matplotlib draws glyph paths by default), so labels can be read."""
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    yield
    matplotlib.rcParams["svg.fonttype"] = "path"


def _texts(tmp_path: Path, scores=SCORES) -> list[str]:
    svg = ablation_table(make_runs(scores)).plot(tmp_path / "fig.svg").read_text(encoding="utf-8")
    return re.findall(r">([^<>]+)</text>", svg)


def test_axis_starts_at_zero_so_bar_heights_compare():
    lo, hi = y_range([69.0, 78.0], [85.0, 79.0])
    assert lo == 0.0 and 85 < hi < 100  # a row at half the reference's F1 draws half as tall
    assert y_range([0.5], [2.0]) == (0.0, 3.0) and y_range([98.0], [99.9])[1] == 100.0


def test_figure_labels_deltas_and_draws_the_reference(tmp_path: Path, svg_text):
    texts = _texts(tmp_path)
    assert {"−3.0†", "+2.0", "−0.5"} <= set(texts)  # ABL - REF: de 79-82, es 73-71, Avg 76-76.5
    assert "Avg" in texts and f"{REF} (reference)" in texts and ABL in texts
    assert "n/a" not in texts and "0.00" not in texts  # the reference gets a line, not a label


def test_one_language_has_no_avg_group(tmp_path: Path, svg_text):
    texts = _texts(tmp_path, {v: {"es": s["es"]} for v, s in SCORES.items()})
    assert "es" in texts and "Avg" not in texts and "+2.0" in texts


def test_unknown_format_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="figure format 'jpg' not one of png, pdf, svg"):
        ablation_table(make_runs()).plot(tmp_path / "fig.jpg")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (texlive-latex-base)")
def test_pdf_figure_opens(tmp_path: Path):
    """pdflatex embeds the PDF figure: it parses as a PDF page with a bounding box."""
    ablation_table(make_runs()).plot(tmp_path / "fig.pdf")
    doc = tmp_path / "d.tex"
    doc.write_text("\\documentclass{article}\\usepackage{graphicx}\\begin{document}"
                   "\\includegraphics[width=\\linewidth]{fig.pdf}\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "<fig.pdf, id=" in (tmp_path / "d.log").read_text(errors="replace")  # read and placed
    assert (tmp_path / "d.pdf").stat().st_size > 15000
