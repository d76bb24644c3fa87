"""``repl --model CKPT``: ask the brain and the engine, side by side."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("repl", help="type expressions; see the engine's answer and the model's")
    p.add_argument("--model", required=True, metavar="CKPT", help="a checkpoint written by `train`")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab.brain.repl import main

    return main(args)
