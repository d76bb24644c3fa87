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
"""

from __future__ import annotations

from collections.abc import Sequence

from grapheme_lab import _core
from grapheme_lab.engine import Bindings, ExprLike, _bindings

__all__ = ["OPERATORS", "CONSTANTS", "trace", "step", "sites", "check_step", "corrections"]

#: Every operator and function the engine knows, with its arity as the curriculum writes
#: it, in a fixed order (the brain's token ids follow it).
OPERATORS: dict[str, int] = dict(_core.ENGINE_OPERATORS)
#: The constants the engine knows by name.
CONSTANTS: tuple[str, ...] = tuple(_core.ENGINE_CONSTANTS)


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
