"""``plot training.log --output curves.png``: a brain's loss and accuracy per level, or a
language model's loss and validation bits per byte, over the optimizer steps."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="draw a training log's loss and validation curves")
    p.add_argument("log", metavar="LOG", help="the JSONL metrics log written by `train` ([paths] log_file)")
    p.add_argument("--output", default="curves.png", metavar="PNG", help="the image to write (default curves.png)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab.brain.plot import main

    return main(args)
