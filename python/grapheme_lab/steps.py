"""The steps the brain writes, as the engine's rules (Rust): one reduction step of an
expression, the whole trace of a problem, the sites a step rewrites, whether a line is
one legal step of another, and the chains that recover from a wrong quotient.

>>> from grapheme_lab import steps
>>> steps.trace("(+ (* 2 3) (- 7 4))")
['(+ 6 3)', '9']
>>> steps.trace("(/ 16 12)")
['(/ 8 6)', '(/ 4 3)', '4/3']
>>> steps.check_step("(* 2 3)", "7")
Traceback (most recent call last):
    ...
grapheme_lab.GraphemeError: 7 is not a step of (* 2 3): its value is 7, not 6

A step replaces every innermost operation (one whose operands are all numbers) by its
value, or by a rewrite a first-level row teaches (over integers, a split product, a
remainder through its quotient, a quotient cancelled through Euclid's gcd); a row with
bindings is first substituted, and a linear ``solve`` first has its root written as
arithmetic. Numbers are exact. Bad input raises :class:`grapheme_lab.GraphemeError`.

Every level (1-7) goes through :func:`derivation` and :func:`check_derivation`;
irrational values are reached through 10-digit decimals, and a derivative one rule a
``derive`` form at a time, to the engine's simplified derivative:

>>> steps.derivation("(sin (/ pi 6))")
['1/2']
>>> steps.derivation("(solve (= (exp (+ x 3)) 5) x)")[:3]
['(= (+ x 3) (ln 5))', '(= x (- (ln 5) 3))', '(- (ln 5) 3)']
>>> steps.derivation("(derive (sin (* 2 x)) x)")
['(* (cos (* 2 x)) (derive (* 2 x) x))', '(* (cos (* 2 x)) 2)', '(* 2 (cos (* 2 x)))']
"""

from __future__ import annotations

from collections.abc import Sequence

from grapheme_lab import _core
from grapheme_lab.engine import Bindings, ExprLike, _bindings

__all__ = [
    "OPERATORS",
    "CONSTANTS",
    "ROW_TOL",
    "trace",
    "step",
    "sites",
    "check_step",
    "corrections",
    "derivation",
    "check_line",
    "check_derivation",
]

#: Every operator and function the engine knows, with its arity as the curriculum writes
#: it, in a fixed order (the brain's token ids follow it).
OPERATORS: dict[str, int] = dict(_core.ENGINE_OPERATORS)
#: The constants the engine knows by name.
CONSTANTS: tuple[str, ...] = tuple(_core.ENGINE_CONSTANTS)
#: The tolerance of an answer reached through decimals (relative, absolute below 1):
#: a row's ``precision`` is "exact" or this number.
ROW_TOL: float = float(_core.STEPS_ROW_TOL)


def trace(expr: ExprLike, bindings: Bindings = None) -> list[str]:
    """The lines of solving ``expr`` step by step, its value last (none for a number): with
    bindings the substituted expression first, for a linear ``solve`` its root as arithmetic."""
    return _core.steps_trace(expr, _bindings(bindings))


def step(expr: ExprLike) -> str:
    """One step of an expression of numbers: every innermost operation rewritten."""
    return _core.steps_step(expr)


def sites(expr: ExprLike, bound: bool = False) -> list[list[int]]:
    """Paths (child indices from the root) of what a step of ``expr`` rewrites, in prefix
    order: the root of a ``solve``, every symbol when ``bound``, else every innermost operation."""
    return _core.steps_sites(expr, bound)


def check_step(before: ExprLike, after: ExprLike, bindings: Bindings = None) -> None:
    """Raise GraphemeError unless ``after`` is ``before`` with each site rewritten into
    something of the same exact value, and nothing else changed."""
    _core.steps_check(before, after, _bindings(bindings))


def corrections(lines: Sequence[str], miss: int) -> list[list[str]]:
    """Chains that recover from a quotient off by ``miss`` in a trace: each written-out
    remainder's, and the first Euclid step's, each followed by its own reduction."""
    return _core.steps_corrections(list(lines), int(miss))


def derivation(problem: ExprLike, bindings: Bindings = None) -> list[str]:
    """The lines of solving ``problem`` step by step, its value last, for every level:
    arithmetic (1-3), functions of numbers (4: exact values, else a reduction and a
    series in 10-digit decimals), ``(derive f x)`` (5: every ``derive`` form rewritten by
    the rule for its top, sum, product, quotient, power, chain and the rest, until none is
    left, then the engine's simplified derivative, the row's answer), ``(integrate f x a b)`` (6: the
    antiderivative, then ``F(b) - F(a)``), ``(solve ...)`` (7: the root as arithmetic for
    a linear equation, else isolate-and-invert, the quadratic formula, or a cubic with a
    rational root factored out, to the smallest root). Raises GraphemeError for a problem
    with no trace (an integrand with no closed antiderivative, a cubic with no rational
    root, a function no derivative rule covers such as ``floor``)."""
    return _core.steps_derivation(problem, _bindings(bindings))


def check_line(problem: ExprLike, before: ExprLike, after: ExprLike, bindings: Bindings = None) -> None:
    """Raise GraphemeError unless ``after`` is one legal step after the line ``before`` in
    the trace of ``problem`` (``before`` is ``problem`` for the first line)."""
    _core.steps_check_line(problem, before, after, _bindings(bindings))


def check_derivation(problem: ExprLike, lines: Sequence[str], bindings: Bindings = None) -> str | float:
    """Check every line of a trace and that it ends in a number (a derivative: in an
    expression equivalent to the engine's derivative); return its precision: "exact" when
    no line writes a decimal (a derivative: always), else :data:`ROW_TOL`. Raises
    GraphemeError naming the first line at fault."""
    exact, tol = _core.steps_check_derivation(problem, list(lines), _bindings(bindings))
    return "exact" if exact else tol
