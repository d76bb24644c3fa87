"""How many held-out rows of a config's data the model is trained on word for word: per
level, the rows whose question is a training row's question or one of the examples training
makes of a row (its sites or steps), and which training level asks it. No model needed:
the rows are read or generated as training gets them (``brain/contamination.py``).

    python benches/brain_contamination.py --config quickstart
    python benches/brain_contamination.py --config quickstart --split val
"""

from __future__ import annotations

import argparse
import time

from grapheme_lab import config as C
from grapheme_lab.brain import contamination
from grapheme_lab.brain.data import Curriculum


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="quickstart", help="a TOML config or a shipped config's name")
    ap.add_argument("--split", default="test", choices=["val", "test"], help="the held-out split to check")
    args = ap.parse_args()
    cfg = C.load(args.config)
    start = time.time()
    train_rows, train_from = contamination.training_rows(cfg)
    # by training level: a question's source tells which level's training asks it
    asked_by = {lv: contamination.trained_questions(cfg, rows) for lv, rows in train_rows.items()}
    as_rows = {lv: {contamination.question(r, cfg) for r in rows} for lv, rows in train_rows.items()}
    seen = set().union(*asked_by.values())
    data = Curriculum(cfg)
    print(f"config {args.config}, {args.split} split; training rows: {train_from}")
    print(f"training asks {len(seen):,} distinct questions: "
          + ", ".join(f"level {lv} {len(q):,} (of {len(train_rows[lv]):,} rows)" for lv, q in asked_by.items()))
    head = "level      rows  contaminated   share  " + "  ".join(f"as a level-{lv} row  as a level-{lv} site/step"
                                                            for lv in train_rows)
    print(head)
    for level in train_rows:
        rows = data.rows(level, args.split)
        questions = [contamination.question(r, cfg) for r in rows]
        hit = sum(q in seen for q in questions)
        cells = []
        for lv in train_rows:
            as_row = sum(q in as_rows[lv] for q in questions)
            as_part = sum(q in asked_by[lv] and q not in as_rows[lv] for q in questions)
            cells.append(f"{as_row:>15}  {as_part:>24}")
        print(f"{level:>5}  {len(rows):>8}  {hit:>12}  {hit / max(len(rows), 1):>6.1%}  " + "  ".join(cells))
    print(f"({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
