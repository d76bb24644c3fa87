"""Step traces of levels 4-7 through grapheme_lab.steps: exact values where they exist, a
numeric method in decimals where they don't, derivatives one rule a site at a time,
integrals by antiderivative and bounds, equations by isolate-and-invert, the quadratic
formula and a cubic's rational root; each line checked, a changed line rejected, and the
generator's rows carrying the same trace and precision."""

import pytest

from grapheme_lab import GraphemeError, engine, generate, steps


def checked(problem: str) -> tuple[list[str], str | float]:
    lines = steps.derivation(problem)
    before = problem
    for line in lines:
        steps.check_line(problem, before, line)
        before = line
    return lines, steps.check_derivation(problem, lines)


@pytest.mark.parametrize("problem, lines", [
    ("(sin (/ pi 6))", ["1/2"]),
    ("(ln (exp -1))", ["-1"]),
    ("(+ 11 (sqrt 361))", ["(+ 11 19)", "30"]),
    ("(cos (/ (* 2 pi) 3))", ["-1/2"]),
    ("(integrate (* 3 (^ x 2)) x 0 2)", ["(^ x 3)", "(- (^ 2 3) (^ 0 3))", "(- 8 0)", "8"]),
])
def test_exact_traces(problem, lines):
    got, precision = checked(problem)
    assert got == lines
    assert precision == "exact"


@pytest.mark.parametrize("problem", [
    "(ln 5)", "(sqrt 172)", "(exp (/ -11 4))", "(+ 8 (cos (/ pi 6)))", "(tan (* (^ 2 2) 5))",
    "(integrate (sin (* 2 x)) x 0 1)", "(integrate (/ 3 (+ x 2)) x 1 4)",
    "(solve (= (exp (+ x 3)) 5) x)", "(solve (= (ln (+ x 5)) 3) x)", "(solve (= (^ (- x 5) 2) 8) x)",
])
def test_approximate_traces_end_within_the_row_tolerance(problem):
    lines, precision = checked(problem)
    assert precision == steps.ROW_TOL == 1e-6
    want = engine.run(problem)
    want = want[0] if isinstance(want, list) else want
    assert abs(float(lines[-1]) - want) <= 1e-6 * max(1.0, abs(want)), (lines[-1], want)
    assert any("." in line for line in lines)


def test_equations_go_to_the_smallest_root():
    lines, precision = checked("(solve (= (+ (+ (* 2 (^ x 2)) (* -3 x)) 1) 0) x)")
    assert lines[0] == "(/ (- (neg -3) (sqrt (- (^ -3 2) (* 4 (* 2 1))))) (* 2 2))"
    assert lines[-1] == "1/2" and precision == "exact"
    lines, _ = checked("(solve (= (sqrt (+ (* 4 x) -8)) 6) x)")
    assert lines[:2] == ["(= (+ (* 4 x) -8) (^ 6 2))", "(= (* 4 x) (- (^ 6 2) -8))"]
    assert lines[-1] == "11"


def test_a_cubic_factors_out_its_smallest_root():
    problem = "(solve (= (- (- (+ (^ t 3) (* 2 (^ t 2))) (* 19 t)) 20) 0) t)"
    lines, precision = checked(problem)
    assert lines == ["(= (+ (+ (+ (* 1 (^ t 3)) (* 2 (^ t 2))) (* -19 t)) -20) 0)",
                     "(= (* (- t -5) (+ (+ (* 1 (^ t 2)) (* -3 t)) -4)) 0)",
                     "(= (- t -5) 0)", "(= t (+ 0 -5))", "(+ 0 -5)", "-5"]
    assert precision == "exact"
    with pytest.raises(GraphemeError, match="no factoring"):
        steps.check_line(problem, lines[0], "(= (* (- t -5) (+ (+ (* 1 (^ t 2)) (* -3 t)) 4)) 0)")
    # the smallest root irrational: the rational one is factored out, the quadratic solved
    lines, precision = checked("(solve (= (- (^ x 3) (* 2 x)) 0) x)")
    assert lines[2] == "(= (+ (+ (* 1 (^ x 2)) (* 0 x)) -2) 0)"
    assert abs(float(lines[-1]) + 2 ** 0.5) <= 1e-6 and precision == steps.ROW_TOL


def test_a_changed_line_is_rejected_with_the_reason():
    problem = "(solve (= (exp (+ x 3)) 5) x)"
    with pytest.raises(GraphemeError, match="the steps are"):
        steps.check_line(problem, problem, "(= (+ x 3) (ln 6))")
    with pytest.raises(GraphemeError, match="the steps are"):
        steps.check_line("(solve (= (exp x) 2) x)", "(= x (ln 2))", "(ln 3)")
    with pytest.raises(GraphemeError, match="its value"):
        steps.check_line("(sqrt 3)", "(sqrt 3)", "1.7321")
    with pytest.raises(GraphemeError, match="not an antiderivative"):
        steps.check_line("(integrate (* 3 (^ x 2)) x 0 2)", "(integrate (* 3 (^ x 2)) x 0 2)", "(^ x 2)")
    lines = steps.derivation("(ln 5)")
    with pytest.raises(GraphemeError, match="line 2"):
        steps.check_derivation("(ln 5)", [lines[0], "(+ 1.386294361 0.2231435514)", *lines[2:]])


def test_no_trace_is_an_error():
    with pytest.raises(GraphemeError, match="no antiderivative"):
        steps.derivation("(integrate (* x (exp x)) x 0 1)")
    with pytest.raises(GraphemeError, match="no step rule differentiates floor"):
        steps.derivation("(derive (floor x) x)")
    with pytest.raises(GraphemeError, match="no rational root"):
        steps.derivation("(solve (= (- (- (^ x 3) (* 3 x)) 1) 0) x)")
    with pytest.raises(GraphemeError):
        steps.derivation("(ln (sin pi))")


def test_a_derivative_one_rule_a_line():
    problem = "(derive (* (^ x 4) (cos x)) x)"
    lines, precision = checked(problem)
    assert lines == [
        "(+ (* (derive (^ x 4) x) (cos x)) (* (^ x 4) (derive (cos x) x)))",
        "(+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (neg (sin x))))",
        "(+ (neg (* (^ x 4) (sin x))) (* (* 4 (^ x 3)) (cos x)))",
    ]
    assert precision == "exact"
    assert engine.equivalent(lines[-1], engine.run(problem))
    with pytest.raises(GraphemeError, match="the chain \\(cos\\) rule writes"):
        steps.check_line(problem, lines[0], "(+ (* (* 4 (^ x 3)) (cos x)) (* (^ x 4) (sin x)))")
    with pytest.raises(GraphemeError, match="line 3"):
        steps.check_derivation(problem, [*lines[:2], "(* 4 (^ x 3))"])


def test_generated_derivatives_carry_their_checked_trace():
    rows = generate.level(5, 150, seed=1)
    assert sum("steps" in r for r in rows) >= 0.98 * len(rows)
    for r in rows:
        assert r["precision"] == "exact"
        if "steps" in r:
            assert steps.derivation(r["input_polish"]) == r["steps"]
            assert steps.check_derivation(r["input_polish"], r["steps"]) == "exact"
            assert engine.equivalent(r["steps"][-1], r["expected_symbolic"])


@pytest.mark.parametrize("level", [4, 6, 7])
def test_generated_rows_carry_their_checked_trace_and_precision(level):
    rows = generate.level(level, 150, seed=1)
    with_steps = [r for r in rows if "steps" in r]
    assert len(with_steps) >= 0.7 * len(rows)
    for r in rows:
        assert r["precision"] == "exact" or r["precision"] == steps.ROW_TOL
        if "steps" not in r:
            continue
        assert steps.derivation(r["input_polish"]) == r["steps"]
        assert steps.check_derivation(r["input_polish"], r["steps"]) == r["precision"]
        last = float(r["steps"][-1].split("/")[0]) / (float(r["steps"][-1].split("/")[1]) if "/" in r["steps"][-1] else 1)
        tol = 1e-9 if r["precision"] == "exact" else r["precision"]
        assert abs(last - r["expected_result"]) <= tol * max(1.0, abs(r["expected_result"]))
    assert all(r["precision"] == "exact" for r in generate.level(2, 50, seed=1))
