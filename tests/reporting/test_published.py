"""The published column: each cell's published F1 and gap, the Avg only over a complete row."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from xner.core.reporting import published as pub
from xner.core.reporting.tables import ablation_table

PUBLISHED = {"A": {"source": "Table 2(a)", "f1": {"es": 75.0, "de": 70.0}},
             "B": {"source": "README", "f1": {"es": 80.0, "de": None}},
             "Z": {"source": "elsewhere", "f1": {"es": 1.5}}}


def _table():
    rows = [{"variant": v, "lang": lang, "seed": s, "test_f1": base + s}
            for v, base in (("A", 70.0), ("B", 75.0)) for lang in ("es", "de") for s in (1, 2)]
    table = ablation_table(pd.DataFrame(rows), variant_order=["A", "B"], lang_order=["es", "de"])
    table.published = PUBLISHED
    return table


def test_values_and_the_average_of_a_complete_row_only() -> None:
    assert pub.value(PUBLISHED, "A", "es", ["es", "de"]) == 75.0
    assert pub.value(PUBLISHED, "A", "Avg", ["es", "de"]) == 72.5
    assert pub.value(PUBLISHED, "B", "Avg", ["es", "de"]) is None  # de not published
    assert pub.value(PUBLISHED, "C", "es", ["es"]) is None
    assert pub.from_tag(pub.to_tag(PUBLISHED)) == PUBLISHED


def test_every_rendering_sets_published_beside_reproduced(tmp_path) -> None:
    table = _table()
    terminal = table.format_terminal()
    assert "71.50 ± 0.71 | pub. 75.00 (−3.50)" in terminal  # A/es: seeds 71, 72
    assert "pub. 72.50 (" in terminal and "pub.: B: README" in terminal
    assert "pub. rows with no reproduced row of that name: Z" in terminal
    csv = pd.read_csv(io.StringIO(table.to_csv()))
    b_de = csv[(csv["variant"] == "B") & (csv["lang"] == "de")].iloc[0]
    assert pd.isna(b_de["published"]) and pd.isna(b_de["gap_to_published"])
    a_es = csv[(csv["variant"] == "A") & (csv["lang"] == "es")].iloc[0]
    assert a_es["gap_to_published"] == pytest.approx(-3.5)
    assert "[75.00]" in table.to_latex() and "README" in table.to_latex()
    assert "pub. 80.00" in table.to_html() and "pub. 80.00" in table.to_markdown()
    assert table.plot(tmp_path / "t.png").stat().st_size > 0
