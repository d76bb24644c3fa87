"""The engine's step rules (grapheme_lab.steps) against the Python rules they replaced
(brain/vocab.py and brain/equations.py at commit 8f359a6, read from git), row by row:
every trace line and every correction chain, on generated rows of levels 1-3 and 7.

    python benches/steps_parity.py --rows 2500 --seeds 1 2 3

A row counts as equal when both give the same lines (Python: ``reduction_lines``; none when
it has no steps) and the same correction chains for a quotient missed by -1 and by +1.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from grapheme_lab import generate, steps
from grapheme_lab.brain.targets import reduction_lines

OLD = "8f359a6"


def old_rules(commit: str):
    """The old brain/vocab.py, importing the old brain/equations.py."""
    folder = Path(tempfile.mkdtemp())
    for name in ("vocab", "equations"):
        text = subprocess.run(["git", "show", f"{commit}:python/grapheme_lab/brain/{name}.py"],
                              capture_output=True, text=True, check=True).stdout
        (folder / f"old_{name}.py").write_text(text.replace("from grapheme_lab.brain import equations",
                                                            "import old_equations as equations"))
    sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("old_vocab", folder / "old_vocab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def polish(t) -> str:
    if isinstance(t, Fraction):
        return str(t.numerator) if t.denominator == 1 else f"{t.numerator}/{t.denominator}"
    return "(" + " ".join([t[0]] + [polish(c) for c in t[1:]]) + ")"


def old_corrections(V, lines, miss: int) -> list[list[str]]:
    chains, euclid = [], None
    for line in lines:
        tree = V._miss_quotients(line, miss)
        if tree != line:
            chains.append([tree] + V._reductions(tree))
        euclid = euclid or V._euclid_step(line)
    if euclid is not None:
        tree = V._euclid(euclid[2][1], euclid[1], miss)
        chains.append([tree] + V._reductions(tree))
    return [[polish(t) for t in c] for c in chains]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2500, help="rows per level and seed")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--commit", default=OLD)
    args = ap.parse_args()
    V = old_rules(args.commit)
    rows = differ = with_steps = chains = 0
    t_old = t_new = 0.0
    for seed in args.seeds:
        for level in (1, 2, 3, 7):
            for row in generate.level(level, args.rows, seed=seed):
                rows += 1
                t = time.perf_counter()
                lines = V.reduction_lines(row)
                want = None if lines is None else [polish(x) for x in lines]
                want_c = [old_corrections(V, lines, m) if lines else [] for m in (-1, 1)]
                t_old += time.perf_counter() - t
                t = time.perf_counter()
                got = reduction_lines(row)
                got_c = [steps.corrections(got, m) if got else [] for m in (-1, 1)]
                t_new += time.perf_counter() - t
                with_steps += want is not None
                chains += sum(map(len, want_c))
                if got != want or got_c != want_c:
                    differ += 1
                    if differ <= 5:
                        print(f"differs: {row['input_polish']} {row.get('bindings')}\n  old {want} {want_c}\n  new {got} {got_c}")
    print(f"rows compared: {rows} (levels 1, 2, 3, 7; seeds {args.seeds}; {args.rows} a level and seed), "
          f"with steps: {with_steps}, correction chains: {chains}, rows that differ: {differ}")
    print(f"time: old Python rules {t_old:.2f} s, engine {t_new:.2f} s (ratio {t_old / max(t_new, 1e-9):.1f}x)")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
