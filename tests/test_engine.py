"""grapheme_lab.engine: the Python API over the Rust symbolic engine."""

import math
import pickle
import random
import threading

import pytest

from grapheme_lab import GraphemeError, engine
from grapheme_lab.engine import Expr


# --- parse, print, JSON -------------------------------------------------------

SEED_FORMS = [
    "(+ 2 3)",
    "(+ (* 2 3) 4)",
    "(+ x 3)",
    "(sin 0)",
    "(derive (^ x 2) x)",
    "(integrate (^ x 2) x 0 1)",
    "(solve (= (+ (* 2 x) 5) 13) x)",
    "(mod 7 3)",
    "(neg 1/2)",
    "(log (abs (floor (ceil (sqrt (tan (cos (exp (ln pi)))))))))",
    "2.5",
    "e",
]


@pytest.mark.parametrize("text", SEED_FORMS)
def test_parse_print_round_trip(text):
    e = engine.parse(text)
    assert e.to_polish() == text
    assert str(e) == text
    assert engine.parse(str(e)).same_tree(e)
    assert Expr(text).same_tree(e)


def test_json_is_the_seed_form():
    e = engine.parse("(+ 2 3)")
    assert e.to_json() == {
        "BinOp": {"op": "Add", "left": {"Value": {"Integer": 2}}, "right": {"Value": {"Integer": 3}}}
    }
    for text in SEED_FORMS:
        e = engine.parse(text)
        assert Expr.from_json(e.to_json()).same_tree(e)
    assert Expr.from_json('{"Value":{"Rational":[1,2]}}').to_polish() == "1/2"
    with pytest.raises(GraphemeError):
        Expr.from_json({"Nope": 1})
    with pytest.raises(GraphemeError):
        Expr.from_json({"Function": {"func": "Sin", "args": []}})
    for unreduced in ([2, 4], [1, -2], [3, 0]):  # would not print back as valid text
        with pytest.raises(GraphemeError, match="rational"):
            Expr.from_json({"Value": {"Rational": unreduced}})


def test_equality_and_hash_on_canonical_form():
    a, b = engine.parse("(+ x 1)"), engine.parse("(+ 1 x)")
    assert a == b and hash(a) == hash(b)
    assert not a.same_tree(b)
    assert engine.parse("(* 2 x)") == engine.parse("(+ x x)")
    assert engine.parse("(- x 2)") != engine.parse("(- 2 x)")
    assert len({engine.parse(t) for t in ["(+ x 1)", "(+ 1 x)", "(+ (* 1 x) 1)", "(+ x 2)"]}) == 2
    assert engine.parse("(ln 0)") == engine.parse("(ln 0)")  # unsimplifiable: compared as written
    assert (engine.parse("x") == "x") is False


def test_pickle_and_repr():
    e = engine.parse("(+ (* 2.5 x) 1/3)")
    assert pickle.loads(pickle.dumps(e)).same_tree(e)
    assert repr(e) == 'Expr("(+ (* 2.5 x) 1/3)")'
    assert e.symbols() == ["x"] and e.size() == 5 and e.depth() == 3


# --- evaluate -----------------------------------------------------------------


def test_evaluate():
    assert engine.evaluate("(+ 2 3)") == 5.0
    assert engine.evaluate("(+ (* 2 3) 4)") == 10.0
    assert engine.evaluate("(* (/ 1 3) 3)") == 1.0  # exact rationals
    assert engine.evaluate("(+ x 3)", {"x": 2}) == 5.0
    assert engine.evaluate("(+ x y)", [("x", 1.5), ("y", 2)]) == 3.5
    assert engine.evaluate(engine.parse("(^ x 2)"), {"x": 3}) == 9.0
    assert engine.evaluate("(mod -7 3)") == 2.0
    assert engine.evaluate("(sqrt 9/4)") == 1.5
    assert engine.evaluate("(^ -8 1/3)") == -2.0
    assert engine.evaluate("(derive (^ x 3) x)", {"x": 2}) == 12.0
    assert engine.evaluate("(integrate (* 2 x) x 0 3)") == 9.0
    assert engine.evaluate("(cos pi)") == pytest.approx(-1.0)
    assert engine.evaluate("(* 9223372036854775807 2)") == pytest.approx(1.8446744073709552e19)


# --- simplify, derive ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("(+ 2 3)", "5"),
        ("(+ x x)", "(* 2 x)"),
        ("(* x x)", "(^ x 2)"),
        ("(+ 3 x)", "(+ x 3)"),
        ("(* 2 (+ x 1))", "(+ (* 2 x) 2)"),
        ("(- x x)", "0"),
        ("(* 1 (+ 0 x))", "x"),
        ("(/ x 2)", "(/ x 2)"),
        ("(sqrt 2)", "(sqrt 2)"),
        ("(sin 0)", "0"),
        ("(exp (ln x))", "x"),
        ("(+ (+ (^ x 2) 1) (* 2 x))", "(+ (+ (^ x 2) (* 2 x)) 1)"),
        ("(derive (^ x 2) x)", "(* 2 x)"),
        ("(integrate (^ x 2) x 0 1)", "1/3"),
    ],
)
def test_simplify(text, canonical):
    s = engine.simplify(text)
    assert s.to_polish() == canonical
    assert engine.simplify(s).to_polish() == canonical  # idempotent


@pytest.mark.parametrize(
    "text, derivative",
    [
        ("(^ x 2)", "(* 2 x)"),
        ("(+ (* 3 (^ x 3)) (* 2 x))", "(+ (* 9 (^ x 2)) 2)"),
        ("(sin x)", "(cos x)"),
        ("(ln x)", "(/ 1 x)"),
        ("(exp (* 3 x))", "(* 3 (exp (* 3 x)))"),
        ("(* x (sin x))", "(+ (* x (cos x)) (sin x))"),
    ],
)
def test_derive(text, derivative):
    assert engine.derive(text, "x").to_polish() == derivative


def test_derivatives_agree_with_sympy():
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    cases = {
        "(* (sin x) (exp x))": sympy.sin(x) * sympy.exp(x),
        "(/ (^ x 3) (+ x 1))": x**3 / (x + 1),
        "(ln (+ (^ x 2) 1))": sympy.log(x**2 + 1),
        "(sqrt (+ (* 2 x) 5))": sympy.sqrt(2 * x + 5),
        "(tan (* 3 x))": sympy.tan(3 * x),
        "(^ x x)": x**x,
        "(log x)": sympy.log(x, 10),
    }
    for text, ref in cases.items():
        d = engine.derive(text, "x")
        dref = sympy.diff(ref, x)
        for point in (0.3, 0.7, 1.9):
            assert engine.evaluate(d, {"x": point}) == pytest.approx(float(dref.subs(x, point)), rel=1e-9)


# --- antiderivative, integrate ------------------------------------------------


def test_antiderivative_and_integrate():
    assert engine.antiderivative("(^ x 2)", "x").to_polish() == "(/ (^ x 3) 3)"
    assert engine.antiderivative("(/ 1 x)", "x").to_polish() == "(ln (abs x))"
    assert engine.antiderivative("(* x (exp x))", "x") is None
    for text in ["(+ (* 3 (^ x 2)) 1)", "(cos (* 2 x))", "(exp (- (* 2 x) 1))", "(/ 1 (+ x 2))", "(^ 2 x)"]:
        f = engine.antiderivative(text, "x")
        assert engine.equivalent(engine.derive(f, "x"), text), text
    assert engine.integrate("(^ x 2)", "x", 0, 1) == 1 / 3
    assert engine.integrate("(sin x)", "x", 0, math.pi) == pytest.approx(2.0, abs=1e-12)
    assert engine.integrate("(* x (exp x))", "x", 0, 1) == pytest.approx(1.0, abs=1e-12)  # by quadrature
    value, err = engine.quadrature("(exp (neg (^ x 2)))", "x", -3, 3)
    assert value == pytest.approx(math.sqrt(math.pi) * math.erf(3), abs=1e-12) and err < 1e-9
    with pytest.raises(GraphemeError, match="pole"):
        engine.integrate("(/ 1 x)", "x", -1, 1)


# --- solve --------------------------------------------------------------------


def test_solve():
    assert engine.solve("(= (+ (* 2 x) 5) 13)", "x") == [4.0]
    assert engine.solve("(= (^ x 2) 4)", "x") == [-2.0, 2.0]
    assert engine.solve("(= (^ x 2) -1)", "x") == []
    assert engine.solve("(- (^ x 2) 2)", "x") == pytest.approx([-math.sqrt(2), math.sqrt(2)])
    roots = engine.solve("(= (* (* (- x 1) (- x 2)) (- x 3)) 0)", "x")
    assert roots == pytest.approx([1.0, 2.0, 3.0], abs=1e-12)
    assert engine.solve("(= (exp x) 2)", "x") == pytest.approx([math.log(2)])
    for text in ["(= (* (^ x 3) 2) (+ x 7))", "(= (sin x) 0.5)", "(= (+ (exp x) x) 3)"]:
        roots = engine.solve(text, "x")
        assert roots
        for r in roots:
            residual = engine.evaluate(engine.parse(text.replace("(=", "(-", 1)), {"x": r})
            assert abs(residual) < 1e-8, (text, r, residual)
    with pytest.raises(GraphemeError, match="every value"):
        engine.solve("(= x x)", "x")


# --- equivalent, run ----------------------------------------------------------


def test_equivalent():
    assert engine.equivalent("(* 2 x)", "(+ x x)")
    assert not engine.equivalent("(* 2 x)", "(* 3 x)")
    assert engine.equivalent("(/ (^ x 2) x)", "x")
    assert engine.equivalent("(* 2 (cos (* 2 x)))", engine.derive("(sin (* 2 x))", "x"))
    assert engine.equivalent("(+ x y)", "(+ y x)")
    assert engine.equivalent("(+ 1 2)", "3")
    assert not engine.equivalent("(ln (neg (^ x 2)))", "(ln (neg (^ x 2)))")  # undefined everywhere


def test_run_every_form():
    assert engine.run("(+ 2 3)") == 5.0
    d = engine.run("(derive (^ x 2) x)")
    assert isinstance(d, Expr) and d.to_polish() == "(* 2 x)"
    assert engine.run("(integrate (^ x 2) x 0 1)") == pytest.approx(1 / 3)
    assert engine.run("(solve (= (+ (* 2 x) 5) 13) x)") == [4.0]
    assert engine.run("(integrate (cos x) x)").to_polish() == "(sin x)"
    assert engine.run("(+ x x)").to_polish() == "(* 2 x)"


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "empty input"),
        ("   ", "empty input"),
        ("(+ 1 2", "never closed"),
        ("(+ 1 2))", r"unexpected '\)' at byte 7"),
        ("()", "empty list"),
        ("(foo 1 2)", "unknown operator 'foo' at byte 1"),
        ("(^ 1 2 3)", "wrong number of arguments"),
        ("(sin)", "wrong number of arguments"),
        ("(/ 1 0)", "division by zero"),
        ("(+ 1 (/ 2 (- 3 3)))", "division by zero.*byte 5"),
        ("(ln 0)", "domain error"),
        ("(+ 1 (ln 0))", "domain error.*byte 5"),
        ("(sqrt (neg 4))", "domain error"),
        ("(^ -8 1/2)", "domain error"),
        ("(^ 10 100000000)", "overflow"),
        ("99999999999999999999", "does not fit"),
        ("(+ x 1)", "unbound symbol 'x'"),
        ("(+ 1 @)", "unexpected token '@' at byte 5"),
        ("(derive x 2)", "variable"),
    ],
)
def test_bad_input_raises_with_what_and_where(text, match):
    with pytest.raises(GraphemeError, match=match):
        engine.evaluate(text)


def test_graphemeerror_is_a_valueerror():
    with pytest.raises(ValueError):
        engine.parse("(")


def test_limits_fail_fast():
    for text in ["(" * 100_000, "(neg " * 100_000 + "1" + ")" * 100_000, "(+ 1 " * 100_000]:
        with pytest.raises(GraphemeError):
            engine.parse(text)
    with pytest.raises(GraphemeError, match="nested deeper"):
        engine.parse("(neg " * 100_000 + "1" + ")" * 100_000)
    ok = "(neg " * (engine.MAX_DEPTH - 1) + "1" + ")" * (engine.MAX_DEPTH - 1)
    assert engine.evaluate(ok) == (-1.0 if (engine.MAX_DEPTH - 1) % 2 else 1.0)
    deep_json = "[" * 100_000
    with pytest.raises(GraphemeError):
        Expr.from_json(deep_json)
    with pytest.raises(GraphemeError, match="overflow"):
        engine.simplify("(^ 10 100000000)")
    with pytest.raises(GraphemeError):
        engine.parse("1" * 2_000_000)
    with pytest.raises(TypeError):
        engine.evaluate(42)


def test_random_garbage_never_crashes():
    rng = random.Random(0)
    alphabet = "()+-*/^ x2.5=/ sin ln sqrt neg mod derive integrate solve e pi"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for fn in (engine.evaluate, engine.simplify, engine.run):
            try:
                fn(text)
            except GraphemeError:
                pass


def test_works_from_threads():
    results = []

    def work():
        results.append(engine.derive("(* x (sin x))", "x").to_polish())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["(+ (* x (cos x)) (sin x))"] * 4


MALFORMED = ["", "(+ 1 2", "(+ 1 2))", "()", "(foo 1 2)", "(^ 1 2 3)", "(sin)"]
UNDEFINED = [
    "(/ 1 0)",
    "(mod 5 0)",
    "(ln 0)",
    "(sqrt (neg 4))",
    "(^ 10 100000000)",
    "(^ 2 (^ 2 (^ 2 (^ 2 (^ 2 10)))))",
    "(exp 1000)",
    "(* 1e308 10)",
    "(+ (* x 0) (/ 1 0))",
]
ENTRY_POINTS = {
    "evaluate": engine.evaluate,
    "simplify": engine.simplify,
    "run": engine.run,
    "derive": lambda t: engine.derive(t, "x"),
    "antiderivative": lambda t: engine.antiderivative(t, "x"),
    "integrate": lambda t: engine.integrate(t, "x", 0, 1),
    "solve": lambda t: engine.solve(t, "x"),
}


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_bad_input_fails_through_every_entry_point(name):
    fn = ENTRY_POINTS[name]
    for text in MALFORMED + UNDEFINED:
        with pytest.raises(GraphemeError):
            fn(text)
    for text in MALFORMED:
        with pytest.raises(GraphemeError):
            engine.equivalent(text, "1")
    for text in UNDEFINED:  # defined nowhere: never equivalent to anything
        assert engine.equivalent(text, "1") is False


@pytest.mark.parametrize("text", ["(exp 1000)", "(^ 2 100000)", "(^ 2.0 5000)", "(* 1e308 10)"])
def test_overflow_is_an_error_not_infinity(text):
    with pytest.raises(GraphemeError, match="overflow"):
        engine.evaluate(text)


def test_hostile_input_fails_fast_in_a_fresh_interpreter():
    """Deep nesting, huge exponents and deep JSON in a child process: each raises
    GraphemeError within a second and the interpreter survives (no stack overflow)."""
    import subprocess
    import sys

    code = r'''
import time
from grapheme_lab import engine, GraphemeError
from grapheme_lab.engine import Expr
cases = ["(" * 100_000, ")" * 100_000, "(neg " * 100_000 + "1" + ")" * 100_000, "(+ 1 " * 100_000,
         "(^ 10 100000000)", "(^ 2 (^ 2 (^ 2 (^ 2 (^ 2 10)))))", "9" * 2_000_000]
calls = [engine.parse, engine.evaluate, engine.simplify, engine.run, lambda t: engine.derive(t, "x"),
         lambda t: engine.integrate(t, "x", 0, 1), lambda t: engine.solve(t, "x")]
worst = 0.0
for text in cases:
    valid_text = text.startswith("(^")  # parses; fails when evaluated
    for call in calls[1:] if valid_text else calls:
        t0 = time.perf_counter()
        try:
            call(text)
        except GraphemeError:
            pass
        else:
            raise SystemExit(f"no error for {text[:30]!r}")
        worst = max(worst, time.perf_counter() - t0)
for doc in ["[" * 100_000, '{"UnaryOp":{"op":"Neg","operand":' * 50_000]:
    try:
        Expr.from_json(doc)
    except GraphemeError:
        pass
    else:
        raise SystemExit("deep JSON accepted")
print(f"ok {worst:.3f}")
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok ")
    assert float(proc.stdout.split()[1]) < 1.0  # generous: a hang or quadratic blow-up would be far slower
