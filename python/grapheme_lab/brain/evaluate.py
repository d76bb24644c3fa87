"""``validate --model CKPT --data PATH``: a per-level table of engine-verified accuracy,
mean GED of the answer to the target, and malformed-output rate.

PATH is a split folder (``data/generated/test``, files ``level_N.jsonl``) or one JSONL
file of rows in the curriculum schema (e.g. hand-written edge cases). Rows too long
for the model count as wrong (and are reported).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import torch

from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.checkpoint import load_model
from grapheme_lab.brain.data import Curriculum, rows_by_level
from grapheme_lab.brain.train import evaluate_examples
from grapheme_lab.ged import expression_ged_batch


def evaluate(model, cfg, rows: list[dict[str, Any]], beam: int = 1, device="cpu") -> dict[str, float]:
    """Accuracy, mean GED, malformed rate and counts over ``rows`` (one level or a mix)."""
    encoder = Curriculum(cfg)
    examples, too_long = [], 0
    for r in rows:
        e = encoder.encode(r)
        if e is None:
            too_long += 1
        else:
            examples.append(e)
    results = evaluate_examples(model, examples, cfg, device, beam=beam)
    hyps = [v.answer or "" for _, v in results]
    targets = [V.target_polish(e[2]) for e in examples]
    geds = expression_ged_batch(hyps, targets, cfg.ged_costs(), malformed="penalty") if examples else []
    n = len(rows)
    return {
        "n": n,
        "accuracy": sum(v.correct for _, v in results) / max(n, 1),
        "ged": float(sum(geds)) / max(len(examples), 1),
        "malformed": (sum(v.malformed for _, v in results) + too_long) / max(n, 1),
        "too_long": too_long,
    }


def table(results: dict[int, dict[str, float]]) -> str:
    lines = ["level      rows  accuracy  mean GED  malformed", "-----  --------  --------  --------  ---------"]
    for level, r in results.items():
        lines.append(f"{level:>5}  {r['n']:>8}  {r['accuracy']:>8.1%}  {r['ged']:>8.2f}  {r['malformed']:>9.1%}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, cfg = load_model(args.model, device)
    if args.beam < 1:
        raise ValueError(f"--beam must be >= 1, got {args.beam}")
    results = {}
    for level, rows in rows_by_level(args.data).items():
        rows = rows[: args.limit] if args.limit else rows
        results[level] = evaluate(model, cfg, rows, beam=args.beam, device=device)
    print(f"model {args.model} on {args.data} ({'greedy' if args.beam == 1 else f'beam {args.beam}'})")
    print(table(results))
    sys.stdout.flush()
    return 0
