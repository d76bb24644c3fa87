"""How much of a corpus's held-out documents occurs in its training text: each val and test
document's lines of 30 or more characters (stripped) matched against the set of the training
documents' lines.

    python benches/heldout_overlap.py data/lm/shakespeare
"""

from __future__ import annotations

import sys

from grapheme_lab.lm.corpus import Corpus
c = Corpus.open(sys.argv[1])
train = {l.strip() for d in c.documents("train") for l in c.text(d).splitlines()}
for split in ("val", "test"):
    for d in c.documents(split):
        lines = [l.strip() for l in c.text(d).splitlines() if len(l.strip()) >= 30]
        hit = [l for l in lines if l in train]
        print(split, d.name, f"{len(hit)} of {len(lines)} lines of 30+ characters,",
              f"{100 * sum(len(l) for l in hit) / max(1, len(c.text(d))):.2f}% of its characters")
