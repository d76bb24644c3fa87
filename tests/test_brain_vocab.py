"""Tokens, targets and the judge: round trips, value-form answers, malformed output never raises."""

import math
from fractions import Fraction

import pytest

from grapheme_lab import engine, generate
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.judge import judge, value_of


@pytest.mark.parametrize("level", range(1, 8))
def test_targets_round_trip_and_are_judged_correct(level):
    for row in generate.level(level, 25, seed=3):
        src = V.source_tokens(row)
        assert "<unk>" not in src, row["input_polish"]
        assert V.tokens_to_polish(V.expression_tokens(row["input_polish"])) == str(engine.parse(row["input_polish"]))
        for order in ("lsd", "msd"):
            toks = V.target_tokens(row, order)
            assert judge(row, toks, order).correct, (row, toks)
            if level in V.STEP_LEVELS:  # the steps, written out as a chain, end in the answer
                pairs = V.step_pairs(row, order)
                assert pairs[0][0] == V.source_tokens(row, order), row
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
    steps = [(V.tokens_to_polish(a), V.tokens_to_polish(b)) for a, b in V.step_pairs(row)]
    # an operation on a fraction is first written over integers, then reduced like level 1
    assert [b for _, b in steps] == ["(+ 6 (/ -2 3))", "(+ 6 -2/3)", "(/ (+ (* 6 3) -2) 3)", "(/ (+ 18 -2) 3)",
                                     "(/ 16 3)", "16/3"]
    assert steps[0][0] == "(+ (* 2 3) (/ -4 6))"
    # bindings: the first step substitutes them
    row = {"level": 3, "input_polish": "(* x (+ y 1))", "expected_result": 6.0, "bindings": [("x", 2.0), ("y", 2.0)]}
    pairs = V.step_pairs(row)
    assert pairs[0][0] == V.source_tokens(row) and V.tokens_to_polish(pairs[0][1]) == "(* 2 (+ 2 1))"
    assert [V.tokens_to_polish(b) for _, b in pairs[1:]] == ["(* 2 3)", "6"]
    assert V.step_pairs({**row, "expected_result": 7.0}) is None  # disagrees with the engine: no steps
    assert V.has_steps(row, "steps") and not V.has_steps(row, "answer")
    assert not V.has_steps({"level": 4}, "steps")


@pytest.mark.parametrize("polish, lines", [
    ("(+ 1/4 3/4)", ["(/ (+ 1 3) 4)", "(/ 4 4)", "1"]),  # one denominator: no cross products
    ("(- 1/2 1/3)", ["(/ (- 3 2) (* 2 3))", "(/ 1 6)", "1/6"]),  # a numerator of 1 is not multiplied
    ("(* -2/3 9)", ["(/ (* -2 9) 3)", "(/ -18 3)", "-6"]),
    ("(/ 3 1/2)", ["(* 3 2)", "6"]),  # a denominator of 1 is dropped
    ("(/ 1/2 -3)", ["(/ 1 (* 2 -3))", "(/ 1 -6)", "-1/6"]),
    ("(mod 7/2 2)", ["3/2"]),  # not + - * /: its value at once
])
def test_fraction_operations_are_written_over_integers(polish, lines):
    assert reduced_lines(polish) == lines


@pytest.mark.parametrize("polish, lines", [
    ("(/ 16 12)", ["(/ 8 6)", "(/ 4 3)", "4/3"]),  # below SMALL: one common prime a step, the smallest first
    ("(/ -7 14)", ["(/ -1 2)", "-1/2"]),
    ("(/ 4 -6)", ["(/ 2 -3)", "-2/3"]),
    ("(/ 18 6)", ["3"]),  # an exact quotient at once
    ("(/ 7 12)", ["7/12"]),  # already in lowest terms
])
def test_small_quotients_are_cancelled_one_prime_at_a_time(polish, lines):
    assert reduced_lines(polish) == lines


@pytest.mark.parametrize("polish, lines", [
    ("(/ 168 7)", ["(cancel 168 7 (gcd 168 7))", "(cancel 168 7 (gcd 7 (- 168 (* 7 24))))",
                   "(cancel 168 7 (gcd 7 (- 168 168)))", "(cancel 168 7 (gcd 7 0))", "(cancel 168 7 7)",
                   "(cancel (div 168 7) (div 7 7) 1)", "(cancel 24 1 1)", "24"]),  # each exact quotient its own site
    ("(/ -21 26)", ["(cancel -21 26 (gcd 26 21))", "(cancel -21 26 (gcd 21 (- 26 21)))",  # a quotient of 1: no product
                    "(cancel -21 26 (gcd 21 5))", "(cancel -21 26 (gcd 5 (- 21 (* 5 4))))",
                    "(cancel -21 26 (gcd 5 (- 21 20)))", "(cancel -21 26 (gcd 5 1))",  # operands below SMALL: at once
                    "(cancel -21 26 1)", "-21/26"]),
    ("(/ 0 25)", ["0"]),
    ("(/ 25 -1)", ["-25"]),
])
def test_larger_quotients_are_cancelled_through_their_gcd(polish, lines):
    assert reduced_lines(polish) == lines


def test_a_gcd_takes_the_larger_operand_first():
    assert reduced_lines("(/ 3 -72)")[0] == "(cancel 3 -72 (gcd 72 3))"


@pytest.mark.parametrize("polish, lines", [
    ("(div 504 18)", ["(div (div 504 2) 9)", "(div 252 9)", "(div (div 252 3) 3)", "(div 84 3)", "28"]),
    ("(div -3069 9)", ["(div (div -3069 3) 3)", "(div -1023 3)", "-341"]),
    ("(div 168 7)", ["24"]),  # a prime divisor: at once
    ("(div 0 4)", ["0"]),
])
def test_exact_quotients_divide_by_one_prime_at_a_time(polish, lines):
    assert reduced_lines(polish) == lines


def test_a_quotient_cancelled_by_a_composite_gcd_divides_one_prime_at_a_time():
    assert reduced_lines("(/ 1728 126)")[-7:-1] == [
        "(cancel (div 1728 18) (div 126 18) 1)", "(cancel (div (div 1728 2) 9) (div (div 126 2) 9) 1)",
        "(cancel (div 864 9) (div 63 9) 1)", "(cancel (div (div 864 3) 3) (div (div 63 3) 3) 1)",
        "(cancel (div 288 3) (div 21 3) 1)", "(cancel 96 7 1)"]


@pytest.mark.parametrize("polish, miss, line", [
    ("(gcd 30 4)", 0, "(gcd 4 (- 30 (* 4 7)))"),
    ("(gcd 30 4)", 1, "(gcd 4 (- 30 (* 4 8)))"),
    ("(gcd 30 4)", -6, "(gcd 4 (- 30 4))"),
    ("(gcd 4 30)", 0, "(gcd 30 4)"),  # a quotient of 0 swaps the operands
    ("(gcd 30 -4)", 0, "(gcd 30 4)"),  # a negative operand (after a quotient too large) loses its sign
])
def test_euclid_steps_keep_the_gcd_whatever_the_quotient(polish, miss, line):
    op, a, b = V._tree(polish, {})
    step = V._euclid(a, b, miss)
    assert V.tokens_to_polish(V._tree_tokens(step, "lsd")) == line
    assert V._reductions(step)[-1] == V._apply("gcd", [a, b])


@pytest.mark.parametrize("polish, lines", [
    ("(* 34 27)", ["(+ (* 4 27) (* 30 27))", "(+ 108 810)", "918"]),
    ("(* 132 -25)", ["(+ (* 132 -5) (* 132 -20))", "(+ -660 -2640)", "-3300"]),  # the shorter factor is cut
    ("(* 30 -27)", ["-810"]),  # one nonzero digit: multiplied out at once
    ("(* 7 132)", ["924"]),
    ("(* 123 456)", ["(+ (* 3 456) (* 120 456))", "(+ 1368 (+ (* 20 456) (* 100 456)))",
                     "(+ 1368 (+ 9120 45600))", "(+ 1368 54720)", "56088"]),
])
def test_products_of_many_digits_are_split(polish, lines):
    assert reduced_lines(polish) == lines
    # cross products are split too
    assert reduced_lines("(+ 1/12 1/34)")[:4] == ["(/ (+ 34 12) (* 12 34))", "(/ 46 (+ (* 2 34) (* 10 34)))",
                                                  "(/ 46 (+ 68 340))", "(/ 46 408)"]


@pytest.mark.parametrize("polish, lines", [
    ("(mod 187 7)", ["(mod (- 187 (* 7 26)) 7)", "(mod (- 187 182) 7)", "(mod 5 7)", "5"]),
    ("(mod 9 13)", ["9"]),  # a quotient of 0: the remainder at once
    ("(mod -7 3)", ["(mod (- -7 (* 3 -3)) 3)", "(mod (- -7 -9) 3)", "(mod 2 3)", "2"]),  # floored, like the engine
    ("(mod 180 12)", ["(mod (- 180 (* 12 15)) 12)", "(mod (- 180 (+ (* 2 15) (* 10 15))) 12)",
                      "(mod (- 180 (+ 30 150)) 12)", "(mod (- 180 180) 12)", "(mod 0 12)", "0"]),
])
def test_remainders_are_written_through_their_quotient(polish, lines):
    assert reduced_lines(polish) == lines


def step_polish(pairs):
    return [(V.tokens_to_polish(s), V.tokens_to_polish(t)) for s, t in pairs]


def test_correction_steps_recover_from_a_quotient_off_by_one():
    def row(a, b):
        return {"level": 1, "input_polish": f"(mod {a} {b})", "expected_result": float(a % b), "bindings": []}

    misses = set()
    for a in range(150, 200):
        chain = step_polish(V.correction_pairs(row(a, 7)))
        first = V._tree(chain[0][0], {})  # (mod (- a (* 7 q')) 7)
        misses.add(int(first[1][2][2]) - a // 7)
        assert chain[-1] == (f"(mod {a % 7} 7)", str(a % 7))  # every chain ends at the right remainder
        assert all(t == s2 for (_, t), (s2, _) in zip(chain, chain[1:]))  # one chain, each step from the last
    assert misses == {-1, 1}  # a hash of the row says which way: both occur
    assert V.correction_pairs({"level": 1, "input_polish": "(+ 2 3)", "expected_result": 5.0}) == []


def test_correction_steps_recover_from_a_euclid_quotient_off_by_one():
    misses = set()
    for a in range(150, 200):
        row = {"level": 1, "input_polish": f"(/ {a} 24)", "expected_result": a / 24, "bindings": []}
        chain = step_polish(V.correction_pairs(row))
        first = V._tree(chain[0][0], {})  # (gcd 24 (- a (* 24 q'))), the row's first Euclid step missed
        misses.add(int(first[2][2][2]) - a // 24)
        assert chain[-1][1] == str(math.gcd(a, 24))  # the gcd's own chain, to its value
        assert all(t == s2 for (_, t), (s2, _) in zip(chain, chain[1:]))
    assert misses == {-1, 1}


def test_a_wrong_quotient_keeps_the_value():
    assert V._miss_quotients(V._tree("(mod (- 30 (* 4 7)) 4)", {}), 1) == V._tree("(mod (- 30 (* 4 8)) 4)", {})
    assert V._apply("mod", [Fraction(30 - 4 * 8), Fraction(4)]) == 2


def reduced_lines(polish: str) -> list[str]:
    """Each step's line of a literal expression, checked to end at its value at once."""
    tree = V._tree(polish, {})
    out = []
    while not isinstance(tree, Fraction):
        tree = V._reduce(tree)
        out.append(tree)
    op, *args = V._tree(polish, {})
    assert out[-1] == V._apply(op, args)
    return [V.tokens_to_polish(V._tree_tokens(t, "lsd")) for t in out]


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
