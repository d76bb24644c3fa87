"""The engine's step rules (grapheme_lab.steps): what each kind of operation becomes in a
step, the correction chains, check_step, and the Python API's errors."""

from fractions import Fraction

import pytest

from grapheme_lab import GraphemeError, engine, steps


def reduced_lines(polish: str) -> list[str]:
    """Each step's line of a literal expression, each checked to be a step of the one before,
    the last the expression's value."""
    lines = steps.trace(polish)
    before = polish
    for line in lines:
        steps.check_step(before, line)
        before = line
    assert float(Fraction(lines[-1])) == pytest.approx(engine.evaluate(polish), rel=1e-12)
    return lines


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


@pytest.mark.parametrize("miss, first", [
    (1, "(gcd 28 (- 210 (* 28 8)))"),
    (-1, "(gcd 28 (- 210 (* 28 6)))"),
    (-6, "(gcd 28 (- 210 28))"),  # a quotient of 1: no product
])
def test_euclid_steps_keep_the_gcd_whatever_the_quotient(miss, first):
    chain = steps.corrections(steps.trace("(/ 210 28)"), miss)[-1]  # the first Euclid step, its quotient missed
    assert chain[0] == first and chain[-1] == "14"


@pytest.mark.parametrize("polish, line", [
    ("(gcd 30 4)", "(gcd 4 (- 30 (* 4 7)))"),
    ("(gcd 4 30)", "(gcd 30 4)"),  # a quotient of 0 swaps the operands
    ("(gcd 30 -4)", "(gcd 30 4)"),  # a negative operand (after a quotient too large) loses its sign
])
def test_a_euclid_step(polish, line):
    assert steps.step(polish) == line
    assert steps.trace(polish)[-1] == str(engine.evaluate(polish).__int__())


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




def test_a_wrong_quotient_keeps_the_value():
    assert steps.corrections(["(mod (- 30 (* 4 7)) 4)"], 1)[0][:2] == ["(mod (- 30 (* 4 8)) 4)", "(mod (- 30 32) 4)"]
    assert steps.trace("(mod (- 30 (* 4 8)) 4)")[-1] == "2"


def test_check_step_says_what_is_wrong():
    steps.check_step("(+ (* 2 3) 4)", "(+ 6 4)")
    steps.check_step("(+ x 1)", "(+ 2 1)", {"x": 2})
    with pytest.raises(GraphemeError, match="its value is 7, not 6"):
        steps.check_step("(+ (* 2 3) 4)", "(+ 7 4)")
    with pytest.raises(GraphemeError, match="changes more"):
        steps.check_step("(+ (* 2 3) 4)", "(- 6 4)")
    with pytest.raises(GraphemeError, match="byte 0 is never closed"):
        steps.check_step("(+ (* 2 3) 4", "10")
    assert steps.sites("(+ (* 2 3) (- 7 (* 1 4)))") == [[0], [1, 1]]
    assert steps.sites("(+ x (* y 2))", bound=True) == [[0], [1, 0]]


def test_engine_operators_and_the_token_table():
    assert steps.OPERATORS["cancel"] == 3 and steps.OPERATORS["gcd"] == 2 and steps.OPERATORS["integrate"] == 4
    assert steps.CONSTANTS == ("pi", "e")
    assert engine.evaluate("(cancel 168 -12 (gcd 168 12))") == -14.0
    with pytest.raises(GraphemeError, match="gcd takes integers"):
        engine.evaluate("(gcd 2.5 5)")
    with pytest.raises(GraphemeError, match="cancel needs 4 to divide 12 and 18"):
        engine.evaluate("(cancel 12 18 4)")


@pytest.mark.parametrize("polish, error", [
    ("(solve (= (^ x 2) 4) x)", "not a linear equation"),
    ("(+ x 1)", "unbound symbol 'x'"),
    ("(/ 1 0)", "division by zero"),
    ("(sin 1)", "no step works out sin"),
    ("(+ 1", "never closed"),
])
def test_no_trace_is_an_error_that_says_why(polish, error):
    with pytest.raises(GraphemeError, match=error):
        steps.trace(polish)
