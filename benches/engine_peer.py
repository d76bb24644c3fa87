"""Our engine beside SymPy, in one process, on the curriculum's own expressions.

    python benches/engine_peer.py [--count 200] [--repeats 3]

For each operation both sides get the same expressions, already in their own
form (our ``Expr`` / a SymPy expression), so only the operation is timed:

| operation | ours                     | SymPy                                   |
|-----------|--------------------------|-----------------------------------------|
| parse     | engine.parse(polish)     | sympy.sympify(str(expr)) (its own text) |
| simplify  | engine.simplify          | sympy.expand, and sympy.simplify        |
| derive    | engine.derive            | sympy.diff                              |
| evaluate  | engine.evaluate          | expr.evalf (level 4; level-5 f at a point where it is defined) |
| integrate | engine.integrate         | sympy.integrate(f, (x, lo, hi))         |
| solve     | engine.solve             | sympy.solve (real roots)                |

Inputs are level-4 (evaluate), level-5 (parse, simplify, derive), level-6
(integrate) and level-7 (solve) rows of our generator. SymPy memoises results,
so its cache is cleared before every timed pass; each pass computes every
expression once. The figure is the best of ``--repeats`` passes per side.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sympy  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from grapheme_lab import engine, generate  # noqa: E402
from polish_sympy import parse as parse_tree, polish, symbol, to_sympy  # noqa: E402


def best_time(fn: Callable[[], Any], repeats: int, before: Callable[[], None] = lambda: None) -> float:
    best = float("inf")
    for _ in range(repeats):
        before()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200, help="expressions per operation")
    ap.add_argument("--repeats", type=int, default=3, help="timed passes per side (best is kept)")
    args = ap.parse_args()
    n = args.count

    def rows(level: int) -> list[dict]:
        return generate.level(level, n, seed=1, threads=1)

    l4, l5, l6, l7 = rows(4), rows(5), rows(6), rows(7)
    # Level 5 inputs are (derive f v): f and v.
    fs = [parse_tree(r["input_polish"])[1] for r in l5]
    vs = [parse_tree(r["input_polish"])[2] for r in l5]
    f_texts = [polish(f) for f in fs]
    ours_f = [engine.parse(t) for t in f_texts]
    sym_f = [to_sympy(f) for f in fs]
    sym_f_text = [str(e) for e in sym_f]
    l4_ours = [engine.parse(r["input_polish"]) for r in l4]
    l4_sym = [to_sympy(parse_tree(r["input_polish"])) for r in l4]

    def integrate_parts(r: dict) -> tuple:
        _, f, v, lo, hi = parse_tree(r["input_polish"])
        return f, v, lo, hi

    l6_parts = [integrate_parts(r) for r in l6]
    l6_ours = [(engine.parse(polish(f)), v, engine.evaluate(polish(lo)), engine.evaluate(polish(hi))) for f, v, lo, hi in l6_parts]
    l6_sym = [(to_sympy(f), symbol(v), to_sympy(lo), to_sympy(hi)) for f, v, lo, hi in l6_parts]
    l7_trees = [parse_tree(r["input_polish"]) for r in l7]
    l7_ours = [(engine.parse(polish(t[1])), t[2]) for t in l7_trees]
    l7_sym = [(to_sympy(t[1]), symbol(t[2])) for t in l7_trees]

    # A point where each level-5 f is defined (the same point for both sides).
    at_points = []
    for e, se, v in zip(ours_f, sym_f, vs):
        for p in (0.7, 1.3, 2.1, 3.3, -0.4):
            try:
                engine.evaluate(e, {v: p})
            except engine.GraphemeError:
                continue
            at_points.append((e, se, v, p))
            break

    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("parse", lambda: [engine.parse(t) for t in f_texts], lambda: [sympy.sympify(t, locals={"E": sympy.E}) for t in sym_f_text]),
        ("simplify (SymPy: expand)", lambda: [engine.simplify(e) for e in ours_f], lambda: [sympy.expand(e) for e in sym_f]),
        ("simplify (SymPy: simplify)", lambda: [engine.simplify(e) for e in ours_f[: max(1, n // 4)]], lambda: [sympy.simplify(e) for e in sym_f[: max(1, n // 4)]]),
        ("derive", lambda: [engine.derive(e, v) for e, v in zip(ours_f, vs)], lambda: [sympy.diff(e, symbol(v)) for e, v in zip(sym_f, vs)]),
        ("evaluate (level 4)", lambda: [engine.evaluate(e) for e in l4_ours], lambda: [e.evalf() for e in l4_sym]),
        (
            "evaluate f(x) (level 5 f)",
            lambda: [engine.evaluate(e, {v: p}) for e, _, v, p in at_points],
            lambda: [se.evalf(subs={symbol(v): p}) for _, se, v, p in at_points],
        ),
        ("integrate (level 6)", lambda: [engine.integrate(f, v, lo, hi) for f, v, lo, hi in l6_ours], lambda: [sympy.integrate(f, (v, lo, hi)) for f, v, lo, hi in l6_sym]),
        (
            "solve (level 7)",
            lambda: [engine.solve(eq, v) for eq, v in l7_ours],
            lambda: [sympy.solve(eq, v) for eq, v in l7_sym],
        ),
    ]
    print(f"{'operation':<30} {'items':>5} {'ours us/item':>13} {'SymPy us/item':>14} {'ratio':>9}")
    for name, ours, peer in cases:
        items = len(ours())  # warm-up, and the item count
        t_ours = best_time(ours, args.repeats)
        t_peer = best_time(peer, args.repeats, before=clear_cache)
        print(
            f"{name:<30} {items:>5} {1e6 * t_ours / items:>13.2f} {1e6 * t_peer / items:>14.1f} {t_peer / t_ours:>8.0f}x",
            flush=True,
        )


if __name__ == "__main__":
    main()
