"""Tokens of the brain: Polish-notation expressions in prefix order, without parentheses
(every operator has a fixed arity), numbers digit by digit.

A number is a sign token (``P`` or ``M``) and its digits, least significant first
by default (``-14`` -> ``M 4 1``), with ``.`` for a decimal point and ``|`` before
the digits of a denominator (``-2/3`` -> ``M 2 | 3``, read back as the engine's
rational literal ``-2/3``). Bindings follow the
expression after ``with``: ``(+ x 3)`` with x=2 -> ``+ x P 3 with x P 2``.

Targets (the decoder's side), per level:
  1-4, 6, 7  the value: an exact rational when the answer is one (``P 5``, ``M 2 | 3``),
             otherwise a decimal with 7 significant digits; level 7 the first root;
  5          the simplified derivative, as an expression.
With ``target = "steps"`` the brain learns one reduction step of a level 1-3 row
instead: from an expression to the same expression with every innermost operation
replaced by its value (the first step also substitutes the bindings; with ``"sites"``, a
level-7 row with a linear equation is solved the same way after a first step that writes
its root as arithmetic, see ``equations``). An operation on a
fraction is first written over integers (``1/4 + 1/6`` -> ``(6 + 4) / (4*6)``, see
``_over_integers``), a product of two numbers of several nonzero digits as a sum of
products by fewer digits (``34*27`` -> ``4*27 + 30*27``, see ``_split_product``), ``a mod b``
as ``(a - b*q) mod b`` (see ``_remainder``), and a quotient of integers, one of them 20 or
more, as a fraction cancelled by their gcd, which Euclid's algorithm finds in steps (``168 / 7``
-> ``cancel(168, 7, gcd(168, 7))``, see ``_step``), so every step of a nested expression is
the kind of step a level-1 row teaches (``target = "sites"`` asks for each reduced operation
of a step on its own, see ``sites``). Solving applies steps until a value comes out. The
steps are written out separated by ``;``, and the judge reads what follows the last ``;``.
"""

from __future__ import annotations

import math
import re
import zlib
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from grapheme_lab.brain import equations

BINARY = ("+", "-", "*", "/", "^", "mod", "=", "gcd", "div")
UNARY = ("neg", "sin", "cos", "tan", "exp", "ln", "log", "sqrt", "abs", "floor", "ceil")
ARITY = {**{op: 2 for op in BINARY}, **{f: 1 for f in UNARY}, "derive": 2, "integrate": 4, "solve": 2, "cancel": 3}
SPECIAL = ["<pad>", "<bos>", "<eos>", "<unk>", ";", "with"]
NUMBER = ["P", "M", "|", "."]
DIGITS = [str(d) for d in range(10)]
LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)]
CONSTANTS = ["pi"]
TOKENS = SPECIAL + list(ARITY) + NUMBER + DIGITS + LETTERS + CONSTANTS
INDEX = {t: i for i, t in enumerate(TOKENS)}
PAD, BOS, EOS, UNK, SEMI, WITH = (INDEX[t] for t in SPECIAL)
DIGIT_IDS = frozenset(INDEX[d] for d in DIGITS)
NUMBER_BODY = frozenset(DIGITS + ["|", "."])
MAX_PLACE = 15
NUMERIC_LEVELS = (1, 2, 3, 4, 6, 7)
SYMBOLIC_LEVELS = (5,)
STEP_LEVELS = (1, 2, 3)  # levels whose rows reduce to a value step by step
SITE_LEVELS = (7,)  # levels solved by steps only when asked site by site: linear equations (``equations``)
MAX_STEPS = 80  # a chain of steps stops here; 2,000 generated level-2 test rows took at most 60

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


def source_tokens(row: dict[str, Any], order: str = "lsd") -> list[str]:
    toks = expression_tokens(row["input_polish"], order)
    for name, value in row.get("bindings") or []:
        toks += ["with", name if name in LETTERS else "<unk>"] + value_tokens(exact_value(float(value)), order)
    return toks


def expected_value(row: dict[str, Any]) -> Fraction | float:
    return exact_value(float(row["expected_result"]))


def _tree(polish: str, bindings: dict[str, Fraction]) -> Any:
    """Nested tuples with Fraction leaves (symbols substituted) for the reduction lines."""
    atoms = [a for a in _ATOM.findall(polish)]
    pos = 0

    def walk():
        nonlocal pos
        a = atoms[pos]
        pos += 1
        if a == "(":
            head = atoms[pos]
            pos += 1
            args = []
            while atoms[pos] != ")":
                args.append(walk())
            pos += 1
            return (head, *args)
        return bindings[a] if a in bindings else Fraction(a)  # an integer, decimal or p/q literal

    return walk()


def _apply(op: str, a: list[Fraction]) -> Fraction:
    if op == "+":
        return a[0] + a[1]
    if op == "-":
        return a[0] - a[1]
    if op == "*":
        return a[0] * a[1]
    if op in ("/", "div", "cancel"):  # div: a quotient known to be exact; cancel: a / b, the gcd third
        return a[0] / a[1]
    if op == "^":
        if a[1].denominator != 1 or abs(a[1]) > 64:
            raise ValueError("non-integer power")
        return a[0] ** int(a[1])
    if op == "mod":
        return a[0] - a[1] * (a[0] // a[1])  # floored, like the engine
    if op == "neg":
        return -a[0]
    if op == "gcd":
        if any(v.denominator != 1 for v in a):
            raise ValueError("gcd of non-integers")
        return Fraction(math.gcd(int(a[0]), int(a[1])))
    raise ValueError(op)


def _times(p: int, q: int) -> Any:
    """The product p*q as a step writes it: no product by 1."""
    return Fraction(q) if p == 1 else Fraction(p) if q == 1 else ("*", Fraction(p), Fraction(q))


def _over_integers(op: str, x: Fraction, y: Fraction) -> Any:
    """``x op y`` for a fraction operand, written as one division of integer operations:
    ``a/b + c/d`` -> ``(a*d + c*b) / (b*d)``, ``a/b * c/d`` -> ``(a*c) / (b*d)``,
    ``a/b / (c/d)`` -> ``(a*d) / (b*c)``. Its steps are level-1 skills; the value at once
    was a cross product, a sum and a reduction in one step, and was rarely right."""
    a, b, c, d = x.numerator, x.denominator, y.numerator, y.denominator
    if op in ("+", "-") and b == d:
        num, den = (op, Fraction(a), Fraction(c)), Fraction(b)
    elif op in ("+", "-"):
        num, den = (op, _times(a, d), _times(c, b)), _times(b, d)
    elif op == "*":
        num, den = _times(a, c), _times(b, d)
    else:
        num, den = _times(a, d), _times(b, c)
    return num if den == 1 else ("/", num, den)


def _nonzero_digits(n: int) -> int:
    return sum(c != "0" for c in str(abs(n)))


def _split_product(a: int, b: int) -> Any:
    """``a * b`` as a sum of two products, the factor with fewer nonzero digits cut into its
    lowest nonzero digit and the rest: ``34 * 27`` -> ``4*27 + 30*27``. A factor of one
    nonzero digit (``30 * 27``) is multiplied out in one step; two-digit by two-digit
    products in one step were right about half the time (docs/training.md)."""
    cut_left = _nonzero_digits(a) <= _nonzero_digits(b)
    x, other = (a, b) if cut_left else (b, a)
    place = 1
    while (abs(x) // place) % 10 == 0:
        place *= 10
    low = abs(x) // place % 10 * place * (-1 if x < 0 else 1)
    low, rest, other = Fraction(low), Fraction(x - low), Fraction(other)
    if cut_left:
        return ("+", ("*", low, other), ("*", rest, other))
    return ("+", ("*", other, low), ("*", other, rest))


def _smallest_common_prime(a: int, b: int) -> int:
    """The smallest prime dividing both ``a`` and ``b`` (1 when they are coprime)."""
    g = math.gcd(a, b)
    return next((p for p in range(2, math.isqrt(g) + 1) if g % p == 0), g)


SMALL = 20  # quotients of integers below it were right 739 times of 739 answered at once (docs/training.md)


def _step(op: str, args: list[Fraction]) -> Any:
    """What one innermost operation becomes in a step: its value, an operation on a fraction
    written over integers, a quotient of integers of SMALL or more cancelled through their
    gcd (``168 / 7`` -> ``cancel(168, 7, gcd(168, 7))``, the gcd by Euclid's algorithm), an
    exact quotient by a composite divided by its smallest prime first (``div(504, 18)`` ->
    ``div(div(504, 2), 9)``), a smaller quotient that is a fraction in lowest terms only
    after cancelling, cancelled by one common prime (``16 / 12`` -> ``8 / 6``), a product of
    two many-digit integers split in two, or ``a mod b`` of integers written through its
    quotient (``187 mod 7`` -> ``(187 - 7*26) mod 7``). Cancelling to lowest terms at once
    was right about two times in three, and a remainder at once about one in three; one
    prime at a time, a quotient with an operand of SMALL or more was right 81-95% of the
    time, the model deciding divisibility from the digits, where Euclid's steps decide it
    by remainders (docs/training.md)."""
    integers = all(v.denominator == 1 for v in args)
    if op in ("+", "-", "*", "/") and not integers:
        return _over_integers(op, *args)
    small = integers and max(map(abs, args)) < SMALL
    if op == "/" and integers and not small and args[0] and abs(args[1]) > 1:
        return ("cancel", *args, ("gcd", *sorted(map(abs, args), reverse=True)))
    if op == "/" and small and args[1] and args[0] % args[1]:
        a, b = map(int, args)
        p = _smallest_common_prime(a, b)
        if p > 1:
            return ("/", Fraction(a // p), Fraction(b // p))
    if op == "gcd" and integers and not small and args[1]:
        return _euclid(*args)
    if op == "cancel" and integers and abs(args[2]) > 1:  # each exact quotient by the gcd its own site
        a, b, g = args
        return ("cancel", ("div", a, g), ("div", b, g), Fraction(1))
    if op == "div" and integers and args[0] and (p := _smallest_common_prime(*map(int, args))) < abs(args[1]):
        a, g = args  # quotients of 10 or more by a composite were right 41-60% of the time at once, by a prime 85-95%
        return ("div", ("div", a, Fraction(p)), g / p)
    if op == "*" and min(map(_nonzero_digits, map(int, args))) >= 2:
        return _split_product(*map(int, args))
    if op == "mod" and integers and args[1] and args[0] // args[1]:
        a, b = args
        return _remainder(a, b, a // b)
    return _apply(op, args)


def _euclid(a: Fraction, b: Fraction, miss: int = 0) -> Any:
    """A step of Euclid's algorithm: ``gcd(a, b)`` -> ``gcd(b, a - b*q)``, the same gcd for
    any integer ``q``, so a wrong quotient (``miss``) costs steps, not the answer. ``q`` is
    ``floor(a/b)``; when it is 0 the operands swap, and negative ones lose their sign first."""
    if a < 0 or b < 0:
        return ("gcd", abs(a), abs(b))
    q = a // b + miss
    return ("gcd", b, a) if q == 0 else ("gcd", b, ("-", a, _times(int(b), int(q))))


def _remainder(a: Fraction, b: Fraction, q: Fraction) -> Any:
    """``a mod b`` written through a quotient ``q``: ``(a - b*q) mod b``, the same value
    for any integer ``q``. With the right ``q`` the next remainder is its own value; with a
    wrong one it is a remainder of a small number, and the chain goes on from there."""
    return ("mod", ("-", a, ("*", b, Fraction(q))), b)


def _reduce(tree: Any) -> Any:
    if isinstance(tree, Fraction):
        return tree
    args = tree[1:]
    if all(isinstance(c, Fraction) for c in args):
        return _step(tree[0], list(args))
    return (tree[0], *(_reduce(c) for c in args))


def _tree_tokens(tree: Any, order: str) -> list[str]:
    if isinstance(tree, Fraction):
        return value_tokens(tree, order)
    out = [tree[0]]
    for c in tree[1:]:
        out += _tree_tokens(c, order)
    return out


def row_tree(row: dict[str, Any]) -> Any:
    """The row's expression as nested tuples with exact Fraction leaves, bindings substituted."""
    return _tree(row["input_polish"], _bindings(row))


def _bindings(row: dict[str, Any]) -> dict[str, Fraction]:
    return {k: Fraction(Decimal(repr(float(v)))) for k, v in row.get("bindings") or []}


def _reductions(tree: Any) -> list[Any]:
    """The lines that reducing ``tree`` step by step gives, its value last."""
    lines = []
    while not isinstance(tree, Fraction):
        tree = _reduce(tree)
        lines.append(tree)
    return lines


def rewrites_first(row: dict[str, Any]) -> bool:
    """Whether the row's first step rewrites its question (substitutes the bindings, writes a
    level-7 root as arithmetic) instead of reducing innermost operations."""
    return bool(row.get("bindings")) or int(row["level"]) in SITE_LEVELS


def _is_answer(row: dict[str, Any], value: Fraction) -> bool:
    """Whether ``value`` is the row's expected value (or, level 7, one of its roots)."""
    wants = [float(row["expected_result"])] + [float(s) for s in row.get("solutions") or []]
    return any(abs(float(value) - w) <= 1e-9 * max(1.0, abs(w)) for w in wants)


def root_step(row: dict[str, Any]) -> tuple[Any, Fraction] | None:
    """A level-7 row's first step and its root (``equations.root_step``), or None."""
    return equations.root_step(_tree(row["input_polish"], {v: v for v in LETTERS}))


def reduction_lines(row: dict[str, Any]) -> list[Any] | None:
    """What each step of a level 1-3 row, or of a level-7 row with a linear equation, gives
    (the last one its value), or None when there are no such steps."""
    try:
        if int(row["level"]) in SITE_LEVELS:
            found = root_step(row)
            if found is None:
                return None
            tree = found[0]
        else:
            tree = row_tree(row)
        steps = _reductions(tree)
    except (ValueError, ZeroDivisionError, KeyError, IndexError, ArithmeticError):
        return None
    if not _is_answer(row, steps[-1] if steps else tree):
        return None
    return ([tree] if rewrites_first(row) else []) + steps


def first_step(row: dict[str, Any], order: str = "lsd") -> tuple[list[str], list[str]] | None:
    """The first of a level-7 row's ``step_pairs`` alone (what training asks of it), checked
    by its root without the steps after it (3.3 s for 20,000 rows against 8.1 s)."""
    try:
        found = root_step(row)
    except (ValueError, ZeroDivisionError, KeyError, IndexError, ArithmeticError):
        return None
    if found is None or not _is_answer(row, found[1]):
        return None
    return source_tokens(row, order), _tree_tokens(found[0], order)


def has_steps(row: dict[str, Any], mode: str) -> bool:
    """Whether the brain solves ``row`` step by step under ``[data] target = mode``. A level-7
    row is solved by sites only: its first step's question is the whole equation, while a
    step written whole would be its root formula again and again, 60-120 tokens a line."""
    level = int(row["level"])
    return (mode in ("steps", "sites") and level in STEP_LEVELS) or (mode == "sites" and level in SITE_LEVELS)


def step_pairs(row: dict[str, Any], order: str = "lsd") -> list[tuple[list[str], list[str]]] | None:
    """(source, target) tokens of each step of a row solved by steps (``reduction_lines``),
    or None when it has none."""
    lines = reduction_lines(row)
    return None if lines is None else _step_pairs(row, lines, order)


def training_pairs(row: dict[str, Any], order: str = "lsd") -> list[tuple[list[str], list[str]]] | None:
    """What training learns from a row solved by steps: its ``step_pairs``, then its
    ``correction_pairs``, from one reduction; None when it has no steps."""
    lines = reduction_lines(row)
    return None if lines is None else _step_pairs(row, lines, order) + _correction_pairs(row, lines, order)


def _step_pairs(row: dict[str, Any], lines: list[Any], order: str) -> list[tuple[list[str], list[str]]]:
    targets = [_tree_tokens(line, order) for line in lines]
    return list(zip([source_tokens(row, order)] + targets[:-1], targets))


def _miss_quotients(tree: Any, miss: int) -> Any:
    """``tree`` with every written-out remainder's quotient off by ``miss``."""
    if isinstance(tree, Fraction):
        return tree
    if tree[0] == "mod" and _is_remainder(tree):
        a, b, q = tree[1][1], tree[2], tree[1][2][2]
        return _remainder(a, b, q + miss)
    return (tree[0], *(_miss_quotients(c, miss) for c in tree[1:]))


def _euclid_step(tree: Any) -> Any:
    """The first written-out step of Euclid's algorithm in ``tree``,
    ``(gcd b (- a (* b q)))`` of numbers (``(gcd b (- a b))`` when ``q`` is 1), or None."""
    if isinstance(tree, Fraction):
        return None
    if tree[0] == "gcd" and isinstance(tree[1], Fraction) and not isinstance(tree[2], Fraction):
        b, minus = tree[1], tree[2]
        if minus[0] == "-" and isinstance(minus[1], Fraction) and (minus[2] == b or (
                not isinstance(minus[2], Fraction) and minus[2][:2] == ("*", b) and isinstance(minus[2][2], Fraction))):
            return tree
    return next((found for c in tree[1:] if (found := _euclid_step(c)) is not None), None)


def _is_remainder(tree: Any) -> bool:
    """Whether a ``mod`` node is a remainder written out, ``(mod (- a (* b q)) b)`` of numbers."""
    minus = tree[1]
    return (not isinstance(minus, Fraction) and minus[0] == "-" and not isinstance(minus[2], Fraction)
            and minus[2][0] == "*" and all(isinstance(x, Fraction) for x in (minus[1], *minus[2][1:], tree[2])))


MISSES = (-1, 1)


def correction_pairs(row: dict[str, Any], order: str = "lsd") -> list[tuple[list[str], list[str]]]:
    """Steps that recover from a wrong quotient, one too small or one too large (which, a
    hash of the row says): for each line that writes a remainder out through its quotient,
    the chain from that line with the quotient missed; for the row's first step of Euclid's
    algorithm, that gcd's own chain from the missed step. The model's quotients were often
    off by a few (docs/training.md); these teach the steps after a miss, never the miss."""
    return _correction_pairs(row, reduction_lines(row) or [], order)


def _correction_pairs(row: dict[str, Any], lines: list[Any], order: str) -> list[tuple[list[str], list[str]]]:
    if "mod" not in row["input_polish"] and "/" not in row["input_polish"]:  # no quotient is written out
        return []
    miss = MISSES[zlib.crc32(row["input_polish"].encode()) % len(MISSES)]
    chains, euclid = [], None
    for line in lines:
        tree = _miss_quotients(line, miss)
        if tree != line:
            chains.append([tree] + _reductions(tree))
        euclid = euclid or _euclid_step(line)
    if euclid is not None:
        tree = _euclid(euclid[2][1], euclid[1], miss)
        chains.append([tree] + _reductions(tree))
    out = []
    for chain in chains:
        toks = [_tree_tokens(t, order) for t in chain]
        out += list(zip(toks[:-1], toks[1:]))
    return out


def target_tokens(row: dict[str, Any], order: str = "lsd") -> list[str]:
    """The whole answer of a row: the value, or for level 5 the derivative."""
    if int(row["level"]) in SYMBOLIC_LEVELS:
        return expression_tokens(row["expected_symbolic"], order)
    return value_tokens(expected_value(row), order)


def is_value(tokens: list[str]) -> bool:
    """Whether decoded tokens are one number (where a chain of steps stops)."""
    return bool(tokens) and tokens[0] in ("P", "M") and all(t in NUMBER_BODY for t in tokens[1:])


def target_polish(row: dict[str, Any]) -> str:
    """The target as a Polish string (what the GED compares the model's answer with)."""
    if int(row["level"]) in SYMBOLIC_LEVELS:
        return str(row["expected_symbolic"])
    return tokens_to_polish(value_tokens(expected_value(row), "lsd"), "lsd") or "0"


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
