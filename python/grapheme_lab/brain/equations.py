"""Level 7's linear equations as a first step the brain can write, then reduce like level 2.

``(solve (= L R) x)`` with ``f = L - R`` linear in ``x`` has the root ``f(0) / (f(0) - f(1))``.
The first step writes it with the variable substituted, the equation's sides copied:

    (solve (= (+ (* -14 x) -22) -1) x)
    -> (/ (- (+ (* -14 0) -22) -1) (- (- (+ (* -14 0) -22) -1) (- (+ (* -14 1) -22) -1)))

and the steps after it are arithmetic the first levels teach (``vocab.reduction_lines``).
After 6 minutes of the full config, 75% of the linear rows came out right this way,
against 21% answered at once (docs/training.md). Equations
that are not linear (quadratics, ``exp``, ``sqrt``) have no such step: their answer is
written at once.

Trees are ``vocab``'s nested tuples with Fraction leaves; the variable is its name (a str).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

Polynomial = dict[int, Fraction]  # degree -> coefficient, no zero coefficients


def _add(p: Polynomial, q: Polynomial, sign: int = 1) -> Polynomial:
    out = dict(p)
    for d, c in q.items():
        out[d] = out.get(d, Fraction(0)) + sign * c
    return {d: c for d, c in out.items() if c}


def _mul(p: Polynomial, q: Polynomial) -> Polynomial:
    out: Polynomial = {}
    for d, c in p.items():
        out = _add(out, {d + e: c * k for e, k in q.items()})
    return out


def polynomial(tree: Any, var: str) -> Polynomial | None:
    """``tree`` as a polynomial in ``var``, or None when it is not one (another symbol, a
    function, a division by the variable, a power that is not a small natural number)."""
    if isinstance(tree, Fraction):
        return {0: tree} if tree else {}
    if isinstance(tree, str):
        return {1: Fraction(1)} if tree == var else None
    op, args = tree[0], [polynomial(a, var) for a in tree[1:]]
    if any(a is None for a in args):
        return None
    if op == "neg":
        return {d: -c for d, c in args[0].items()}
    if op in ("+", "-"):
        return _add(args[0], args[1], 1 if op == "+" else -1)
    if op == "*":
        return _mul(args[0], args[1])
    if op == "/" and set(args[1]) == {0}:
        return {d: c / args[1][0] for d, c in args[0].items()}
    if op == "^" and isinstance(n := tree[2], Fraction) and n.denominator == 1 and 0 <= n <= 8:
        out: Polynomial = {0: Fraction(1)}
        for _ in range(int(n)):
            out = _mul(out, args[0])
        return out
    return None


def substitute(tree: Any, var: str, value: Fraction) -> Any:
    if isinstance(tree, str):
        return value if tree == var else tree
    if isinstance(tree, Fraction):
        return tree
    return (tree[0], *(substitute(c, var, value) for c in tree[1:]))


def root_step(tree: Any) -> tuple[Any, Fraction] | None:
    """The first step of ``(solve (= L R) x)`` when ``L - R`` is linear in ``x`` (the module's
    docstring) and the root it comes to, or None."""
    if isinstance(tree, (Fraction, str)) or tree[0] != "solve" or not isinstance(tree[2], str):
        return None
    equation, var = tree[1], tree[2]
    if isinstance(equation, (Fraction, str)) or equation[0] != "=":
        return None
    left, right = polynomial(equation[1], var), polynomial(equation[2], var)
    if left is None or right is None:
        return None
    f = _add(left, right, -1)
    if set(f) - {0} != {1}:
        return None
    at = [("-", substitute(equation[1], var, Fraction(v)), substitute(equation[2], var, Fraction(v))) for v in (0, 1)]
    return ("/", at[0], ("-", at[0], at[1])), -f.get(0, Fraction(0)) / f[1]
