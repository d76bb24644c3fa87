"""``repl --model CKPT``: type an expression, see the engine's answer, the model's, and their GED.

Lines are read from standard input, so it works in a plain terminal and from a pipe.
A model trained by steps (``[data] target = "steps"`` or ``"sites"``) also shows its steps.
Bindings follow the expression: ``(+ x 3) x=2``. The level (which decides how the
answer is judged) is read from the form: ``derive`` 5, ``integrate`` 6, ``solve`` 7,
bindings 3, otherwise numeric. ``:quit`` (or end of input) leaves.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import torch

from grapheme_lab import GraphemeError, engine
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.checkpoint import load_model
from grapheme_lab.brain.evaluate import solve
from grapheme_lab.brain.judge import judge
from grapheme_lab.ged import expression_ged_batch


def parse_line(line: str) -> dict[str, Any]:
    """A curriculum row for ``(expr) [name=value ...]``, answered by the engine."""
    text, _, rest = line.strip().rpartition(")")
    expr_text = (text + ")") if text else line.strip()
    rest = rest if text else ""
    bindings = []
    for item in rest.split():
        name, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"binding {item!r} is not of the form name=value")
        try:
            bindings.append((name, float(value)))
        except ValueError:
            raise ValueError(f"binding {item!r}: {value!r} is not a number") from None
    expr = engine.parse(expr_text)
    polish = str(expr)
    head = polish[1:].split(" ", 1)[0] if polish.startswith("(") else ""
    row: dict[str, Any] = {"input_polish": polish, "bindings": bindings, "expected_result": None, "expected_symbolic": None}
    if head == "derive":
        row["level"], row["expected_symbolic"] = 5, str(engine.run(expr))
    elif head == "solve":
        roots = engine.run(expr)
        if not roots:
            raise ValueError("the engine finds no real root")
        row.update(level=7, expected_result=roots[0], solutions=list(roots))
    else:
        row["level"] = 6 if head == "integrate" else 3 if bindings else 2
        row["expected_result"] = engine.evaluate(expr, bindings) if head != "integrate" else engine.run(expr)
    return row


def answer(model, cfg, row: dict[str, Any], device="cpu") -> tuple[str, str, bool, float, list[str]]:
    """(engine's answer, model's answer, correct, GED between them, the model's steps when it took several)."""
    src = V.encode(T.source_tokens(row, cfg.data.number_order))
    if len(src) > cfg.model.max_source_len:
        raise ValueError(f"the expression is {len(src)} tokens; this model reads at most {cfg.model.max_source_len}")
    toks = solve(model, [(src, [], row)], cfg, device)[0]
    verdict = judge(row, toks, cfg.data.number_order)
    target = T.target_polish(row)
    ged = float(expression_ged_batch([verdict.answer or ""], [target], cfg.ged_costs(), malformed="penalty")[0])
    shown = verdict.answer if verdict.answer is not None else f"<malformed: {' '.join(V.answer_tokens(toks)) or 'nothing'}>"
    lines = " ".join(toks).split(" ; ")
    steps = [V.tokens_to_polish(line.split(), cfg.data.number_order) or f"<malformed: {line}>" for line in lines]
    return target, shown, verdict.correct, ged, steps if len(steps) > 1 else []


def loop(model, cfg, inp: TextIO, out: TextIO, device="cpu") -> int:
    prompt = "grapheme> " if inp.isatty() else ""
    while True:
        if prompt:
            out.write(prompt)
            out.flush()
        line = inp.readline()
        if not line or line.strip() in (":quit", ":q", "exit"):
            return 0
        if not line.strip():
            continue
        try:
            row = parse_line(line)
            engine_ans, model_ans, ok, ged, steps = answer(model, cfg, row, device)
        except (GraphemeError, ValueError) as e:
            out.write(f"error: {e}\n")
            out.flush()
            continue
        out.write(f"engine: {engine_ans}\nmodel:  {model_ans}  ({'correct' if ok else 'wrong'}, GED {ged:.2f})\n")
        if steps:
            out.write(f"steps:  {' -> '.join(steps)}\n")
        out.flush()


def main(args: argparse.Namespace) -> int:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, cfg = load_model(args.model, device)
    if sys.stdin.isatty():
        print(f"GRAPHEME brain {args.model}: type an expression like (+ (* 2 3) 4) or (+ x 3) x=2; :quit to leave")
    return loop(model, cfg, sys.stdin, sys.stdout, device)
