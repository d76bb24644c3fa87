"""Accuracy of a brain checkpoint by the kinds of operation a row needs, and by its
number of operations, engine-judged like `evaluate`; on val rows when it picks what to
change next (decisions are made on val, the test split only reports, docs/training.md).

A level-1 row has one operation; a level-2 row two to a dozen. A row counts under every
kind of operation it holds, so on level 2 the table reads "accuracy of the rows that
need at least one such operation". For a model that solves by steps, three more tables
score each step on its own, given its right input: by how many operations the step
reduces at once, by the length of its input, and by the kinds of operation it reduces;
for one that solves a step site by site, a table scores each site on its own, and a
last one counts the wrong rows by the operators of the sites they hold that are wrong on
their own (a row counts under each).

    python benches/brain_ops.py --model checkpoints/quickstart/final.pt --data data/qs/val/level_1.jsonl
"""

from __future__ import annotations

import argparse
import collections
import math
from fractions import Fraction
from typing import Any

import torch

from grapheme_lab import GraphemeError, engine, steps
from grapheme_lab.brain import sites
from grapheme_lab.brain import targets as T
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.checkpoint import load_model
from grapheme_lab.brain.data import Curriculum, pad, read_jsonl
from grapheme_lab.brain.evaluate import decode_steps, evaluate_examples


_OPS = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Pow": "^", "Mod": "mod", "Eq": "=", "Neg": "neg"}


def tree_of(polish: str) -> Any:
    """The engine's tree of ``polish`` as nested tuples ``(op, *operands)`` with Fraction
    leaves (from its JSON form: the engine parses)."""
    def walk(node: dict) -> Any:
        (kind, body), = node.items()
        if kind == "Value":
            (leaf, x), = body.items()
            return Fraction(*x) if leaf == "Rational" else Fraction(str(x)) if leaf != "Symbol" else x
        if kind == "Function":
            return (body["func"].lower(), *map(walk, body["args"]))
        if kind == "UnaryOp":
            return (_OPS[body["op"]], walk(body["operand"]))
        return (_OPS[body["op"]], walk(body["left"]), walk(body["right"]))

    return walk(engine.parse(polish).to_json())


def polish_of(op: str, args: list[Fraction]) -> str:
    return f"({op} {' '.join(str(a) for a in args)})"


def value(op: str, args: list[Fraction]) -> Fraction:
    """The exact value of one operation on numbers: the last line of the engine's trace."""
    return Fraction(steps.trace(polish_of(op, args))[-1])


def operation_kind(op: str, args: list[Fraction]) -> str:
    """What makes one operation hard: its operator, and for integer products and quotients
    the factors' digit counts or what the quotient needs (a large one is written through its
    gcd, whose Euclid steps, value, cancelling and exact quotients are kinds of their own)."""
    if any(a.denominator != 1 for a in args):
        return f"{op} rational"
    if op == "*":  # "* 1x2": a one-digit times a two-digit number
        return "* {}x{}".format(*sorted(len(str(abs(a.numerator))) for a in args))
    # what the engine's step writes decides the kind: a number, or an operation
    step = steps.step(polish_of(op, args)) if op in ("/", "gcd", "div") else ""
    if op == "/" and step.startswith("(cancel"):  # written out through the gcd, a copy
        return "/ via gcd"
    if op == "/":
        a, b = (int(x) for x in args)
        return "/ integer" if b and a % b == 0 else "/ coprime" if math.gcd(a, b) == 1 else "/ reduce"
    if op == "gcd":  # a step of Euclid's algorithm, or the gcd of small operands at once
        return "gcd step" if step.startswith("(") else "gcd"
    if op == "cancel":
        return "cancel by 1" if args[2] == 1 else "cancel"
    if op == "div":  # an exact quotient by a prime at once, or by a composite one prime at a time
        return "div composite" if step.startswith("(") else "div"
    return op


def _question(row: dict[str, Any]) -> str:
    """The row's expression of numbers: its bindings substituted (the trace's first line)."""
    lines = steps.trace(row["input_polish"], row.get("bindings") or [])
    return lines[0] if row.get("bindings") else row["input_polish"]


def operations(row: dict[str, Any]) -> list[str] | None:
    """The kinds of the row's operations, innermost first; None when it has no exact reduction."""
    out: list[str] = []

    def walk(tree: Any) -> Fraction:
        if isinstance(tree, Fraction):
            return tree
        args = [walk(c) for c in tree[1:]]
        out.append(operation_kind(tree[0], args))
        return value(tree[0], args)

    try:
        walk(tree_of(_question(row)))
    except GraphemeError:
        return None
    return out


def step_operations(row: dict[str, Any]) -> list[list[str]]:
    """The kinds of the innermost operations each reduction step of the row reduces, in the
    order of ``targets.step_pairs`` (none for a first step that rewrites the question)."""
    lines = T.reduction_lines(row) or []
    rewrites_first = bool(row.get("bindings")) or row["input_polish"].startswith("(solve")
    inputs = ([None] if rewrites_first else [row["input_polish"]]) + lines[:-1]

    def innermost(tree: Any) -> list[str]:
        if tree is None or isinstance(tree, Fraction):
            return []
        if all(isinstance(c, Fraction) for c in tree[1:]):
            return [operation_kind(tree[0], list(tree[1:]))]
        return [kind for c in tree[1:] for kind in innermost(c)]

    return [innermost(None if t is None else tree_of(t)) for t in inputs]


def step_widths(row: dict[str, Any]) -> list[int]:
    """How many operations each reduction step of the row reduces at once (0: the step that
    substitutes the bindings)."""
    return [len(ops) for ops in step_operations(row)]


def step_kinds(row: dict[str, Any]) -> list[set[str]]:
    """The kinds of operation each reduction step of the row reduces."""
    return [set(ops) for ops in step_operations(row)]


def score_steps(model, cfg, rows: list[dict[str, Any]]) -> dict[int, set[str]]:
    """Each step of each row on its own (greedy, given the right input), and under
    ``target = "sites"`` each site of those steps on its own; returns the operators of
    each row's wrong sites, by the row's ``id`` (none when not solved by sites)."""
    taken = []  # (source tokens, target tokens, kinds of the operations reduced, row)
    for row in rows:
        pairs = T.step_pairs(row, cfg.data.number_order)
        taken += [(src, tgt, ops, row) for (src, tgt), ops in zip(pairs or [], step_operations(row))]
    taken = [s for s in taken if len(s[0]) <= cfg.model.max_source_len]
    right_w, total_w, right_len, total_len, right_k, total_k = (collections.Counter() for _ in range(6))
    for i in range(0, len(taken), 256):
        chunk = taken[i : i + 256]
        got = decode_steps(model, [V.encode(s[0]) for s in chunk], [T.has_steps(s[3], cfg.data.target) for s in chunk], cfg, "cpu")
        for toks, (src, tgt, ops, _) in zip(got, chunk):
            ok = toks == tgt
            w = len(ops) if len(ops) < 3 else "3+"
            length = f"{len(src) // 8 * 8}-{len(src) // 8 * 8 + 7}" if len(src) < 32 else "32+"
            right_w[w] += ok
            total_w[w] += 1
            right_len[length] += ok
            total_len[length] += 1
            for kind in set(ops):
                right_k[kind] += ok
                total_k[kind] += 1
    print_table("step reduces", right_w, total_w, len(taken), "steps")
    print_table("step input", right_len, total_len, len(taken), "steps")
    print_table("step does", right_k, total_k, len(taken), "steps")
    return score_sites(model, cfg, taken) if cfg.data.target == "sites" else {}


def score_sites(model, cfg, taken: list) -> dict[int, set[str]]:
    """Each site of the steps taken asked on its own, by the kind of operation it is; returns
    the operators of each row's wrong sites, by the row's ``id``."""
    asked = [(q, a, kind, row) for src, tgt, ops, row in taken
             for (q, a), kind in zip(sites.asked(src, tgt), ops)]
    right, total = collections.Counter(), collections.Counter()
    wrong: dict[int, set[str]] = collections.defaultdict(set)
    for i in range(0, len(asked), 256):
        chunk = asked[i : i + 256]
        with torch.no_grad():
            out = model.greedy(pad([V.encode(q) for q, *_ in chunk]), cfg.model.max_target_len).tolist()
        for ids, (_, answer, kind, row) in zip(out, chunk):
            ok = V.decode(ids) == answer
            right[kind] += ok
            total[kind] += 1
            if not ok:
                wrong[id(row)].add(kind.split()[0])
    print_table("site is", right, total, len(asked), "sites")
    return wrong


def print_table(title: str, right: collections.Counter, total: collections.Counter, n: int, what: str = "rows") -> None:
    print(f"{title:<14} {what:>6} {'share':>6} {'accuracy':>9}")
    for key in sorted(total, key=lambda k: (-total[k], str(k))):
        print(f"{key!s:<14} {total[key]:>6} {total[key] / n:>6.1%} {right[key] / total[key]:>9.1%}")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, help="a JSONL file of rows")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, cfg = load_model(args.model)
    encoder = Curriculum(cfg)
    rows = list(read_jsonl(args.data))
    examples = [e for e in map(encoder.encode, rows) if e is not None]
    results = evaluate_examples(model, examples, cfg, "cpu")
    right, total = collections.Counter(), collections.Counter()
    right_n, total_n = collections.Counter(), collections.Counter()
    for (_, verdict), (_, _, row) in zip(results, examples):
        kinds = operations(row) or ["(no exact reduction)"]
        for kind in set(kinds):
            right[kind] += verdict.correct
            total[kind] += 1
        n_ops = len(kinds) if len(kinds) < 6 else "6+"
        right_n[n_ops] += verdict.correct
        total_n[n_ops] += 1
    n = len(rows)
    print_table("operation", right, total, len(examples))
    if len(total_n) > 1:
        print_table("operations", right_n, total_n, len(examples))
    print(f"all {n} rows: {sum(right_n.values()) / max(n, 1):.1%} "
          f"({n - len(examples)} too long for the model, counted wrong)")
    stepped = [r for r in rows if T.has_steps(r, cfg.data.target)]
    if not stepped:
        return
    print()
    wrong_sites = score_steps(model, cfg, stepped)
    if cfg.data.target == "sites":
        failed = [row for (_, verdict), (_, _, row) in zip(results, examples) if not verdict.correct]
        by_op = collections.Counter(op for row in failed for op in wrong_sites.get(id(row)) or {"(none)"})
        print(f"{'wrong rows':<14} {'rows':>6}   ({len(failed)} wrong rows, by the operators of their wrong sites)")
        for op, k in by_op.most_common():
            print(f"{op:<14} {k:>6}")


if __name__ == "__main__":
    main()
