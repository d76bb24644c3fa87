"""The command line: one module per subcommand, each with ``add_parser(subparsers)``.

Subcommand modules import their heavy dependencies (torch, datasets) inside
``run`` so that ``--help`` and the data tools start fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from grapheme_lab import GraphemeError, __version__

# one verb per job, in the order of a run: data, its check, training, scoring, trying, curves
COMMANDS = ("generate", "validate", "corpus", "train", "evaluate", "sample", "chat", "serve", "distill", "repl",
            "plot", "tokenizer")


class CommandListFormatter(argparse.HelpFormatter):
    """One line a command in ``--help``: argparse measures the commands' names at their
    parent's indent but prints them 2 columns deeper, so the longest one wrapped."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.nargs == argparse.PARSER:
            self._action_max_length = max(self._action_max_length,
                                          self._current_indent + 2 + max(map(len, action.choices)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grapheme_lab",
        formatter_class=CommandListFormatter,
        description="grapheme_lab: a symbolic-math curriculum, its models, and language models.",
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
