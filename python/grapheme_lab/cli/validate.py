"""``validate --input DIR``: re-check a generated data set with the engine.

``validate --model CKPT --data PATH`` was the old way to score a model; it still works,
with a note on stderr, and runs ``evaluate``."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="re-check a generated data set with the engine",
        description=(
            "Re-check every row of a data set written by `generate` with the engine (schema, value, "
            "uniqueness, split leakage) and exit non-zero on any failure. To score a model, use `evaluate`."
        ),
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--input", metavar="DIR", help="a data set written by `generate`")
    what.add_argument("--model", metavar="CKPT", help="deprecated: use `evaluate --model CKPT --data PATH`")
    p.add_argument("--data", metavar="PATH", help="with --model (deprecated): a split folder or a JSONL file")
    p.add_argument("--limit", type=int, default=None, help="with --model (deprecated): at most this many rows per level")
    p.add_argument("--beam", type=int, default=1, help="with --model (deprecated): beam width (1 = greedy)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.input is not None:
        from grapheme_lab.dataset_check import main as check_dataset

        return check_dataset(args)
    print("note: `validate --model` is deprecated; it is `evaluate --model CKPT --data PATH` now", file=sys.stderr)
    from grapheme_lab.cli import build_parser, evaluate

    # the same options through evaluate's own parser, so it gets every default it reads
    argv = ["evaluate", "--model", args.model, "--beam", str(args.beam)]
    argv += ["--data", args.data] if args.data is not None else []
    argv += ["--limit", str(args.limit)] if args.limit is not None else []
    return evaluate.run(build_parser().parse_args(argv))
