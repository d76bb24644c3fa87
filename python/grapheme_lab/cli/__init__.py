"""The command line: one module per subcommand, each with ``add_parser(subparsers)``.

Subcommand modules import their heavy dependencies (torch, datasets) inside
``run`` so that ``--help`` and the data tools start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from grapheme_lab import GraphemeError, __version__

COMMANDS = ("generate", "validate", "corpus", "train", "sample", "repl", "plot", "tokenizer")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grapheme_lab",
        description="grapheme_lab: a verified symbolic-math curriculum, its models and tools.",
    )
    parser.add_argument("--version", action="version", version=f"grapheme_lab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"grapheme_lab.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (GraphemeError, FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
