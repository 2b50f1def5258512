"""seqeval metrics: hand-computed scores in both modes, edge cases, IOB1 gold, clear input errors."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from xner.core.data.labels import is_valid_sequence
from xner.core.data.metrics import TypeScores, evaluate, quick_f1, quick_type_f1

GOLD = [["B-PER", "I-PER", "O", "B-ORG"], ["B-LOC", "O", "B-PER"]]
PRED = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O", "O"]]


def test_modes_differ_on_a_span_opened_by_i_tag() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    pred = [["I-PER", "I-PER", "O", "B-LOC"]]
    scores = evaluate(gold, pred)
    # conlleval opens PER at the stray I-PER: both entities are found.
    assert (scores.conlleval.precision, scores.conlleval.recall, scores.conlleval.f1) == (
        100.0,
        100.0,
        100.0,
    )
    # strict IOB2 ignores the ill-formed span: 1 of 1 predicted correct, 1 of 2 gold found.
    assert scores.strict.precision == pytest.approx(100.0)
    assert scores.strict.recall == pytest.approx(50.0)
    assert scores.strict.f1 == pytest.approx(200 / 3)
    assert scores.strict.per_type["PER"] == TypeScores(0.0, 0.0, 0.0, 1)
    assert scores.strict.per_type["LOC"] == TypeScores(100.0, 100.0, 100.0, 1)


def test_hand_computed_overall_and_per_type() -> None:
    # gold: PER x2, ORG, LOC; pred: PER (right), LOC (wrong type for ORG), LOC (right).
    scores = evaluate(GOLD, PRED)
    for mode in (scores.conlleval, scores.strict):  # all tags valid IOB2: the modes agree
        assert mode.precision == pytest.approx(200 / 3)
        assert mode.recall == pytest.approx(50.0)
        assert mode.f1 == pytest.approx(400 / 7)
        assert mode.support == 4
        assert mode.per_type["PER"] == pytest.approx(TypeScores(100.0, 50.0, 200 / 3, 2))
        assert mode.per_type["LOC"] == pytest.approx(TypeScores(50.0, 100.0, 200 / 3, 1))
        assert mode.per_type["ORG"] == TypeScores(0.0, 0.0, 0.0, 1)
        assert set(mode.per_type) == {"PER", "LOC", "ORG"}


def test_boundary_error_is_a_miss() -> None:
    scores = evaluate([["B-PER", "I-PER"]], [["B-PER", "O"]])
    assert scores.conlleval.f1 == 0.0 and scores.strict.f1 == 0.0


def test_perfect_prediction_is_100() -> None:
    scores = evaluate(GOLD, GOLD)
    for mode in (scores.conlleval, scores.strict):
        assert (mode.precision, mode.recall, mode.f1) == (100.0, 100.0, 100.0)
        assert all(s[:3] == (100.0, 100.0, 100.0) for s in mode.per_type.values())


@pytest.mark.parametrize("gold", [GOLD, [["O", "O"], ["O"]]], ids=["entities", "no-entities"])
def test_empty_prediction_is_0_without_warnings(gold: list[list[str]]) -> None:
    pred = [["O"] * len(s) for s in gold]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = evaluate(gold, pred)
        text = scores.report()
    for mode in (scores.conlleval, scores.strict):
        assert (mode.precision, mode.recall, mode.f1) == (0.0, 0.0, 0.0)
    assert "micro avg" in text and "strict" in text


def test_text_reports_are_seqevals() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-MISC", "O"]]
    pred = [["I-PER", "I-PER", "O", "B-LOC"], ["B-MISC", "B-ORG"]]
    scores = evaluate(gold, pred)
    assert scores.conlleval.text == classification_report(gold, pred, digits=4, zero_division=0)
    assert scores.strict.text == classification_report(
        gold, pred, digits=4, mode="strict", scheme=IOB2, zero_division=0
    )
    report = scores.report()
    assert scores.conlleval.text in report and scores.strict.text in report


def test_flat_dict_keys_and_values() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    pred = [["I-PER", "I-PER", "O", "B-LOC"]]
    flat = evaluate(gold, pred).as_flat_dict(prefix="test_")
    assert flat["test_f1"] == 100.0 and flat["test_f1_PER"] == 100.0
    assert flat["test_strict_f1"] == pytest.approx(200 / 3)
    assert flat["test_strict_f1_PER"] == 0.0 and flat["test_strict_recall_LOC"] == 100.0
    assert all(k.startswith("test_") for k in flat)
    assert all(0.0 <= v <= 100.0 for v in flat.values())
    assert len(flat) == 2 * (3 + 3 * 2)  # two modes x (overall + 2 types) x (P, R, F1)
    flat = evaluate(GOLD, PRED).as_flat_dict()
    assert flat["f1_PER"] == pytest.approx(200 / 3) and flat["recall_PER"] == 50.0
    assert flat["precision_LOC"] == 50.0 and flat["strict_recall_LOC"] == 100.0
    assert flat["f1"] == pytest.approx(400 / 7) and flat["precision"] == pytest.approx(200 / 3)


# IOB1 (CoNLL-2003 original): I-X opens a span; B-X only splits two adjacent spans of one type.
IOB1_GOLD = [
    ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"],
    ["I-MISC", "O", "O", "I-PER", "I-PER", "B-PER"],
]
# The same spans in IOB2, converted by hand.
IOB2_GOLD = [
    ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-ORG"],
    ["B-MISC", "O", "O", "B-PER", "I-PER", "B-PER"],
]
IOB_PRED = [
    ["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "B-ORG"],
    ["B-MISC", "O", "B-MISC", "B-PER", "I-PER", "O"],
]


def test_iob1_gold_scores_like_its_iob2_conversion_under_conlleval() -> None:
    assert all(is_valid_sequence(s) for s in IOB2_GOLD)
    assert not all(is_valid_sequence(s) for s in IOB1_GOLD)
    from_iob1 = evaluate(IOB1_GOLD, IOB_PRED)
    from_iob2 = evaluate(IOB2_GOLD, IOB_PRED)
    assert from_iob1.conlleval == from_iob2.conlleval
    assert from_iob2.conlleval.f1 == pytest.approx(100 * 2 * 4 / (6 + 7))  # 4 right, 6 pred, 7 gold
    assert from_iob2.strict == from_iob2.conlleval  # valid IOB2 on both sides: the modes agree
    # Strict mode drops the IOB1 spans opened by I-X: scoring raw IOB1 gold strictly is wrong.
    assert from_iob1.strict.support < from_iob2.strict.support


def test_readers_repair_matches_hand_conversion() -> None:
    readers = pytest.importorskip("xner.core.data.readers", reason="readers not written yet")
    repaired = [readers.repair_iob2(s)[0] for s in IOB1_GOLD]
    assert repaired == IOB2_GOLD
    assert evaluate(repaired, IOB_PRED).conlleval == evaluate(IOB1_GOLD, IOB_PRED).conlleval


def test_misaligned_input_names_the_sentence() -> None:
    with pytest.raises(ValueError, match=r"sentence 1: gold has 3 tags but pred has 2"):
        evaluate(GOLD, [PRED[0], ["B-LOC", "O"]])
    with pytest.raises(ValueError, match="gold has 2 sentences but pred has 1"):
        evaluate(GOLD, PRED[:1])
    with pytest.raises(ValueError, match=r"sentence 0, token 3: pred tag 'PER'"):
        evaluate(GOLD, [["B-PER", "I-PER", "O", "PER"], PRED[1]])
    with pytest.raises(ValueError, match=r"sentence 1, token 0: gold tag 'E-LOC'"):
        evaluate([GOLD[0], ["E-LOC", "O", "B-PER"]], PRED)


_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
_sentences = st.lists(st.lists(st.sampled_from(_TAGS), min_size=1, max_size=8), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_quick_f1_equals_seqeval_in_both_modes(data: st.DataObject) -> None:
    gold = data.draw(_sentences)
    pred = [data.draw(st.lists(st.sampled_from(_TAGS), min_size=len(g), max_size=len(g))) for g in gold]
    full = evaluate(gold, pred)
    loose, strict = quick_f1(gold, pred)
    assert loose == pytest.approx(full.conlleval.f1)
    assert strict == pytest.approx(full.strict.f1)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_quick_type_f1_equals_seqeval_per_type(data: st.DataObject) -> None:
    gold = data.draw(_sentences)
    pred = [data.draw(st.lists(st.sampled_from(_TAGS), min_size=len(g), max_size=len(g))) for g in gold]
    full = evaluate(gold, pred).conlleval
    overall, per_type = quick_type_f1(gold, pred)
    assert overall == pytest.approx(full.f1)
    assert set(per_type) == set(full.per_type)
    assert all(per_type[t] == pytest.approx(full.per_type[t].f1) for t in per_type)


def test_quick_f1_strict_ignores_a_span_opened_by_i_tag() -> None:
    assert quick_f1([["B-PER", "O"]], [["I-PER", "O"]]) == (100.0, 0.0)
