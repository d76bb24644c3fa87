"""``validate``: re-check a generated data set (``--input DIR``) or score a
trained model (``--model CKPT --data PATH``)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="re-check generated data with the engine, or evaluate a trained model",
        description=(
            "With --input DIR: re-check every row of a generated data set with the engine "
            "(schema, value, uniqueness, split leakage) and exit non-zero on any failure. "
            "With --model CKPT --data PATH: a per-level table of a model's engine-verified "
            "accuracy, mean GED to the target and malformed-output rate."
        ),
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--input", metavar="DIR", help="a data set written by `generate`")
    what.add_argument("--model", metavar="CKPT", help="a checkpoint written by `train`")
    p.add_argument("--data", metavar="PATH", help="with --model: a split folder or a JSONL file")
    p.add_argument("--limit", type=int, default=None, help="with --model: at most this many rows per level")
    p.add_argument("--beam", type=int, default=1, help="with --model: beam width (1 = greedy)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.input is not None:
        from grapheme_lab.dataset_check import main as check_dataset

        return check_dataset(args)
    if args.data is None:
        raise ValueError("validate --model needs --data PATH (a split folder or a JSONL file)")
    from grapheme_lab.brain.evaluate import main as evaluate_model

    return evaluate_model(args)
