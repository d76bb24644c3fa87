"""Contaminated held-out rows: questions that training asks word for word, and the
accuracy `evaluate` reports without them."""

from fractions import Fraction

import pytest

from grapheme_lab import config as C
from grapheme_lab.brain import contamination
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.evaluate import evaluate, table

from brain_helpers import Scripted, tiny


def row(level: int, polish: str, value: float) -> dict:
    return {"level": level, "input_polish": polish, "expected_result": value, "bindings": []}


def test_a_question_asked_as_a_site_of_a_training_row_is_contaminated(tmp_path):
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}))
    seen = contamination.trained_questions(cfg, [row(2, "(+ (* 2 3) 4)", 10.0)])
    held_out = [row(1, "(* 2 3)", 6.0),  # the first step's site
                row(1, "(+ 6 4)", 10.0),  # the second step's
                row(2, "(+ (* 2 3) 4)", 10.0),  # the training row's own question
                row(1, "(* 2 4)", 8.0), row(1, "(* 3 2)", 6.0)]
    assert contamination.contaminated(cfg, held_out, seen) == [True, True, True, False, False]
    answers_only = C.from_dict(tiny(tmp_path, data={"target": "answer"}))  # trained on whole rows alone
    seen = contamination.trained_questions(answers_only, [row(2, "(+ (* 2 3) 4)", 10.0)])
    assert contamination.contaminated(answers_only, held_out, seen) == [False, False, True, False, False]


def test_evaluate_reports_the_clean_rows_beside_the_raw_figure(tmp_path):
    cfg = C.from_dict(tiny(tmp_path, data={"target": "sites"}))
    rows = [row(1, "(* 2 3)", 6.0), row(1, "(* 2 4)", 8.0), row(1, "(+ 1 1)", 2.0)]
    right = {tuple(V.encode(T.source_tokens(r))): V.value_tokens(Fraction(int(r["expected_result"])))
             for r in (rows[0], rows[2])}
    model = Scripted(right, fallback=["P", "1"])  # (* 2 4) answered 1: wrong
    r = evaluate(model, cfg, rows, contaminated=[True, False, False])
    assert r["accuracy"] == pytest.approx(2 / 3)
    assert (r["clean_n"], r["clean_accuracy"], r["contaminated"]) == (2, 0.5, pytest.approx(1 / 3))
    line = table({1: r}).splitlines()[-1].split()
    assert line[:6] == ["1", "3", "66.7%", "2", "50.0%", "33.3%"]
    r = evaluate(model, cfg, rows[:1], contaminated=[True])
    assert (r["clean_n"], r["clean_accuracy"], r["contaminated"]) == (0, None, 1.0)
    assert table({1: r}).splitlines()[-1].split()[3:6] == ["0", "-", "100.0%"]
