"""The span confusion and the disagreement ranking on hand-made sentences."""

from __future__ import annotations

from xner.core.reporting.span_errors import NONE, confusion, disagreement, most_disagreeing


def test_each_way_a_gold_and_predicted_span_meet_is_counted_once():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG", "O", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG", "O", "O", "B-ORG", "O", "B-MISC"]]
    c = confusion(gold, pred, ["LOC", "MISC", "ORG", "PER"])
    assert c.exact[("PER", "PER")] == 1  # exact, same type
    assert c.exact[("LOC", "ORG")] == 1  # exact boundaries, other type
    assert c.boundary[("ORG", "ORG")] == 1  # [5,7) read as [6,7)
    assert c.exact[(NONE, "MISC")] == 1  # spurious
    assert dict(c.kinds) == {"correct": 1, "type": 1, "boundary": 1, "spurious": 1}


def test_missed_and_boundary_plus_type_and_one_prediction_matched_once():
    gold = [["B-PER", "I-PER", "I-PER", "O", "B-LOC", "O"]]
    pred = [["O", "B-ORG", "I-ORG", "O", "O", "O"]]
    c = confusion(gold, pred, ["LOC", "ORG", "PER"])
    assert c.boundary[("PER", "ORG")] == 1 and c.exact[("LOC", NONE)] == 1
    assert dict(c.kinds) == {"boundary+type": 1, "missed": 1}
    # two gold spans overlapping one prediction: the first takes it, the second is missed
    c2 = confusion([["B-PER", "B-PER", "O"]], [["B-PER", "I-PER", "O"]], ["PER"])
    assert dict(c2.kinds) == {"boundary": 1, "missed": 1}
    table = c.to_markdown("x")
    assert "| PER | 0 | 0 + 1 | 0 | 0 |" in table and "missed 1" in table


def test_disagreement_counts_the_symmetric_difference_of_spans():
    a = ["B-PER", "I-PER", "O", "B-LOC"]
    assert disagreement(a, a) == 0
    assert disagreement(a, ["B-PER", "O", "O", "B-LOC"]) == 2  # PER[0,2) vs PER[0,1)
    rows = most_disagreeing([["a"] * 4] * 3, [a] * 3, [a] * 3,
                            [a, ["O"] * 4, ["B-PER", "O", "O", "B-LOC"]], k=5)
    assert [(r.index, r.spans) for r in rows] == [(1, 2), (2, 2)]  # identical sentence left out
