"""What the brain learns from a row: its question, its answer, or the steps of solving it.

The question is the row's expression in tokens, its bindings after ``with``
(``(+ x 3)`` with x=2 -> ``+ x P 3 with x P 2``). The answer, per level:
  1-4, 6, 7  the value: an exact rational when the answer is one (``P 5``, ``M 2 | 3``),
             otherwise a decimal with 7 significant digits; level 7 the first root;
  5          the simplified derivative, as an expression.

With ``[data] target = "steps"`` the brain learns one reduction step of a level 1-3 row
at a time instead. With ``"sites"`` it learns the sites of the lines of every row the
engine has a step trace for (``grapheme_lab.steps``, shipped in the row's ``steps``):
levels 1-3, functions of numbers (4), definite integrals (6) and equations (7). Solving
applies steps until a value comes out; the steps are written out separated by ``;``, and
the judge reads what follows the last ``;``. Training also learns the chains that recover
from a quotient off by one (``correction_pairs``).
"""

from __future__ import annotations

import zlib
from fractions import Fraction
from typing import Any

from grapheme_lab import GraphemeError, engine, steps
from grapheme_lab.brain import vocab as V

SYMBOLIC_LEVELS = (5,)
LINE_LEVELS = (1, 2, 3)  # levels whose steps are short enough to be written whole (``"steps"``)
ARITHMETIC = frozenset({"+", "-", "*", "/", "^", "mod", "neg", "gcd", "div", "cancel"})  # the ops of levels 1-3's lines
MAX_STEPS = 128  # a chain of steps stops here; of 2,000 generated rows a level-6 trace took at most 106 lines
MAX_LINE_TOKENS = 2048  # a longer line ends its chain (the longest of 2,000 generated level-6 traces: about 700)
EXACT_TOL = 1e-9  # an exact answer's tolerance: the rounding of the row's float
MISSES = (-1, 1)  # the wrong quotients the correction chains recover from

Pair = tuple[list[str], list[str]]


def source_tokens(row: dict[str, Any], order: str = "lsd") -> list[str]:
    toks = V.expression_tokens(row["input_polish"], order)
    for name, value in row.get("bindings") or []:
        toks += ["with", name if name in V.LETTERS else "<unk>"] + V.value_tokens(V.exact_value(float(value)), order)
    return toks


def expected_value(row: dict[str, Any]) -> Fraction | float:
    return V.exact_value(float(row["expected_result"]))


def target_tokens(row: dict[str, Any], order: str = "lsd") -> list[str]:
    """The whole answer of a row: the value, or for level 5 the derivative."""
    if int(row["level"]) in SYMBOLIC_LEVELS:
        return V.expression_tokens(row["expected_symbolic"], order)
    return V.value_tokens(expected_value(row), order)


def target_polish(row: dict[str, Any]) -> str:
    """The target as a Polish string (what the GED compares the model's answer with)."""
    if int(row["level"]) in SYMBOLIC_LEVELS:
        return str(row["expected_symbolic"])
    return V.tokens_to_polish(V.value_tokens(expected_value(row), "lsd"), "lsd") or "0"


def tolerance(row: dict[str, Any]) -> float:
    """The row's ``precision`` as a relative tolerance (absolute below 1): "exact" is 1e-9, the
    float's rounding; a row without ``precision`` (written before rows stated it) is exact when
    its expected value is a small-denominator rational, else ``steps.ROW_TOL``."""
    precision = row.get("precision")
    if precision is None:
        return EXACT_TOL if isinstance(expected_value(row), Fraction) else steps.ROW_TOL
    return EXACT_TOL if precision == "exact" else float(precision)


def wanted(row: dict[str, Any]) -> list[float]:
    """The values that answer the row: its expected value, and for level 7 every real root."""
    return [float(row["expected_result"])] + [float(s) for s in row.get("solutions") or []]


def close(got: float, want: float, tol: float) -> bool:
    return abs(got - want) <= tol * max(1.0, abs(want))


def _lines(row: dict[str, Any]) -> list[str] | None:
    """The row's step trace: its ``steps`` field, else the engine's derivation (rows written
    before traces were shipped); None when there is none."""
    if "steps" in row:
        return row["steps"] or None
    try:
        return steps.derivation(row["input_polish"], row.get("bindings") or []) or None
    except GraphemeError:
        return None


def has_steps(row: dict[str, Any], mode: str) -> bool:
    """Whether the brain solves ``row`` step by step under ``[data] target = mode``: levels 1-3
    under ``"steps"`` (the lines of the other levels run to hundreds of tokens), every row with
    a trace under ``"sites"``."""
    level = int(row["level"])
    return by_steps(level, mode) and (level in LINE_LEVELS or reduction_lines(row) is not None)


def by_steps(level: int, mode: str) -> bool:
    """Whether rows of ``level`` are solved by steps under ``mode`` when they have a trace."""
    return (mode == "steps" and level in LINE_LEVELS) or mode == "sites"


def is_answer_line(row: dict[str, Any], tokens: list[str]) -> bool:
    """Whether a line of tokens ends a chain of steps: a value, or for a derivative a line
    with no ``derive`` left."""
    return V.is_value(tokens) or (int(row["level"]) in SYMBOLIC_LEVELS and bool(tokens) and "derive" not in tokens)


def _is_answer(row: dict[str, Any], line: str) -> bool:
    """Whether the number ``line`` is the row's expected value (or, level 7, one of its roots),
    within the row's ``precision``."""
    if int(row["level"]) in SYMBOLIC_LEVELS:
        return is_answer_line(row, V.expression_tokens(line)) and bool(engine.equivalent(line, row["expected_symbolic"]))
    try:
        value = float(Fraction(line))
    except ValueError:
        return False
    return any(close(value, w, tolerance(row)) for w in wanted(row))


def reduction_lines(row: dict[str, Any]) -> list[str] | None:
    """The lines the brain writes for the row (Polish, its answer last), or None when it has no
    trace or the trace does not come to the row's answer. An integral's first line, the
    antiderivative, is not written on its own: the first step writes F(b) - F(a), whose sites
    are all numbers (the antiderivative's variables are no site a step could ask for). A
    derivative's chain ends at its first line without a ``derive``, which the judge reads
    (the engine's simplification after it is no step a site is asked for)."""
    lines = _lines(row)
    if lines and row["input_polish"].startswith("(integrate "):
        lines = lines[1:]
    if lines and int(row["level"]) in SYMBOLIC_LEVELS:  # the chain ends at the first line without a derive
        lines = lines[: next((i + 1 for i, line in enumerate(lines) if "(derive " not in line), len(lines))]
    return lines if lines and _is_answer(row, lines[-1]) else None


def is_arithmetic(question: list[str]) -> bool:
    """Whether a site's question is exact arithmetic on rationals: a question levels 1-3 ask."""
    return all(t in ARITHMETIC or t in V.NUMBER or t in V.DIGITS for t in question) and "." not in question


def _pairs(source: list[str], lines: list[str], order: str) -> list[Pair]:
    targets = [V.expression_tokens(line, order) for line in lines]
    return list(zip([source] + targets[:-1], targets))


def step_pairs(row: dict[str, Any], order: str = "lsd") -> list[Pair] | None:
    """(source, target) tokens of each step of the row's trace, or None when it has none."""
    lines = reduction_lines(row)
    return None if lines is None else _pairs(source_tokens(row, order), lines, order)


def _corrections(row: dict[str, Any], lines: list[str], order: str) -> list[Pair]:
    if int(row["level"]) not in LINE_LEVELS or ("mod" not in row["input_polish"] and "/" not in row["input_polish"]):
        return []  # no quotient is written out, or not one of levels 1-3's
    miss = MISSES[zlib.crc32(row["input_polish"].encode()) % len(MISSES)]
    out: list[Pair] = []
    for chain in steps.corrections(lines, miss):
        toks = [V.expression_tokens(line, order) for line in chain]
        out += list(zip(toks[:-1], toks[1:]))
    return out


def correction_pairs(row: dict[str, Any], order: str = "lsd") -> list[Pair]:
    """Steps that recover from a wrong quotient, one too small or one too large (which, a
    hash of the row says): the engine's correction chains of the row's trace. The model's
    quotients were often off by a few (docs/training.md); these teach the steps after a
    miss, never the miss."""
    return _corrections(row, reduction_lines(row) or [], order)


def training_pairs(row: dict[str, Any], order: str = "lsd") -> list[Pair] | None:
    """What training learns from a row solved by steps: its ``step_pairs``, then its
    ``correction_pairs``, from one trace; None when it has no steps."""
    lines = reduction_lines(row)
    if lines is None:
        return None
    return _pairs(source_tokens(row, order), lines, order) + _corrections(row, lines, order)
