"""Which numeric method a level-4 trace uses where no exact value exists: lines and
tokens each method needs to bring a function of a number to the row tolerance (1e-6),
on the function applications of generated level-4 rows.

    python benches/steps_methods.py [--rows 2000] [--seed 0]

Ours (rust/steps/series.rs): a reduction line, then a series of 5-14 terms in the reduced
argument, every number a 10-digit decimal; each line reduced by the level-4 steps. The
alternatives are built as expressions and reduced by the same steps, so lines and tokens
are counted alike: a Taylor or atanh series in the unreduced argument, and Newton's
iteration for square roots, y <- (y + a/y)/2 from the nearest integer root, each iterate
reduced by the same steps. Tokens: one per parenthesis, operator, digit, sign, point or slash.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics

from grapheme_lab import engine, generate, steps

CUTOFF = 1e-7  # a series stops below a tenth of the row tolerance


def tokens(line: str) -> int:
    return len(re.findall(r"[()]|[a-z]+|[0-9.\-/]", line))


def cost(problem: str) -> tuple[int, int, float]:
    """Lines, tokens and the last line's value of the level-4 trace of ``problem``."""
    lines = steps.derivation(problem)
    return len(lines), sum(map(tokens, lines)), float(engine.evaluate(lines[-1]))


def dec(x: float) -> str:
    return repr(float(f"{x:.9e}"))


def plain_series(f: str, x: float) -> str:
    """Taylor (exp, sin, cos) or 2 atanh((x-1)/(x+1)) (ln) in the unreduced argument."""
    terms, k = [], 0
    if f == "ln":
        t = (x - 1) / (x + 1)
        k = 1
        while abs(t) ** k / k >= CUTOFF or k == 1:
            terms.append(f"(/ (^ {dec(t)} {k}) {k})")
            k += 2
        return "(* 2 " + _sum(terms) + ")"
    start, step_, sign = {"exp": (0, 1, 1), "sin": (1, 2, -1), "cos": (0, 2, -1)}[f]
    k, s = start, 1
    while True:
        term = abs(x) ** k / math.factorial(k)
        if term < CUTOFF and k > start:
            break
        body = f"(/ (^ {dec(x)} {k}) {math.factorial(k)})" if k > 1 else ("1" if k == 0 else dec(x))
        terms.append(body if s > 0 else f"(neg {body})")
        s *= sign
        k += step_
    return _sum(terms)


def _sum(terms: list[str]) -> str:
    out = terms[0]
    for t in terms[1:]:
        out = f"(+ {out} {t})"
    return out


def newton(a: float) -> tuple[int, int, float]:
    y, lines_, toks = float(max(1, round(math.sqrt(a)))), 0, 0
    for _ in range(60):
        if abs(y - math.sqrt(a)) <= 1e-6 * max(1.0, math.sqrt(a)):
            break
        n, t, y = cost(f"(/ (+ {dec(y)} (/ {dec(a)} {dec(y)})) 2)")
        lines_, toks = lines_ + n + 1, toks + t + tokens(f"(/ (+ {dec(y)} (/ {dec(a)} {dec(y)})) 2)")
    return lines_, toks, y


def arguments(rows: int, seed: int) -> dict[str, list[float]]:
    """Arguments of exp, ln, sqrt, sin, cos applied to numbers in level-4 rows, where no exact value exists."""
    found: dict[str, list[float]] = {f: [] for f in ("exp", "ln", "sqrt", "sin", "cos")}
    for r in generate.level(4, rows, seed=seed):
        for m in re.finditer(r"\((exp|ln|sqrt|sin|cos) (-?\d+|\(/ -?\d+ -?\d+\))\)", r["input_polish"]):
            f, arg = m.group(1), m.group(2)
            x = engine.evaluate(arg)
            try:
                lines = steps.derivation(f"({f} {arg})")
            except Exception:
                continue
            if any("." in line for line in lines):  # no exact value
                found[f].append(x)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    args = arguments(a.rows, a.seed)
    print("| function | arguments | method | lines (median / max) | tokens (median / max) | worst error (rel.) | within 1e-6 |")
    print("|---|---|---|---|---|---|---|")
    for f, xs in args.items():
        if not xs:
            continue
        truth = {"exp": math.exp, "ln": math.log, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos}[f]
        methods = {"ours: reduction + series": lambda x: cost(f"({f} {dec(x)})")}
        if f == "sqrt":
            methods["Newton from the nearest integer root"] = newton
        else:
            methods["series, unreduced argument"] = lambda x: (lambda n, t, v: (n + 1, t + tokens(plain_series(f, x)), v))(*cost(plain_series(f, x)))
        for name, run in methods.items():
            ls, ts, errs, ok = [], [], [], 0
            for x in xs:
                try:
                    n, t, v = run(x)
                except Exception:  # a number past 64 bits, the step budget: no trace
                    continue
                want = truth(x)
                err = abs(v - want) / max(1.0, abs(want))
                ls.append(n), ts.append(t), errs.append(err)
                ok += err <= 1e-6
            if ls:
                print(f"| {f} | {len(xs)} | {name} | {statistics.median(ls):g} / {max(ls)} | {statistics.median(ts):g} / {max(ts)} "
                      f"| {max(errs):.1e} | {ok} of {len(xs)} ({len(xs) - len(ls)} not carried out) |")


if __name__ == "__main__":
    main()
