"""Polish-notation s-expressions as nested tuples, and their SymPy form.

Used by the peer scripts (engine_peer.py, generate_peer.py) so that SymPy
works on exactly the expressions our engine gets. A tree is an atom (int,
float, ``Fraction``, or a symbol name) or a tuple ``(op, *args)``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Union

import sympy

Tree = Union[int, float, Fraction, str, tuple]

_TOKEN = re.compile(r"\(|\)|[^\s()]+")
_UNARY = {
    "neg": lambda a: -a,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "ln": sympy.log,
    "log": lambda a: sympy.log(a, 10),
    "sqrt": sympy.sqrt,
    "abs": sympy.Abs,
    "floor": sympy.floor,
    "ceil": sympy.ceiling,
}
_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
    "mod": sympy.Mod,
    "=": sympy.Eq,
}


def _atom(tok: str) -> Tree:
    if re.fullmatch(r"-?\d+", tok):
        return int(tok)
    if re.fullmatch(r"-?\d+/\d+", tok):
        return Fraction(tok)
    try:
        return float(tok)
    except ValueError:
        return tok


def parse(text: str) -> Tree:
    """Polish text -> tuple tree."""
    tokens = _TOKEN.findall(text)
    pos = 0

    def read() -> Tree:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok != "(":
            return _atom(tok)
        op = tokens[pos]
        pos += 1
        args = []
        while tokens[pos] != ")":
            args.append(read())
        pos += 1
        return (op, *args)

    return read()


def polish(tree: Tree) -> str:
    """Tuple tree -> Polish text (the engine's printing of numbers)."""
    if isinstance(tree, tuple):
        return "(" + " ".join([tree[0], *(polish(a) for a in tree[1:])]) + ")"
    if isinstance(tree, Fraction):
        return f"{tree.numerator}/{tree.denominator}"
    if isinstance(tree, float):
        return repr(tree)
    return str(tree)


_SYMBOLS: dict[str, sympy.Symbol] = {}


def symbol(name: str) -> sympy.Symbol:
    if name not in _SYMBOLS:
        _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return _SYMBOLS[name]


def to_sympy(tree: Tree) -> Any:
    """Tuple tree -> SymPy expression (evaluated the usual SymPy way)."""
    if isinstance(tree, tuple):
        op, *args = tree
        if op == "derive":
            return sympy.Derivative(to_sympy(args[0]), symbol(args[1]))
        if op == "integrate":
            return sympy.Integral(to_sympy(args[0]), (symbol(args[1]), to_sympy(args[2]), to_sympy(args[3])))
        if op == "solve":
            return to_sympy(args[0])
        vals = [to_sympy(a) for a in args]
        return (_UNARY[op] if len(vals) == 1 else _BINARY[op])(*vals)
    if isinstance(tree, bool):
        raise TypeError("bool in a tree")
    if isinstance(tree, int):
        return sympy.Integer(tree)
    if isinstance(tree, Fraction):
        return sympy.Rational(tree.numerator, tree.denominator)
    if isinstance(tree, float):
        return sympy.Float(tree)
    if tree == "pi":
        return sympy.pi
    if tree == "e":
        return sympy.E
    return symbol(tree)
