"""The chat's calculator: a tool call's text evaluated by the package's symbolic engine.

The text is either written the way word problems write it (``3*(4+5)/2``, ``-2^2``,
``sqrt(16) + 1,000 × 0.5``) or in the engine's Polish form (``(/ (* 3 (+ 4 5)) 2)``, which also
reaches ``derive``, ``solve`` and ``integrate``). Infix text is read by a small recursive-descent
parser into the Polish form; nothing is ever handed to Python's ``eval`` and no code runs. The
input's length and nesting are limited here, and time by the engine's own step budget, which
turns a runaway (``10^10^10``, a huge derivative) into an error in well under a second. Every
failure is the tool's answer, a one-line string starting ``error:``, never an exception.

Grammar (``^`` and ``**`` bind tightest and to the right, so ``-2^2`` is -4 and ``2^3^2`` 512)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | "×" | "÷") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("^" | "**") unary)?
    atom    := number | "pi" | "e" | FUNCTION "(" expr ")" | "(" expr ")"
    number  := 1000 | 1,000 | 2.5 | .5 | 1e-3
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from grapheme_lab import GraphemeError

MAX_INPUT_CHARS = 512  # a word problem's expression is a line; beyond that it is not a calculation
MAX_NESTING = 32  # parentheses and unary minuses deep; the engine itself allows 200
MAX_OUTPUT_CHARS = 256  # a symbolic answer (a derivative) may grow; the model reads the start

FUNCTIONS = ("sin", "cos", "tan", "exp", "ln", "log", "sqrt", "abs", "floor", "ceil")
CONSTANTS = ("pi", "e")

# one token: a number (digits with optional 3-digit comma groups, a decimal part, an exponent),
# a name, a two-character power, or one operator character
_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|[-+*/^()×÷−]))")
_OPS = {"×": "*", "÷": "/", "−": "-", "**": "^"}  # typographic and Python spellings
_POLISH_HEAD = re.compile(r"\(\s*(?:[-+*/^=]\s|[-+*/^=]\(|(?:" + "|".join(
    FUNCTIONS + ("mod", "neg", "derive", "integrate", "solve")) + r")[\s(])")


class CalculatorError(ValueError):
    """Text the calculator cannot read; its message is the tool's answer after ``error:``."""


@dataclass
class _Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    at: int  # character offset in the input


def _tokens(text: str) -> list[_Token]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            at = len(text) - len(text[pos:].lstrip())
            raise CalculatorError(f"unexpected character {text[at]!r} at {at}")
        kind = m.lastgroup
        value = m.group(kind)
        out.append(_Token(kind, _OPS.get(value, value), m.start(kind)))
        pos = m.end()
    out.append(_Token("end", "", len(text)))
    return out


def _number(text: str) -> str:
    """The engine's literal for a number token: commas dropped, a float in shortest form."""
    text = text.replace(",", "")
    if re.fullmatch(r"\d+", text):
        return text.lstrip("0") or "0"
    value = float(text)
    if not math.isfinite(value):
        raise CalculatorError(f"number {text} is too large")
    return repr(value)


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.tok.text != text or self.tok.kind != "op":
            raise CalculatorError(f"expected {text!r} at {self.tok.at}, found {self._name(self.tok)}")
        self.take()

    @staticmethod
    def _name(tok: _Token) -> str:
        return "the end" if tok.kind == "end" else repr(tok.text)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise CalculatorError(f"nested deeper than {MAX_NESTING} levels")

    def parse(self) -> str:
        if self.tok.kind == "end":
            raise CalculatorError("empty expression")
        out = self.expr()
        if self.tok.kind != "end":
            raise CalculatorError(f"unexpected {self._name(self.tok)} at {self.tok.at}")
        return out

    def expr(self) -> str:
        left = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take().text
            left = f"({op} {left} {self.term()})"
        return left

    def term(self) -> str:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.take().text
            left = f"({op} {left} {self.unary()})"
        return left

    def unary(self) -> str:
        if self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take().text
            self.nest()
            inner = self.unary()
            self.depth -= 1
            return f"(neg {inner})" if op == "-" else inner
        return self.power()

    def power(self) -> str:
        base = self.atom()
        if self.tok.kind == "op" and self.tok.text == "^":
            self.take()
            self.nest()
            exponent = self.unary()  # right-associative; 2^-1 is allowed
            self.depth -= 1
            return f"(^ {base} {exponent})"
        return base

    def atom(self) -> str:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            return _number(tok.text)
        if tok.kind == "name":
            name = tok.text.lower()
            self.take()
            if name in CONSTANTS:
                return name
            if name in FUNCTIONS:
                self.expect("(")
                self.nest()
                arg = self.expr()
                self.depth -= 1
                self.expect(")")
                return f"({name} {arg})"
            raise CalculatorError(f"unknown name {tok.text!r} at {tok.at} (functions: {', '.join(FUNCTIONS)}; "
                                  "constants: pi, e)")
        if tok.kind == "op" and tok.text == "(":
            self.take()
            self.nest()
            inner = self.expr()
            self.depth -= 1
            self.expect(")")
            return inner
        raise CalculatorError(f"expected a number, a name or '(' at {tok.at}, found {self._name(tok)}")


def to_polish(text: str) -> str:
    """The engine's Polish form of an infix expression (raises ``CalculatorError``)."""
    if len(text) > MAX_INPUT_CHARS:
        raise CalculatorError(f"expression is {len(text)} characters long (at most {MAX_INPUT_CHARS})")
    return _Parser(text).parse()


def format_result(value) -> str:
    """A number as the model should read it: integers without ``.0``, floats in shortest form,
    lists (roots) and expressions as the engine prints them."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(format_result(v) for v in value) + "]"
    return str(value)


def _max_depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    return deepest


def calculate(text: str) -> str:
    """The calculator's answer to a tool call: the value, or ``error: ...`` (never raises)."""
    from grapheme_lab import engine

    text = text.strip()
    polish = text
    try:
        if len(text) > MAX_INPUT_CHARS:
            raise CalculatorError(f"expression is {len(text)} characters long (at most {MAX_INPUT_CHARS})")
        try:
            polish = to_polish(text)
        except CalculatorError:
            # not infix: the Polish form when it looks like one (the engine then says what is
            # wrong with it), else the infix parser's complaint
            if not _POLISH_HEAD.match(text):
                raise
            polish = text
            if _max_depth(text) > MAX_NESTING:  # the engine allows 200 levels
                raise CalculatorError(f"nested deeper than {MAX_NESTING} levels") from None
        answer = format_result(engine.run(polish))
    except CalculatorError as e:
        return f"error: {e}"
    except GraphemeError as e:
        message = str(e)
        if polish is not text:  # the engine's byte offsets point into the translation, not the input
            message = re.sub(r" \(at byte \d+\)", "", message)
        return f"error: {message}"
    if len(answer) > MAX_OUTPUT_CHARS:
        answer = answer[:MAX_OUTPUT_CHARS] + " ..."
    return answer
