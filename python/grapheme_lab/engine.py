"""GRAPHEME's symbolic engine (Rust): parse, print, evaluate, simplify, derive,
integrate and solve Polish-notation s-expressions.

>>> from grapheme_lab import engine
>>> engine.evaluate("(+ (* 2 3) 4)")
10.0
>>> str(engine.derive("(^ x 2)", "x"))
'(* 2 x)'
>>> engine.solve("(= (+ (* 2 x) 5) 13)", "x")
[4.0]

Every function accepts an :class:`Expr` or a string. Bad input raises
:class:`grapheme_lab.GraphemeError` (a ``ValueError``) whose message says what
went wrong and, for text, at which byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Union

from grapheme_lab import _core
from grapheme_lab._core import Expr, GraphemeError

__all__ = [
    "Expr",
    "GraphemeError",
    "ExprLike",
    "MAX_DEPTH",
    "MAX_NODES",
    "parse",
    "evaluate",
    "simplify",
    "derive",
    "antiderivative",
    "integrate",
    "quadrature",
    "solve",
    "equivalent",
    "run",
]

ExprLike = Union[Expr, str]
Bindings = Union[Mapping[str, float], Iterable[tuple[str, float]], None]

#: Deepest nesting of parentheses the parser accepts.
MAX_DEPTH: int = _core.ENGINE_MAX_DEPTH
#: Most nodes in one expression.
MAX_NODES: int = _core.ENGINE_MAX_NODES


def _bindings(bindings: Bindings) -> list[tuple[str, float]]:
    if bindings is None:
        return []
    items = bindings.items() if isinstance(bindings, Mapping) else bindings
    out = []
    for item in items:
        name, value = item
        out.append((str(name), float(value)))
    return out


def parse(text: str) -> Expr:
    """Parse Polish notation, e.g. ``"(+ (* 2 x) 3)"``, into an :class:`Expr`."""
    return _core.engine_parse(text)


def evaluate(expr: ExprLike, bindings: Bindings = None) -> float:
    """The value of ``expr``; ``bindings`` maps free symbols to numbers
    (a dict, or pairs like ``[("x", 2.0)]``). Exact rational arithmetic is used
    internally while it fits in 64 bits."""
    return _core.engine_evaluate(expr, _bindings(bindings))


def simplify(expr: ExprLike) -> Expr:
    """The canonical form: constants folded, like terms collected, ``+``/``*``
    flattened and ordered. Idempotent."""
    return _core.engine_simplify(expr)


def derive(expr: ExprLike, var: str) -> Expr:
    """The simplified derivative of ``expr`` with respect to ``var``."""
    return _core.engine_derive(expr, var)


def antiderivative(expr: ExprLike, var: str) -> Expr | None:
    """An antiderivative (no constant added), or ``None`` when ``expr`` is
    outside the classes integrated in closed form (polynomials, ``(a*x+b)^n``,
    sin/cos/tan/exp/ln of a linear argument, ``c^(a*x+b)``, sums and constant
    multiples of these)."""
    return _core.engine_antiderivative(expr, var)


def integrate(expr: ExprLike, var: str, lo: float, hi: float) -> float:
    """The definite integral over ``[lo, hi]``: exact through the antiderivative
    when there is one, adaptive Gauss-Kronrod quadrature otherwise (which must
    converge to a relative error of 1e-9 or the call fails)."""
    return _core.engine_integrate(expr, var, float(lo), float(hi))


def quadrature(expr: ExprLike, var: str, lo: float, hi: float) -> tuple[float, float]:
    """Adaptive Gauss-Kronrod (7/15) quadrature: ``(value, error_estimate)``."""
    return _core.engine_quadrature(expr, var, float(lo), float(hi))


def solve(equation: ExprLike, var: str) -> list[float]:
    """Real roots of ``(= lhs rhs)`` (or of ``expr = 0``), sorted, each verified
    by substitution. Linear and quadratic equations are solved exactly,
    rational roots of polynomials exactly and the rest by Aberth's method (up to
    degree 64), anything else numerically on [-100, 100]."""
    return _core.engine_solve(equation, var)


def equivalent(a: ExprLike, b: ExprLike) -> bool:
    """Whether ``a`` and ``b`` agree numerically at seeded random points
    (relative tolerance 1e-7; points where either side is undefined are
    skipped, and at least 4 must evaluate on both sides)."""
    return _core.engine_equivalent(a, b)


def run(expr: ExprLike) -> float | Expr | list[float]:
    """Evaluate any form: a number for arithmetic and ``integrate``, an
    :class:`Expr` for ``derive`` (and for expressions with free variables, which
    are simplified), a list of roots for ``solve``."""
    return _core.engine_run(expr)
