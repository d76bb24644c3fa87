"""Tokens of the brain and their ids: Polish-notation expressions in prefix order, without
parentheses (every operator has the fixed arity of the engine's operator table), numbers
digit by digit.

A number is a sign token (``P`` or ``M``) and its digits, least significant first
by default (``-14`` -> ``M 4 1``), with ``.`` for a decimal point and ``|`` before
the digits of a denominator (``-2/3`` -> ``M 2 | 3``, read back as the engine's
rational literal ``-2/3``). What the brain learns from a row is ``targets``' business.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np

from grapheme_lab import steps

ARITY = steps.OPERATORS  # the engine's operators in its fixed order, which keeps token ids where they were
SPECIAL = ["<pad>", "<bos>", "<eos>", "<unk>", ";", "with"]
NUMBER = ["P", "M", "|", "."]
DIGITS = [str(d) for d in range(10)]
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
CONSTANTS = [c for c in steps.CONSTANTS if c not in LETTERS]  # the engine's e is the letter's token
TOKENS = SPECIAL + list(ARITY) + NUMBER + DIGITS + LETTERS + CONSTANTS
INDEX = {t: i for i, t in enumerate(TOKENS)}
PAD, BOS, EOS, UNK, SEMI, WITH = (INDEX[t] for t in SPECIAL)
DIGIT_IDS = frozenset(INDEX[d] for d in DIGITS)
NUMBER_BODY = frozenset(DIGITS + ["|", "."])
MAX_PLACE = 15

_ATOM = re.compile(r"[()]|[^\s()]+")
_INT = re.compile(r"-?\d+")
_RATIONAL = re.compile(r"-?\d+/\d+")


def vocab_size() -> int:
    return len(TOKENS)


# ---------------------------------------------------------------- numbers


def _digits(text: str, order: str) -> list[str]:
    return list(text[::-1] if order == "lsd" else text)


def literal_tokens(text: str, order: str = "lsd") -> list[str]:
    """Tokens of a number literal as the engine prints it (``-14``, ``2.5``, ``1e-7``)."""
    if _INT.fullmatch(text):
        sign, body = ("M", text[1:]) if text.startswith("-") else ("P", text)
        return [sign] + _digits(body.lstrip("0") or "0", order)
    if _RATIONAL.fullmatch(text):  # the engine's rational literal, e.g. -3/2
        return value_tokens(Fraction(text), order)
    d = Decimal(text)
    body = format(abs(d), "f")
    if "." in body:
        body = body.rstrip("0").rstrip(".")
    return ["M" if d < 0 else "P"] + _digits(body or "0", order)


def value_tokens(v: Fraction | float, order: str = "lsd") -> list[str]:
    """A value as a target: exact when ``v`` is a Fraction, 7 significant digits otherwise."""
    sign = "M" if v < 0 else "P"
    if isinstance(v, Fraction):
        a = abs(v)
        out = [sign] + _digits(str(a.numerator), order)
        return out + (["|"] + _digits(str(a.denominator), order) if a.denominator != 1 else [])
    text = np.format_float_positional(abs(float(v)), precision=7, unique=False, fractional=False, trim="-")
    return [sign] + _digits(text.rstrip("."), order)


def exact_value(v: float, max_den: int = 10_000) -> Fraction | float:
    """``v`` as a small-denominator Fraction when it is one (to 1e-12), else ``v``."""
    if not np.isfinite(v):
        return v
    f = Fraction(v).limit_denominator(max_den)
    return f if abs(float(f) - v) <= 1e-12 * max(1.0, abs(v)) else v


# ---------------------------------------------------------------- expressions


def expression_tokens(polish: str, order: str = "lsd") -> list[str]:
    """Prefix tokens of an expression (parentheses dropped; the engine's printed form is binary)."""
    out: list[str] = []
    for atom in _ATOM.findall(polish):
        if atom in "()":
            continue
        if atom in ARITY:
            out.append(atom)
        elif atom[0].isdigit() or (atom[0] in "-+." and len(atom) > 1):
            out += literal_tokens(atom, order)
        elif atom in LETTERS or atom in CONSTANTS:
            out.append(atom)
        else:
            out.append("<unk>")
    return out


def is_value(tokens: list[str]) -> bool:
    """Whether decoded tokens are one number (where a chain of steps stops)."""
    return bool(tokens) and tokens[0] in ("P", "M") and all(t in NUMBER_BODY for t in tokens[1:])


def encode(tokens: list[str]) -> list[int]:
    return [INDEX.get(t, UNK) for t in tokens]


def decode(ids: list[int]) -> list[str]:
    """Token strings up to (not including) the first EOS; PAD and BOS dropped."""
    out = []
    for i in ids:
        if i == EOS:
            break
        if i not in (PAD, BOS):
            out.append(TOKENS[i] if 0 <= i < len(TOKENS) else "<unk>")
    return out


def place_ids(ids: list[int]) -> list[int]:
    """Place of each digit within its run of digits (1, 2, ...), 0 for other tokens."""
    out, k = [], 0
    for t in ids:
        k = min(k + 1, MAX_PLACE) if t in DIGIT_IDS else 0
        out.append(k)
    return out


def answer_tokens(tokens: list[str]) -> list[str]:
    """What follows the last ``;`` (the answer of a chain of steps), or all of it."""
    if ";" in tokens:
        return tokens[len(tokens) - tokens[::-1].index(";"):]
    return tokens


def _number_polish(sign: str, body: list[str], order: str) -> str | None:
    parts = "".join(body).split("|")
    if len(parts) > 2 or any(not p for p in parts):
        return None
    texts = [p[::-1] if order == "lsd" else p for p in parts]
    for t in texts:
        if t.count(".") > 1 or t.startswith(".") or t.endswith("."):
            return None
    if len(texts) == 2 and ("." in texts[0] or "." in texts[1] or int(texts[1]) == 0):
        return None
    minus = "-" if sign == "M" else ""
    if len(texts) == 2:  # the engine's rational literal p/q
        return f"{minus}{texts[0]}/{texts[1]}"
    return minus + texts[0]


def tokens_to_polish(tokens: list[str], order: str = "lsd") -> str | None:
    """The Polish string of prefix tokens, or None when they are not one well-formed expression."""
    pos = 0

    def walk() -> str | None:
        nonlocal pos
        if pos >= len(tokens):
            return None
        t = tokens[pos]
        pos += 1
        if t in ("P", "M"):
            start = pos
            while pos < len(tokens) and tokens[pos] in NUMBER_BODY:
                pos += 1
            return _number_polish(t, tokens[start:pos], order)
        if t in ARITY:
            args = []
            for _ in range(ARITY[t]):
                a = walk()
                if a is None:
                    return None
                args.append(a)
            return f"({t} {' '.join(args)})"
        if t in LETTERS or t in CONSTANTS:
            return t
        return None

    out = walk()
    return out if out is not None and pos == len(tokens) else None
