"""Dev errors by kind: each predicted and gold span lands in exactly one bucket."""

from __future__ import annotations

from pathlib import Path

from xner.core.reporting.dev_errors import error_kinds, read_dev_predictions


def test_each_span_is_counted_once_in_its_kind(tmp_path: Path) -> None:
    rows = [  # token gold pred
        ("Der", "O", "O"), ("Verein", "O", "B-ORG"),  # spurious, one capitalised non-initial word
        ("in", "O", "O"), ("Berlin", "B-LOC", "B-LOC"),  # correct
        ("und", "O", "O"), ("die", "O", "B-MISC"), ("EU", "B-ORG", "I-MISC"),  # wrong span
        ("", "", ""),
        ("Merkel", "B-PER", "B-ORG"),  # wrong type (the span is right); initial: not 'capitalised'
        ("sah", "O", "O"), ("deutschen", "B-MISC", "O"), ("Wein", "O", "O"),  # missed, lowercase
        ("neue", "O", "B-LOC"), ("Bonn", "B-LOC", "O"),  # spurious lowercase word; Bonn missed
    ]
    path = tmp_path / "dev_predictions.conll"
    path.write_text("\n".join(" ".join(r) for r in rows) + "\n", encoding="utf-8")
    tokens, gold, pred = read_dev_predictions(path)
    assert [len(t) for t in tokens] == [7, 6]
    assert error_kinds(tokens, gold, pred) == {
        "predicted": 5, "gold": 5, "correct": 1, "spurious": 2, "spurious_capitalised": 1,
        "wrong_type": 1, "wrong_span": 1, "missed": 2, "missed_lowercase": 1}
