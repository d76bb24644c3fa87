"""Test accuracy of a brain checkpoint per root operation (level 1: which arithmetic it has
learned), engine-judged like `validate`.

    python benches/brain_ops.py --model checkpoints/quickstart/final.pt --data data/qs/test/level_1.jsonl
"""

from __future__ import annotations

import argparse
import collections
import math

import torch

from grapheme_lab.brain.checkpoint import load_model
from grapheme_lab.brain.data import Curriculum, read_jsonl
from grapheme_lab.brain.evaluate import evaluate_examples


def operation(polish: str) -> str:
    """The root operation; a product or division of integers also says what makes it hard."""
    op, *args = polish.strip("()").split()
    if len(args) != 2 or not all(a.lstrip("-").isdigit() for a in args):
        return op
    a, b = int(args[0]), int(args[1])
    if op == "*":  # by the factors' digit counts: "* 1x2" is a one-digit times a two-digit number
        return "* {}x{}".format(*sorted(len(str(abs(x))) for x in (a, b)))
    if op == "/":
        return "/ integer" if b and a % b == 0 else "/ coprime" if math.gcd(a, b) == 1 else "/ reduce"
    return op


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
    for (_, verdict), (_, _, row) in zip(results, examples):
        op = operation(row["input_polish"])
        right[op] += verdict.correct
        total[op] += 1
    print(f"{'operation':<10} {'rows':>6} {'accuracy':>9}")
    for op in sorted(total, key=total.get, reverse=True):
        print(f"{op:<10} {total[op]:>6} {right[op] / total[op]:>9.1%}")
    n = len(rows)
    print(f"{'all':<10} {n:>6} {sum(right.values()) / max(n, 1):>9.1%}  ({n - len(examples)} rows too long, counted wrong)")


if __name__ == "__main__":
    main()
