"""Our Rust generator beside a SymPy-based generator of the same 7 levels, in one script.

    python benches/generate_peer.py [--rows 20000] [--peer-rows 300] [--peer-seconds 20]

The SymPy generator below is a real generator, written the way one would
write it in Python: the same level samplers as rust/generator/sample.rs
(same operators, ranges and depths; the main branches of each), uniqueness by
a canonical form (``+``/``*`` operands sorted), a hash split, and the same
row schema. Every row is answered by SymPy and checked by an independent
route, as ours are:

| level | SymPy answer                       | independent check                               |
|-------|------------------------------------|-------------------------------------------------|
| 1-4   | exact SymPy value (``evalf``)      | float evaluation of the tree with ``math``      |
| 5     | ``sympy.diff`` (printed as Polish) | 5-point differences of ``lambdify(f)`` vs ``lambdify(f')`` at >= 3 of 14 points (unreliable points skipped) |
| 6     | ``sympy.integrate(f, (x, lo, hi))``| ``scipy.integrate.quad`` of ``lambdify(f)``      |
| 7     | ``sympy.solve`` (real roots)       | the planted roots, and substitution of every root |

Both sides produce the same thing: each row as a JSON line with its split.
Ours: ``grapheme_lab.generate.iter_chunks(L, rows, threads=1)`` (one thread, as SymPy
has), timed in the same process (median of 3, after a warm-up; SymPy gets a
warm-up too), plus a column with all cores. SymPy's cache
is left on (it is how SymPy runs; it only helps SymPy). The figure per level
is rows/s on each side and their ratio, by wall clock and by CPU time
(``time.process_time``: steadier on a shared machine); target: level 5 >= 100x.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sympy  # noqa: E402
from scipy.integrate import quad  # noqa: E402

from grapheme_lab import generate  # noqa: E402
from polish_sympy import Tree, polish, symbol, to_sympy  # noqa: E402

MAX_ANSWER = 1e6


def pick(rng: random.Random, items: list[tuple[int, Any]]) -> Any:
    return rng.choices([v for _, v in items], weights=[w for w, _ in items])[0]


def nonzero(rng: random.Random, lo: int, hi: int) -> int:
    while True:
        v = rng.randint(lo, hi)
        if v:
            return v


def scaled(c: int, t: Tree) -> Tree:
    return t if c == 1 else ("neg", t) if c == -1 else ("*", c, t)


def small_ratio(rng: random.Random) -> Fraction:
    q = rng.randint(2, 9)
    while True:
        p = rng.randint(-20, 20)
        if p % q:
            return Fraction(p, q)


# ------------------------------------------------------------ float evaluation (independent check)

_F1 = {
    "neg": lambda a: -a,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "exp": math.exp,
    "ln": math.log,
    "log": math.log10,
    "sqrt": math.sqrt,
    "abs": abs,
    "floor": math.floor,
    "ceil": math.ceil,
}
_F2 = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "^": lambda a, b: a**b,
    "mod": lambda a, b: a - b * math.floor(a / b),
}


def fvalue(t: Tree, env: dict[str, float]) -> float:
    if isinstance(t, tuple):
        args = [fvalue(a, env) for a in t[1:]]
        v = (_F1[t[0]] if len(args) == 1 else _F2[t[0]])(*args)
        if isinstance(v, complex):
            raise ValueError("complex")
        return float(v)
    if isinstance(t, str):
        return {"pi": math.pi, "e": math.e}.get(t, env.get(t, math.nan))
    return float(t)


def value_ok(t: Tree, env: dict[str, float] = {}) -> bool:
    try:
        v = fvalue(t, env)
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    return math.isfinite(v) and abs(v) <= MAX_ANSWER


def size(t: Tree) -> int:
    return 1 + sum(size(a) for a in t[1:]) if isinstance(t, tuple) else 1


def symbols(t: Tree) -> set[str]:
    if isinstance(t, tuple):
        return set().union(*(symbols(a) for a in t[1:]))
    return {t} if isinstance(t, str) and t not in ("pi", "e") else set()


# ------------------------------------------------------------ samplers (as rust/generator/sample.rs)


def level1(rng: random.Random) -> Optional[Tree]:
    def operand() -> int:
        k = pick(rng, [(50, 0), (30, 1), (20, 2)])
        return rng.randint(0, 20) if k == 0 else rng.randint(-100, 100) if k == 1 else rng.randint(100, 999)

    op = pick(rng, [(25, "+"), (22, "-"), (20, "*"), (15, "/"), (7, "mod"), (8, "^"), (3, "neg")])
    if op == "neg":
        t: Tree = ("neg", operand())
    elif op in "+-":
        t = (op, operand(), operand())
    elif op == "*":
        t = ("*", rng.randint(-30, 30), rng.randint(-200, 200) if rng.random() < 0.2 else rng.randint(-30, 30))
    elif op == "/":
        if rng.random() < 0.5:
            b = nonzero(rng, -12, 12)
            t = ("/", b * rng.randint(-25, 25), b)
        else:
            t = ("/", rng.randint(-100, 100), nonzero(rng, -20, 20))
    elif op == "mod":
        t = ("mod", rng.randint(0, 200), rng.randint(2, 13))
    else:
        t = ("^", rng.randint(-10, 10), rng.randint(0, 4)) if rng.random() < 0.7 else ("^", rng.randint(2, 3), rng.randint(5, 10))
    return t if value_ok(t) else None


def leaf2(rng: random.Random) -> Tree:
    k = pick(rng, [(60, 0), (25, 1), (15, 2)])
    return rng.randint(1, 12) if k == 0 else rng.randint(0, 20) if k == 1 else rng.randint(-20, -1)


def arith_tree(rng: random.Random, depth: int, p_leaf: float, leaf: Callable[[random.Random], Tree]) -> Tree:
    if depth == 0 or rng.random() < p_leaf:
        return leaf(rng)
    k = pick(rng, [(30, "+"), (24, "-"), (24, "*"), (12, "/"), (5, "neg"), (5, "sq")])
    if k == "neg":
        return ("neg", arith_tree(rng, depth - 1, p_leaf, leaf))
    if k == "sq":
        return ("^", arith_tree(rng, depth - 1, max(p_leaf, 0.5), leaf), rng.randint(2, 3))
    return (k, arith_tree(rng, depth - 1, p_leaf, leaf), arith_tree(rng, depth - 1, p_leaf, leaf))


def level2(rng: random.Random) -> Optional[Tree]:
    depth = pick(rng, [(40, 2), (40, 3), (20, 4)])
    op = pick(rng, [(30, "+"), (25, "-"), (30, "*"), (15, "/")])
    t = (op, arith_tree(rng, depth - 1, 0.3, leaf2), arith_tree(rng, depth - 1, 0.3, leaf2))
    nested = isinstance(t[1], tuple) or isinstance(t[2], tuple)
    return t if nested and size(t) <= 25 and value_ok(t) else None


NAMES = ["x", "y", "z", "a", "b", "n", "t", "w"]


def level3(rng: random.Random) -> Optional[tuple[Tree, list]]:
    k = pick(rng, [(50, 1), (35, 2), (15, 3)])
    names = ["x", "y", "z"][:k] if rng.random() < 0.6 else rng.sample(NAMES, k)
    depth = pick(rng, [(20, 1), (45, 2), (35, 3)])

    def leaf(r: random.Random) -> Tree:
        if r.random() < 0.5:
            return r.choice(names)
        return r.randint(1, 9) if r.random() < 0.7 else r.randint(-12, 20)

    op = pick(rng, [(30, "+"), (25, "-"), (30, "*"), (15, "/")])
    t = (op, arith_tree(rng, depth - 1, 0.35, leaf), arith_tree(rng, depth - 1, 0.35, leaf))
    syms = sorted(symbols(t))
    if not syms or size(t) > 21:
        return None

    def bval() -> float:
        k = pick(rng, [(65, 0), (25, 1), (10, 2)])
        return float(rng.randint(-10, 10)) if k == 0 else rng.randint(-19, 19) / 2 if k == 1 else rng.randint(-20, 20) / 4

    bindings = [[s, bval()] for s in syms]
    return (t, bindings) if value_ok(t, dict(bindings)) else None


def pi_multiple(rng: random.Random) -> Tree:
    m, k = rng.choice([2, 3, 4, 6, 12]), nonzero(rng, -5, 5)
    return pick(rng, [(15, "pi"), (35, ("/", "pi", m)), (15, ("*", k, "pi")), (35, ("*", k, ("/", "pi", m)))])


def arith_small(rng: random.Random) -> Tree:
    leaf = lambda r: r.randint(-9, 12)  # noqa: E731
    return (rng.choice("+-*/"), arith_tree(rng, 1, 0.5, leaf), arith_tree(rng, 1, 0.6, leaf))


def func_term(rng: random.Random, nest: int) -> Tree:
    f = pick(rng, [(14, "sin"), (14, "cos"), (6, "tan"), (12, "exp"), (12, "ln"), (7, "log"), (14, "sqrt"), (9, "abs"), (6, "floor"), (6, "ceil")])
    inner = lambda: func_term(rng, nest - 1) if nest > 0 else arith_small(rng)  # noqa: E731
    if f in ("sin", "cos", "tan"):
        k = pick(rng, [(8, 0), (45, 1), (20, 2), (27, 3)])
        arg = 0 if k == 0 else pi_multiple(rng) if k == 1 else (rng.randint(-4, 4) if rng.random() < 0.5 else small_ratio(rng)) if k == 2 else inner()
    elif f == "exp":
        k = pick(rng, [(40, 0), (15, 1), (15, 2), (30, 3)])
        arg = rng.randint(-3, 4) if k == 0 else ("ln", rng.randint(1, 20)) if k == 1 else small_ratio(rng) if k == 2 else inner()
    elif f == "ln":
        k = pick(rng, [(35, 0), (25, 1), (15, 2), (25, 3)])
        arg = rng.randint(1, 100) if k == 0 else ("^", "e", rng.randint(-3, 5)) if k == 1 else ("/", rng.randint(1, 20), rng.randint(2, 9)) if k == 2 else inner()
    elif f == "log":
        k = pick(rng, [(40, 0), (30, 1), (30, 2)])
        arg = ("^", 10, rng.randint(-3, 6)) if k == 0 else rng.randint(1, 1000) if k == 1 else inner()
    elif f == "sqrt":
        k = pick(rng, [(45, 0), (25, 1), (30, 2)])
        arg = rng.randint(0, 20) ** 2 if k == 0 else rng.randint(0, 200) if k == 1 else inner()
    elif f == "abs":
        arg = rng.randint(-50, 50) if rng.random() < 0.4 else inner()
    else:
        arg = small_ratio(rng) if rng.random() < 0.5 else arith_small(rng)
    return (f, arg)


def level4(rng: random.Random) -> Optional[Tree]:
    nest = pick(rng, [(60, 0), (40, 1)])
    if rng.random() < 0.45:
        t = func_term(rng, nest)
    else:
        leaf = lambda r: func_term(r, nest) if r.random() < 0.7 else r.randint(-9, 12)  # noqa: E731
        depth = pick(rng, [(70, 1), (30, 2)])
        op = pick(rng, [(30, "+"), (25, "-"), (30, "*"), (15, "/")])
        t = (op, arith_tree(rng, depth - 1, 0.4, leaf), arith_tree(rng, depth - 1, 0.4, leaf))
        if not any(isinstance(s, tuple) and s[0] in _F1 and s[0] != "neg" for s in walk(t)):
            return None
    return t if size(t) <= 25 and value_ok(t) else None


def walk(t: Tree):
    yield t
    if isinstance(t, tuple):
        for a in t[1:]:
            yield from walk(a)


def linear(rng: random.Random, v: str) -> Tree:
    k, m = nonzero(rng, -5, 6), nonzero(rng, -9, 9)
    kind = pick(rng, [(30, 0), (30, 1), (20, 2), (20, 3)])
    if kind == 0:
        return v
    if kind == 1:
        return scaled(k, v)
    if kind == 2:
        return ("+", v, m) if m > 0 else ("-", v, -m)
    return ("+", scaled(k, v), m)


def diff_tree(rng: random.Random, v: str, depth: int) -> Tree:
    if depth == 0:
        k = pick(rng, [(55, 0), (20, 1), (25, 2)])
        return v if k == 0 else rng.randint(1, 9) if k == 1 else linear(rng, v)
    k = pick(rng, [(22, 0), (20, 1), (8, 2), (20, 3), (30, 4)])
    if k == 0:
        a, b = diff_tree(rng, v, depth - 1), diff_tree(rng, v, depth - 1)
        return ("+" if rng.random() < 0.6 else "-", a, b)
    if k == 1:
        if rng.random() < 0.45:
            return ("*", nonzero(rng, -9, 9), diff_tree(rng, v, depth - 1))
        return ("*", diff_tree(rng, v, depth - 1), diff_tree(rng, v, depth - 1))
    if k == 2:
        den = linear(rng, v) if rng.random() < 0.6 else diff_tree(rng, v, depth - 1)
        return ("/", diff_tree(rng, v, depth - 1), den)
    if k == 3:
        if rng.random() < 0.6:
            return ("^", v, rng.randint(2, 6))
        return ("^", diff_tree(rng, v, depth - 1), rng.randint(2, 3))
    f = pick(rng, [(24, "sin"), (24, "cos"), (20, "exp"), (14, "ln"), (12, "sqrt"), (6, "tan")])
    return (f, linear(rng, v) if rng.random() < 0.55 else diff_tree(rng, v, depth - 1))


def pick_var(rng: random.Random) -> str:
    return pick(rng, [(70, "x"), (10, "t"), (10, "y"), (10, "z")])


def level5(rng: random.Random) -> Optional[Tree]:
    v = pick_var(rng)
    f = diff_tree(rng, v, pick(rng, [(25, 1), (45, 2), (30, 3)]))
    if v not in symbols(f) or size(f) > 16 or not isinstance(f, tuple):
        return None
    return ("derive", f, v)


def coefficient(rng: random.Random) -> Tree:
    return nonzero(rng, -9, 9) if rng.random() < 0.8 else small_ratio(rng)


def level6(rng: random.Random) -> Optional[Tree]:
    v = pick_var(rng)
    kinds, terms = [], []
    for _ in range(pick(rng, [(45, 1), (40, 2), (15, 3)])):
        kind = pick(rng, [(34, "pow"), (12, "sin"), (12, "cos"), (12, "exp"), (8, "recip"), (6, "sqrt"), (8, "linpow"), (4, "xexp"), (4, "xtrig")])
        kinds.append(kind)
        if kind == "pow":
            n = rng.randint(0, 5)
            body: Tree = coefficient(rng) if n == 0 else v if n == 1 else ("^", v, n)
        elif kind in ("sin", "cos", "exp"):
            k = nonzero(rng, -4, 4) if kind != "exp" else nonzero(rng, -2, 2)
            body = (kind, v if k == 1 else ("*", k, v))
        elif kind == "recip":
            a = rng.randint(0, 3)
            body = ("/", coefficient(rng), v if a == 0 else ("+", v, a))
        elif kind == "sqrt":
            body = ("sqrt", v)
        elif kind == "linpow":
            body = ("^", ("+", scaled(nonzero(rng, -3, 3), v), nonzero(rng, -4, 4)), rng.randint(2, 3))
        elif kind == "xexp":
            body = ("*", v, ("exp", v))
        else:
            body = ("*", v, (rng.choice(["sin", "cos"]), v))
        terms.append(body if rng.random() < 0.3 else ("*", coefficient(rng), body))
    f = terms.pop()
    while terms:
        f = ("+" if rng.random() < 0.7 else "-", terms.pop(), f)
    if all(k in ("sin", "cos") for k in kinds) and rng.random() < 0.3:
        hi = rng.choice(["pi", ("/", "pi", 2), ("/", "pi", rng.randint(3, 6)), ("*", 2, "pi")])
        lo: Tree = 0 if rng.random() < 0.8 else ("neg", ("/", "pi", rng.randint(2, 4)))
    else:
        halves = rng.random() < 0.15
        step = 1 if halves else 2
        lo_min = 1 if "recip" in kinds else 0 if "sqrt" in kinds else -3
        lo2 = rng.randint(lo_min * 2 // step, 3 * 2 // step) * step
        hi2 = lo2 + rng.randint(1, 8 // step) * step
        half = lambda t: t // 2 if t % 2 == 0 else ("/", t, 2)  # noqa: E731
        lo, hi = half(lo2), half(hi2)
    return ("integrate", f, v, lo, hi) if size(f) <= 24 else None


def level7(rng: random.Random) -> Optional[tuple[Tree, list[float]]]:
    v = pick_var(rng)
    kind = pick(rng, [(38, 0), (40, 1), (22, 2)])
    if kind == 0:
        if rng.random() < 0.75:
            p, q = rng.randint(-15, 15), 1
        else:
            q = rng.randint(2, 5)
            p = rng.choice([p for p in range(-20, 21) if p % q])
            g = math.gcd(p, q)
            p, q = p // g, q // g
        a1, b1 = nonzero(rng, -12, 12) * q, rng.randint(-30, 30)
        lhs: Tree = ("+", scaled(a1, v), b1)
        rhs: Tree = a1 // q * p + b1
        roots = [p / q]
    elif kind == 1:
        if rng.random() < 0.75:
            r1 = rng.randint(-9, 9)
            r2 = r1 if rng.random() < 0.1 else rng.randint(-9, 9)
            a = nonzero(rng, -4, 4)
            b, c = -a * (r1 + r2), a * r1 * r2
            lhs, rhs = ("+", ("+", scaled(a, ("^", v, 2)), ("*", b, v)), c), 0
            roots = sorted({float(r1), float(r2)})
        else:
            h = rng.randint(-6, 6)
            k = rng.choice([k for k in range(2, 31) if math.isqrt(k) ** 2 != k])
            a = rng.randint(1, 3)
            lhs, rhs = scaled(a, ("^", ("-", v, h), 2)), a * k
            roots = [h - math.sqrt(k), h + math.sqrt(k)]
    else:
        k2 = pick(rng, [(25, 0), (20, 1), (25, 2), (20, 3), (10, 4)])
        if k2 == 0:
            b, k = rng.randint(-3, 3), rng.randint(1, 50)
            lhs, rhs, roots = ("exp", ("+", v, b)), k, [math.log(k) - b]
        elif k2 == 1:
            b, k = rng.randint(-5, 5), rng.randint(-2, 3)
            lhs, rhs, roots = ("ln", ("+", v, b)), k, [math.exp(k) - b]
        elif k2 == 2:
            a, k, b = rng.randint(1, 4), rng.randint(1, 9), rng.randint(-10, 10)
            lhs, rhs, roots = ("sqrt", ("+", scaled(a, v), b)), k, [(k * k - b) / a]
        elif k2 == 3:
            r = rng.sample(range(-5, 6), 3)
            s1, s2, s3 = sum(r), r[0] * r[1] + r[1] * r[2] + r[0] * r[2], r[0] * r[1] * r[2]
            lhs, rhs, roots = ("+", ("+", ("+", ("^", v, 3), ("*", -s1, ("^", v, 2))), ("*", s2, v)), -s3), 0, sorted(map(float, r))
        else:
            k = nonzero(rng, -6, 6)
            lhs, rhs, roots = ("^", v, 3), k**3, [float(k)]
    return ("solve", ("=", lhs, rhs), v), sorted(roots)


# ------------------------------------------------------------ SymPy answers and checks


def canonical(t: Tree) -> str:
    """+ and * flattened and sorted: the peer's uniqueness key."""
    if not isinstance(t, tuple):
        return polish(t)
    op = t[0]
    if op in ("+", "*"):
        parts: list[str] = []
        stack = list(t[1:])
        while stack:
            a = stack.pop()
            if isinstance(a, tuple) and a[0] == op:
                stack.extend(a[1:])
            else:
                parts.append(canonical(a))
        return f"({op} {' '.join(sorted(parts))})"
    return "(" + " ".join([op, *(canonical(a) for a in t[1:])]) + ")"


def to_polish(e: Any) -> str:
    """A SymPy expression printed as Polish notation (n-ary + and * folded left)."""
    if e.is_Integer:
        return str(int(e))
    if e.is_Rational:
        return f"{e.p}/{e.q}"
    if e.is_Float:
        return repr(float(e))
    if e is sympy.pi:
        return "pi"
    if e is sympy.E:
        return "e"
    if e.is_Symbol:
        return e.name
    names = {sympy.Add: "+", sympy.Mul: "*", sympy.Pow: "^"}
    if e.func in names:
        args = [to_polish(a) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = f"({names[e.func]} {out} {a})"
        return out
    fn = {sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.exp: "exp", sympy.log: "ln", sympy.Abs: "abs"}
    return f"({fn[e.func]} {to_polish(e.args[0])})"


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


DIFF_POINTS = [0.35, 0.7, 1.15, 1.6, 2.3, 2.9, 3.7, 4.6, 6.1, -0.45, -1.25, -2.2, -3.4, -5.3]


def answer(level: int, t: Tree, bindings: list, planted: list[float]) -> Optional[dict]:
    """SymPy's answer to the problem, checked independently; None if rejected."""
    try:
        if level <= 4:
            e = to_sympy(t)
            if bindings:
                e = e.subs({symbol(k): sympy.Rational(v) for k, v in bindings})
            if e.has(sympy.zoo, sympy.nan) or not e.is_real:
                return None
            value = float(e.evalf())
            if not math.isfinite(value) or abs(value) > MAX_ANSWER or not close(value, fvalue(t, dict(bindings)), 1e-9):
                return None
            return {"expected_result": value, "expected_symbolic": None}
        if level == 5:
            _, f_tree, v = t
            x = symbol(v)
            f = to_sympy(f_tree)
            d = sympy.diff(f, x)
            text = to_polish(d)
            fl, dl = sympy.lambdify(x, f, "math"), sympy.lambdify(x, d, "math")
            agreeing = 0
            for p in DIFF_POINTS:
                try:
                    h = 1e-3 * max(1.0, abs(p))
                    five_point = lambda h: (fl(p - 2 * h) - 8 * fl(p - h) + 8 * fl(p + h) - fl(p + 2 * h)) / (12 * h)  # noqa: E731
                    fd, coarse = five_point(h / 2), five_point(h)
                    dv = dl(p)
                except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                    continue
                if any(isinstance(v, complex) for v in (fd, coarse, dv)) or not math.isfinite(fd):
                    continue
                if not close(fd, coarse, 1e-7):  # the difference quotient is not reliable here
                    continue
                if not close(fd, dv, 1e-5):
                    return None
                agreeing += 1
            return {"expected_result": None, "expected_symbolic": text} if agreeing >= 3 else None
        if level == 6:
            _, f_tree, v, lo, hi = t
            x = symbol(v)
            f = to_sympy(f_tree)
            lo_s, hi_s = to_sympy(lo), to_sympy(hi)
            value = float(sympy.integrate(f, (x, lo_s, hi_s)).evalf())
            q, _ = quad(sympy.lambdify(x, f, "math"), float(lo_s), float(hi_s), epsabs=1e-12, epsrel=1e-10)
            if not math.isfinite(value) or abs(value) > MAX_ANSWER or not close(q, value, 1e-7):
                return None
            return {"expected_result": value, "expected_symbolic": None}
        _, (_, lhs_t, rhs_t), v = t
        x = symbol(v)
        sols = sympy.solve(sympy.Eq(to_sympy(lhs_t), to_sympy(rhs_t)), x)
        roots = sorted(float(r) for r in sols if r.is_real)
        if not roots or len(roots) != len(planted) or not all(close(a, b, 1e-7) for a, b in zip(roots, planted)):
            return None
        for r in roots:
            if not close(fvalue(lhs_t, {v: r}), fvalue(rhs_t, {v: r}), 1e-7):
                return None
        return {"expected_result": roots[0], "expected_symbolic": None, "solutions": roots}
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, KeyError, NotImplementedError):
        return None


SAMPLERS = {1: level1, 2: level2, 3: level3, 4: level4, 5: level5, 6: level6, 7: level7}


def tree_json(t: Tree) -> Any:
    return [t[0], *(tree_json(a) for a in t[1:])] if isinstance(t, tuple) else polish(t)


def sympy_generate(level: int, rows: int, seconds: float, seed: int = 0) -> tuple[list[dict], float]:
    """Up to ``rows`` verified, unique rows of ``level`` within ``seconds``; (rows, elapsed)."""
    seen: set[str] = set()
    out: list[dict] = []
    t0 = time.perf_counter()
    i = 0
    while len(out) < rows and time.perf_counter() - t0 < seconds:
        rng = random.Random(hash((seed, level, i)))
        i += 1
        drawn = SAMPLERS[level](rng)
        if drawn is None:
            continue
        t, bindings, planted = drawn, [], []
        if level == 3:
            t, bindings = drawn
        elif level == 7:
            t, planted = drawn
        key = canonical(t) + json.dumps(bindings)
        if key in seen:
            continue
        seen.add(key)
        ans = answer(level, t, bindings, planted)
        if ans is None:
            continue
        u = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") / 2**64
        split = "train" if u < 0.9 else "val" if u < 0.95 else "test"
        row = {"id": f"L{level}-{len(out) + 1:05d}", "level": level, "input_polish": polish(t), "input_expr": tree_json(t), **ans, "bindings": bindings}
        out.append({"split": split, "row": json.dumps(row)})
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20000, help="rows per level for our generator")
    ap.add_argument("--peer-rows", type=int, default=300, help="rows per level for the SymPy generator (at most)")
    ap.add_argument("--peer-seconds", type=float, default=20.0, help="time budget per level for the SymPy generator")
    ap.add_argument("--levels", default="1,2,3,4,5,6,7")
    args = ap.parse_args()
    levels = [int(s) for s in args.levels.split(",")]
    cores = os.cpu_count()
    print("rows/s by wall clock and by CPU time (the machine may be shared: CPU time is the steadier figure)")
    print(
        f"{'level':>5} {'ours wall':>11} {'ours CPU':>11} {f'ours {cores}thr':>11} {'SymPy wall':>11} {'SymPy CPU':>11} "
        f"{'rows':>6} {'ratio wall':>10} {'ratio CPU':>10}"
    )
    for lv in levels:
        # Warm-ups (first-call costs on both sides), then ours timed 3 times (median).
        generate.level(lv, 200, seed=99, threads=1)  # (also checks the dict API works)
        sympy_generate(lv, 3, 60.0, seed=99)

        def timed(threads: int) -> tuple[float, float]:
            # JSON lines with their split, as the CLI writes them (the peer makes the same).
            t0, c0 = time.perf_counter(), time.process_time()
            rows = sum(len(chunk) for chunk in generate.iter_chunks(lv, args.rows, seed=0, threads=threads))
            assert rows == args.rows
            return time.perf_counter() - t0, time.process_time() - c0

        runs = [timed(1) for _ in range(3)]
        wall_one, cpu_one = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        wall_all = statistics.median(timed(0)[0] for _ in range(3))
        c0 = time.process_time()
        peer, wall_peer = sympy_generate(lv, args.peer_rows, args.peer_seconds)
        cpu_peer = time.process_time() - c0
        n, m = args.rows, len(peer)
        print(
            f"{lv:>5} {n / wall_one:>11,.0f} {n / cpu_one:>11,.0f} {n / wall_all:>11,.0f} "
            f"{m / wall_peer:>11,.1f} {m / cpu_peer:>11,.1f} {m:>6} "
            f"{(n / wall_one) / (m / wall_peer):>9,.0f}x {(n / cpu_one) / (m / cpu_peer):>9,.0f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
