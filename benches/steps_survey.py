"""Which share of each level's rows carries a full step trace, how many are exact, and why
the others have none: over a generated data set (every split).

    python -m grapheme_lab generate --all-levels --samples 2000 --output DIR --quiet
    python benches/steps_survey.py DIR
"""

from __future__ import annotations

import collections
import json
import re
import statistics
import sys
from pathlib import Path

from grapheme_lab import GraphemeError, steps


def shape(polish: str) -> str:
    return re.sub(r"-?\d+(/\d+)?", "N", polish)


def tokens(polish: str) -> int:
    """About a line's tokens: its parentheses and atoms."""
    return polish.count("(") + polish.count(")") + len(polish.replace("(", " ").replace(")", " ").split())


def main() -> None:
    root = Path(sys.argv[1])
    print("| level | rows | with steps | exact | 1e-6 | lines (median / max) | longest line (tokens) | no trace: why (rows) |")
    print("|---|---|---|---|---|---|---|---|")
    for level in range(1, 8):
        rows = [json.loads(line) for p in sorted(root.glob(f"*/level_{level}.jsonl")) for line in p.read_text().splitlines()]
        traced = [r for r in rows if "steps" in r]
        exact = sum(r["precision"] == "exact" for r in rows)
        why: collections.Counter[str] = collections.Counter()
        for r in rows:
            if "steps" in r:
                continue
            try:
                steps.derivation(r["input_polish"], r["bindings"])
                why["a trace the generator did not ship"] += 1  # would be a bug
            except GraphemeError as e:
                msg = str(e)
                key = ("no closed antiderivative" if "antiderivative" in msg else
                       "no step rule differentiates it" if "no step rule differentiates" in msg else
                       "cubic with no rational root" if "no rational root" in msg else
                       "no step rule" if "no step rule solves" in msg else msg[:60])
                why[key] += 1
        lengths = [len(r["steps"]) for r in traced]
        spread = f"{statistics.median(lengths):g} / {max(lengths)}" if lengths else "-"
        longest = max((tokens(line) for r in traced for line in r["steps"]), default=0)
        reasons = "; ".join(f"{k} ({v})" for k, v in why.most_common())
        print(f"| {level} | {len(rows)} | {len(traced)} ({100 * len(traced) / len(rows):.1f}%) | {exact} | {len(rows) - exact} "
              f"| {spread} | {longest or '-'} | {reasons or '-'} |")


if __name__ == "__main__":
    main()
