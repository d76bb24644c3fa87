"""The engine's verdict on a model's answer.

Numeric levels (1-4, 6, 7): the answer must be a *value*: an integer or decimal
literal, ``(neg n)``, or a rational in lowest terms: the literal ``p/q`` (how the brain
writes one) or ``(/ p q)`` of integer literals, q > 1. Echoing the question, which the
engine would evaluate to the right number, is wrong, and so is an unreduced
``(/ -78 16)``. It is correct when it equals the expected value within the row's ``precision``
(relative, absolute for |expected| < 1): "exact" (1e-9, the float's rounding) or the
stated tolerance (the engine's ``steps.ROW_TOL``, 1e-6, for answers reached through
decimals). A row without ``precision`` (written before rows stated it) is exact when its
expected value is a small-denominator rational, else 1e-6.
Level 7 accepts any real root in ``solutions``.

Symbolic level 5: the answer must parse, contain no ``derive``/``integrate``/``solve``,
and be ``engine.equivalent`` to the expected derivative.

An answer that does not decode is malformed: wrong, never an exception.
"""

from __future__ import annotations

import dataclasses
import math
import re
from fractions import Fraction
from typing import Any

from grapheme_lab import GraphemeError, engine
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V

_NUM = r"-?\d+(?:\.\d+)?"
_RAT = r"-?\d+/\d+"
_VALUE = re.compile(rf"{_NUM}|{_RAT}|\(neg (?:{_NUM}|{_RAT})\)|\(/ -?\d+ -?\d+\)|\(neg \(/ -?\d+ -?\d+\)\)")
_CALCULUS = re.compile(r"\((derive|integrate|solve) ")


@dataclasses.dataclass
class Verdict:
    correct: bool
    malformed: bool
    answer: str | None  # the answer as a Polish string (None when malformed)


def value_of(polish: str) -> Fraction | None:
    """The value of a value-form answer, or None when it is not one."""
    if not _VALUE.fullmatch(polish):
        return None
    neg = polish.startswith("(neg ")
    body = polish[5:-1] if neg else polish
    if "/" in body:
        p, q = (int(t) for t in (body[3:-1].split() if body.startswith("(/ ") else body.split("/")))
        if q <= 1 or math.gcd(p, q) != 1:  # a division still to do, not a value
            return None
        v = Fraction(p, q)
    else:
        v = Fraction(body)
    return -v if neg else v


def judge(row: dict[str, Any], tokens: list[str], order: str = "lsd") -> Verdict:
    polish = V.tokens_to_polish(V.answer_tokens(tokens), order)
    if polish is None:
        return Verdict(False, True, None)
    level = int(row["level"])
    if level in T.SYMBOLIC_LEVELS:
        if _CALCULUS.search(polish):
            return Verdict(False, False, polish)
        try:
            return Verdict(bool(engine.equivalent(polish, row["expected_symbolic"])), False, polish)
        except GraphemeError:
            return Verdict(False, True, polish)
    got = value_of(polish)
    if got is None:
        return Verdict(False, False, polish)
    tol = T.tolerance(row)
    return Verdict(any(T.close(float(got), want, tol) for want in T.wanted(row)), False, polish)
