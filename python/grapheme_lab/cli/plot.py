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
    from grapheme_lab.brain import plot as brain_plot
    from grapheme_lab.lm import plot as lm_plot

    events = brain_plot.read_log(args.log)
    (lm_plot.plot if lm_plot.is_lm_log(events) else brain_plot.plot)(events, args.output)
    print(f"wrote {args.output}")
    return 0
