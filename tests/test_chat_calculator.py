"""The calculator: infix text as word problems write it, or the engine's Polish form, evaluated
by the engine; never Python's eval; bad input and runaways answer with an error string, fast."""

from __future__ import annotations

import time

import pytest

from grapheme_lab.chat import calculator
from grapheme_lab.chat.calculator import calculate, to_polish
from grapheme_lab.chat.tools import MAX_OUTPUT_CHARS, Tool, ToolRegistry, default_registry


@pytest.mark.parametrize("text, value", [
    ("3*(4+5)/2", "13.5"), ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("10 - 4 - 3", "3"), ("24 / 4 / 2", "3"),
    ("-2^2", "-4"), ("(-2)^2", "4"), ("2^3^2", "512"), ("2**10", "1024"), ("2^-1", "0.5"), ("--3", "3"),
    ("+5", "5"), ("1,000 × 0.5", "500"), ("12 ÷ 4 − 1", "2"), (".5 + 1e-3", "0.501"), ("1/3", "0.3333333333333333"),
    ("sqrt(16) + abs(-2)", "6"), ("floor(2.7) + ceil(2.1)", "5"), ("ln(e)", "1"), ("log(1000)", "3"),
    ("cos(0)", "1"), ("2*pi", "6.283185307179586"), ("  7  ", "7"), ("007", "7"),
    # the Polish form, and what it reaches beyond arithmetic
    ("(/ (* 3 (+ 4 5)) 2)", "13.5"), ("(+ 1 2 3)", "6"), ("(- 3)", "-3"), ("(sqrt 2)", "1.4142135623730951"),
    ("(derive (^ x 2) x)", "(* 2 x)"), ("(solve (= (* 2 x) 4) x)", "[2]"), ("(integrate (^ x 2) x 0 3)", "9"),
])
def test_values(text, value):
    assert calculate(text) == value


def test_infix_becomes_the_engines_polish_form():
    assert to_polish("3*(4+5)/2") == "(/ (* 3 (+ 4 5)) 2)"
    assert to_polish("-x^2".replace("x", "pi")) == "(neg (^ pi 2))"
    assert to_polish("sin(1,234.5e2)") == "(sin 123450.0)"


@pytest.mark.parametrize("text, error", [
    ("", "empty expression"), ("3+", "expected a number"), ("(3+4", "expected ')'"), ("3 4", "unexpected '4'"),
    ("2(3)", "unexpected '('"), ("x + 1", "unknown name 'x'"), ("foo(2)", "unknown name 'foo'"),
    ("sqrt 4", "expected '('"), ("7 % 2", "unexpected character '%'"),
    ("1/0", "division by zero in (/ 1 0)"), ("ln(0)", "domain error"), ("sqrt(-4)", "domain error"),
    ("10^10^10", "overflow"), ("99999999999999999999", "does not fit in 64 bits"), ("1e999", "too large"),
    ("(+ 1 2", "never closed"), ("(foo 1 2)", "unknown name 'foo'"), ("(sin 1 2)", "wrong number"),
    ("(" * 40 + "1" + ")" * 40, "nested deeper than 32"), ("-" * 40 + "1", "nested deeper than 32"),
    ("(+ " * 40 + "1" + " 1)" * 40, "nested deeper than 32"), ("1+" * 300 + "1", "at most 512"),
])
def test_bad_input_is_an_error_string(text, error):
    answer = calculate(text)
    assert answer.startswith("error: ") and error in answer, answer
    assert "(at byte" not in answer or text.startswith("(")  # infix errors do not point into the translation


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo pwned')", "open('/etc/passwd').read()", "[x for x in ()]", "1 if 1 else 2",
    "lambda: 1", "exec('1')", "2;3", "a.b", "{}", "'1'", "1 and 2",
])
def test_python_is_never_run(text, monkeypatch):
    import builtins

    def refuse(*_):
        raise AssertionError("the calculator called eval/exec")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert calculate(text).startswith("error: ")


def test_runaways_end_fast_within_the_engines_budget():
    for text in ["9^9^9^9", "(derive (^ (sin (^ x x)) (^ x x)) x)", "(integrate (sin (/ 1 x)) x 0.0001 1)",
                 "(solve (= (sin (* 1000 x)) 0.5) x)", "(" * 32 + "2^2" + ")" * 32, "1+" * 255 + "1"]:
        start = time.perf_counter()
        answer = calculate(text)
        assert time.perf_counter() - start < 2.0, text
        assert len(answer) <= calculator.MAX_OUTPUT_CHARS + 4


def test_the_registry_routes_named_calls_and_catches_failures():
    registry = default_registry()
    assert registry.call("3*(4+5)/2").output == "13.5"
    assert registry.call("calculator: 2+2").tool == "calculator"

    def broken(_):
        raise RuntimeError("boom")

    registry.register(Tool("echo", "says it back", lambda s: s * 1000))
    registry.register(Tool("broken", "fails", broken))
    echo = registry.call("echo: hi")
    assert echo.tool == "echo" and len(echo.output) == MAX_OUTPUT_CHARS + 4
    result = registry.call("broken: x")
    assert result.output == "error: RuntimeError: boom" and not result.ok
    assert registry.call("unknown: 1").output.startswith("error: unexpected character ':'")  # the default tool's
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Tool("echo", "", str))
    assert ToolRegistry().call("1").output == "error: no tools are available"
