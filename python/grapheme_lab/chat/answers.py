"""Is a reply's final answer right? The answer is read from the reply's prose (the last "the
answer is ...", else a GSM8K-style "#### ..."), then judged by the engine: both sides are read
as arithmetic (``19``, ``19.0``, ``1,900``, ``38/2``) and must be the same number. So "The answer
is 190" is wrong for 19 although it contains "19", and "The answer is 38/2" is right.

Answers that are not numbers (a letter, a spelling) are compared as text, exactly; that is
what they are."""

from __future__ import annotations

import math
import re

from grapheme_lab import GraphemeError

_ANSWER = re.compile(r"(?:answer is|####)\s*:?\s*([^\n]*)", re.IGNORECASE)
_ARITHMETIC = re.compile(r"[-+*/^()0-9.,\s×÷−]+")


def final_answer(text: str) -> str | None:
    """The last stated answer in ``text``, without a closing full stop; None when there is none."""
    found = _ANSWER.findall(text)
    if not found:
        return None
    answer = found[-1].strip()
    m = _ARITHMETIC.match(answer)
    if m and m.group(0).strip():  # a number or an expression: up to where the arithmetic ends
        answer = m.group(0).strip()
    return answer.rstrip(".").strip() or None


def value(text: str) -> float | None:
    """The number an arithmetic text stands for, by the engine; None when it is not one."""
    from grapheme_lab import engine
    from grapheme_lab.chat.calculator import CalculatorError, to_polish

    try:
        v = engine.run(to_polish(text))
    except (CalculatorError, GraphemeError):
        return None
    return v if isinstance(v, float) and math.isfinite(v) else None


def is_correct(reply: str, truth: str) -> bool:
    """Whether the reply's final answer equals ``truth``: numerically, by the engine, when the
    truth is a number; as text otherwise."""
    answer = final_answer(reply)
    if answer is None:
        return False
    want = value(truth)
    if want is None:
        return answer == truth.strip()
    got = value(answer)
    return got is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
