"""``generate``: write the verified curriculum as JSONL (see docs/generator.md)."""

from __future__ import annotations

import argparse

_DESCRIPTION = """\
Generate GRAPHEME's 7-level symbolic-math curriculum: 1 arithmetic, 2 nested
operations, 3 symbol substitution (bindings), 4 functions, 5 differentiation,
6 definite integration, 7 equation solving. Every row is answered by the engine
and checked by an independent route (f64 evaluation, finite differences,
quadrature, planted roots) before it is written; rows are unique by canonical
form within a level and train/val/test are disjoint.

Writes DIR/{train,val,test}/level_N.jsonl, then DIR/manifest.json (counts, seed,
version, sha256 of every file) last; each file goes to a temporary name and is
renamed when complete. The same --seed gives the same bytes for any --threads.
"""

_EPILOG = """\
examples:
  python -m grapheme_lab generate --all-levels --output data/generated
  python -m grapheme_lab generate --level 5 --samples 2000 --output /tmp/l5
  # four machines, then concatenate each file in shard order:
  python -m grapheme_lab generate --all-levels --shard 2/4 --output part2
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="generate the verified 7-level curriculum as JSONL",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--all-levels",
        action="store_true",
        help="generate levels 1-7 (default sizes 10k/50k/50k/100k/100k/100k/100k rows)",
    )
    which.add_argument("--level", type=int, choices=range(1, 8), metavar="L", help="generate level L (1-7) only")
    p.add_argument("--output", required=True, metavar="DIR", help="output folder (created if missing)")
    p.add_argument(
        "--samples",
        type=int,
        default=None,
        metavar="N",
        help="rows per level (default: the level's default size); with --all-levels, every level gets N",
    )
    p.add_argument("--format", choices=["jsonl"], default="jsonl", help="output format (JSON Lines, one row a line)")
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="random seed (default 0); the same seed gives the same bytes"
    )
    p.add_argument(
        "--threads", type=int, default=0, metavar="N", help="worker threads, 0 = all cores (output does not depend on it)"
    )
    p.add_argument(
        "--shard",
        default="0/1",
        metavar="K/N",
        help="generate only shard K of N (0-based, N <= 256): a disjoint slice of every file; "
        "the N shards' files concatenated in order K=0..N-1 are the unsharded files",
    )
    p.add_argument(
        "--split",
        default="90/5/5",
        metavar="T/V/E",
        help="train/val/test proportions (default 90/5/5); a row's split is a hash of its canonical form",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import time

    from grapheme_lab.generate import LEVELS, parse_shard, parse_split, write_dataset

    shard = parse_shard(args.shard)
    split = parse_split(args.split)
    if args.samples is not None and args.samples < 0:
        raise ValueError(f"--samples must be non-negative, not {args.samples}")
    if args.seed < 0:
        raise ValueError(f"--seed must be non-negative, not {args.seed}")
    if args.threads < 0:
        raise ValueError(f"--threads must be 0 (all cores) or positive, not {args.threads}")
    levels = LEVELS if args.all_levels else (args.level,)
    sizes = None if args.samples is None else {lv: args.samples for lv in levels}
    start = time.perf_counter()
    manifest = write_dataset(
        args.output,
        levels,
        sizes,
        seed=args.seed,
        threads=args.threads,
        shard=shard,
        split=split,
        progress=False if args.quiet else None,
    )
    if not args.quiet:
        elapsed = time.perf_counter() - start
        rows = sum(manifest["levels"][str(lv)]["rows"] for lv in levels)
        print(f"{'level':>5} {'train':>8} {'val':>7} {'test':>7}")
        for lv in levels:
            c = manifest["levels"][str(lv)]["counts"]
            print(f"{lv:>5} {c['train']:>8} {c['val']:>7} {c['test']:>7}")
        print(f"wrote {rows} rows to {args.output} in {elapsed:.1f} s (manifest.json last)")
    return 0
