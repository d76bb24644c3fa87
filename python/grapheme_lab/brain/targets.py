"""What the brain learns from a row: its question, its answer, or the steps of solving it.

The question is the row's expression in tokens, its bindings after ``with``
(``(+ x 3)`` with x=2 -> ``+ x P 3 with x P 2``). The answer, per level:
  1-4, 6, 7  the value: an exact rational when the answer is one (``P 5``, ``M 2 | 3``),
             otherwise a decimal with 7 significant digits; level 7 the first root;
  5          the simplified derivative, as an expression.

With ``[data] target = "steps"`` the brain learns one reduction step of a level 1-3 row
at a time instead, and with ``"sites"`` also a level-7 row with a linear equation: the
lines of the engine's step trace (``grapheme_lab.steps``, whose rules say what a step
writes and why). Solving applies steps until a value comes out; the steps are written out
separated by ``;``, and the judge reads what follows the last ``;``. Training also learns
the chains that recover from a quotient off by one (``correction_pairs``).
"""

from __future__ import annotations

import zlib
from fractions import Fraction
from typing import Any

from grapheme_lab import GraphemeError, steps
from grapheme_lab.brain import vocab as V

SYMBOLIC_LEVELS = (5,)
STEP_LEVELS = (1, 2, 3)  # levels whose rows reduce to a value step by step
SITE_LEVELS = (7,)  # levels solved by steps only when asked site by site: linear equations
MAX_STEPS = 80  # a chain of steps stops here; 2,000 generated level-2 test rows took at most 60
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


def has_steps(row: dict[str, Any], mode: str) -> bool:
    """Whether the brain solves ``row`` step by step under ``[data] target = mode``. A level-7
    row is solved by sites only: its first step's question is the whole equation, while a
    step written whole would be its root formula again and again, 60-120 tokens a line."""
    level = int(row["level"])
    return (mode in ("steps", "sites") and level in STEP_LEVELS) or (mode == "sites" and level in SITE_LEVELS)


def _is_answer(row: dict[str, Any], line: str) -> bool:
    """Whether the number ``line`` is the row's expected value (or, level 7, one of its roots)."""
    value = float(Fraction(line))
    wants = [float(row["expected_result"])] + [float(s) for s in row.get("solutions") or []]
    return any(abs(value - w) <= 1e-9 * max(1.0, abs(w)) for w in wants)


def reduction_lines(row: dict[str, Any]) -> list[str] | None:
    """The engine's step trace of the row (Polish lines, its value last), or None when it has
    none or it does not come to the row's answer."""
    try:
        lines = steps.trace(row["input_polish"], row.get("bindings") or [])
    except GraphemeError:
        return None
    return lines if lines and _is_answer(row, lines[-1]) else None


def _pairs(source: list[str], lines: list[str], order: str) -> list[Pair]:
    targets = [V.expression_tokens(line, order) for line in lines]
    return list(zip([source] + targets[:-1], targets))


def step_pairs(row: dict[str, Any], order: str = "lsd") -> list[Pair] | None:
    """(source, target) tokens of each step of the row's trace, or None when it has none."""
    lines = reduction_lines(row)
    return None if lines is None else _pairs(source_tokens(row, order), lines, order)


def first_step(row: dict[str, Any], order: str = "lsd") -> Pair | None:
    """The first of the row's ``step_pairs`` alone (what training asks of a level-7 row), without
    spelling the other lines (a linear equation's are 60-120 tokens each)."""
    lines = reduction_lines(row)
    return (source_tokens(row, order), V.expression_tokens(lines[0], order)) if lines else None


def _corrections(row: dict[str, Any], lines: list[str], order: str) -> list[Pair]:
    if "mod" not in row["input_polish"] and "/" not in row["input_polish"]:  # no quotient is written out
        return []
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
