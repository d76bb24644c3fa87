"""Tokens, targets and the judge: round trips, value-form answers, malformed output never raises."""

import math
from fractions import Fraction

import pytest

from grapheme_lab import engine, generate
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.judge import judge, value_of


@pytest.mark.parametrize("level", range(1, 8))
def test_targets_round_trip_and_are_judged_correct(level):
    for row in generate.level(level, 25, seed=3):
        src = T.source_tokens(row)
        assert "<unk>" not in src, row["input_polish"]
        assert V.tokens_to_polish(V.expression_tokens(row["input_polish"])) == str(engine.parse(row["input_polish"]))
        for order in ("lsd", "msd"):
            toks = T.target_tokens(row, order)
            assert judge(row, toks, order).correct, (row, toks)
            pairs = T.step_pairs(row, order)
            assert (pairs is not None) == bool(row.get("steps")), row
            if pairs is not None:  # the steps, written out as a chain, end in the answer
                assert pairs[0][0] == T.source_tokens(row, order), row
                assert all(a[1] == b[0] for a, b in zip(pairs, pairs[1:]))
                chain = [t for i, (_, tgt) in enumerate(pairs) for t in ([";"] if i else []) + tgt]
                assert judge(row, chain, order).correct, (row, chain)


def test_number_tokens():
    assert V.literal_tokens("-14") == ["M", "4", "1"]
    assert V.literal_tokens("-14", "msd") == ["M", "1", "4"]
    assert V.literal_tokens("2.50") == ["P", "5", ".", "2"]
    assert V.value_tokens(Fraction(-2, 3)) == ["M", "2", "|", "3"]
    assert V.tokens_to_polish(["M", "2", "|", "3"]) == "-2/3"
    assert V.value_tokens(1 / 3) == ["P", "3", "3", "3", "3", "3", "3", "3", ".", "0"]


def test_step_pairs():
    row = {"level": 2, "input_polish": "(+ (* 2 3) (/ -4 6))", "expected_result": 6 - 4 / 6, "bindings": []}
    steps = [(V.tokens_to_polish(a), V.tokens_to_polish(b)) for a, b in T.step_pairs(row)]
    # an operation on a fraction is first written over integers, then reduced like level 1
    assert [b for _, b in steps] == ["(+ 6 (/ -2 3))", "(+ 6 -2/3)", "(/ (+ (* 6 3) -2) 3)", "(/ (+ 18 -2) 3)",
                                     "(/ 16 3)", "16/3"]
    assert steps[0][0] == "(+ (* 2 3) (/ -4 6))"
    # bindings: the first step substitutes them
    row = {"level": 3, "input_polish": "(* x (+ y 1))", "expected_result": 6.0, "bindings": [("x", 2.0), ("y", 2.0)]}
    pairs = T.step_pairs(row)
    assert pairs[0][0] == T.source_tokens(row) and V.tokens_to_polish(pairs[0][1]) == "(* 2 (+ 2 1))"
    assert [V.tokens_to_polish(b) for _, b in pairs[1:]] == ["(* 2 3)", "6"]
    assert T.step_pairs({**row, "expected_result": 7.0}) is None  # disagrees with the engine: no steps
    assert T.has_steps(row, "steps") and not T.has_steps(row, "answer")
    assert not T.has_steps({"level": 4}, "steps")


def step_polish(pairs):
    return [(V.tokens_to_polish(s), V.tokens_to_polish(t)) for s, t in pairs]


def test_correction_steps_recover_from_a_quotient_off_by_one():
    def row(a, b):
        return {"level": 1, "input_polish": f"(mod {a} {b})", "expected_result": float(a % b), "bindings": []}

    misses = set()
    for a in range(150, 200):
        chain = step_polish(T.correction_pairs(row(a, 7)))
        first = chain[0][0]  # (mod (- a (* 7 q')) 7)
        misses.add(int(first.split()[5].rstrip(")")) - a // 7)
        assert chain[-1] == (f"(mod {a % 7} 7)", str(a % 7))  # every chain ends at the right remainder
        assert all(t == s2 for (_, t), (s2, _) in zip(chain, chain[1:]))  # one chain, each step from the last
    assert misses == {-1, 1}  # a hash of the row says which way: both occur
    assert T.correction_pairs({"level": 1, "input_polish": "(+ 2 3)", "expected_result": 5.0}) == []


def test_correction_steps_recover_from_a_euclid_quotient_off_by_one():
    misses = set()
    for a in range(150, 200):
        row = {"level": 1, "input_polish": f"(/ {a} 24)", "expected_result": a / 24, "bindings": []}
        chain = step_polish(T.correction_pairs(row))
        first = chain[0][0]  # (gcd 24 (- a (* 24 q'))), the row's first Euclid step missed
        misses.add(int(first.split()[-1].rstrip(")")) - a // 24)
        assert chain[-1][1] == str(math.gcd(a, 24))  # the gcd's own chain, to its value
        assert all(t == s2 for (_, t), (s2, _) in zip(chain, chain[1:]))
    assert misses == {-1, 1}


def test_is_value():
    assert V.is_value(["M", "2", "|", "3"]) and V.is_value(["P", "5", ".", "2"])
    assert not V.is_value([]) and not V.is_value(["+", "P", "1", "P", "2"]) and not V.is_value(["x"])


def row1(v=5.0):
    return {"level": 1, "input_polish": "(+ 2 3)", "expected_result": v, "bindings": []}


def test_echoing_the_question_is_wrong():
    v = judge(row1(), V.expression_tokens("(+ 2 3)"))
    assert not v.correct and not v.malformed and v.answer == "(+ 2 3)"


def test_exact_levels_need_exact_values():
    assert judge(row1(), ["P", "5"]).correct
    assert not judge(row1(12345.0), V.value_tokens(Fraction(12346))).correct
    assert judge(row1(-2 / 3), ["M", "2", "|", "3"]).correct
    assert not judge(row1(-2 / 3), ["M", "7", "6", "6", ".", "0"]).correct  # -0.667 is not -2/3
    unreduced = judge(row1(-2 / 3), ["M", "4", "|", "6"])  # the question (/ -4 6) echoed
    assert not unreduced.correct and not unreduced.malformed


def test_decimal_levels_within_tolerance():
    row = {"level": 4, "input_polish": "(sqrt 2)", "expected_result": 2**0.5, "bindings": []}
    assert judge(row, V.value_tokens(1.414214)).correct
    assert not judge(row, V.value_tokens(1.4142)).correct


def test_level7_any_root():
    row = {"level": 7, "input_polish": "(solve (= (* (- x 6) (- x 7)) 0) x)", "expected_result": 6.0,
           "solutions": [6.0, 7.0], "bindings": []}
    assert judge(row, ["P", "7"]).correct and not judge(row, ["P", "8"]).correct


def test_level5_by_equivalence():
    row = {"level": 5, "input_polish": "(derive (^ x 2) x)", "expected_symbolic": "(* 2 x)", "bindings": []}
    assert judge(row, V.expression_tokens("(+ x x)")).correct
    assert not judge(row, V.expression_tokens("(* 3 x)")).correct
    assert not judge(row, V.expression_tokens("(derive (^ x 2) x)")).correct


@pytest.mark.parametrize("toks", [[], ["+"], ["P"], ["P", "1", "|"], ["P", "1", "|", "0"], ["+", "P", "1"],
                                  ["P", "1", "P", "2"], [";"], ["<unk>"], ["P", ".", "1"], ["x", "x"]])
def test_malformed_is_wrong_never_raises(toks):
    for row in (row1(), {"level": 5, "input_polish": "(derive x x)", "expected_symbolic": "1", "bindings": []}):
        v = judge(row, toks)
        assert not v.correct


def test_value_of():
    assert value_of("(neg (/ 2 3))") == Fraction(-2, 3) == value_of("-2/3") == value_of("(/ -2 3)")
    assert value_of("1/0") is None
    # a division still to do is not a value: unreduced, or over 1
    assert value_of("(neg (/ 4 6))") is None and value_of("4/6") is None and value_of("(/ 3 1)") is None
    assert value_of("2.5") == Fraction(5, 2)
    assert value_of("(+ 1 2)") is None and value_of("(/ 1 0)") is None


def test_the_judge_reads_each_rows_precision():
    exact = {"level": 4, "input_polish": "(sin (/ pi 6))", "expected_result": 0.5, "precision": "exact"}
    near = {"level": 4, "input_polish": "(sqrt 2)", "expected_result": 2 ** 0.5, "precision": 1e-6}
    assert judge(exact, V.value_tokens(Fraction(1, 2))).correct
    assert not judge(exact, V.literal_tokens("0.5000001")).correct  # 2e-7 off: not exact
    assert judge(near, V.literal_tokens("1.4142141")).correct  # 5e-7 off, within 1e-6
    assert not judge(near, V.literal_tokens("1.414216")).correct  # 2.4e-6 off
    assert not judge({**near, "precision": "exact"}, V.literal_tokens("1.4142141")).correct
