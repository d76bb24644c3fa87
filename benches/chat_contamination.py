"""Whether the report card's held-out items occur in what a chat pipeline trained on: the
stages' training mixtures (configs/chat/{mid,sft,rl}.toml, drawn as the stages draw them for a
seed) and the base corpus's training documents. Per task: test items whose question, whole
conversation, or problem (the engine's canonical form, so `7 * (-2)` is `(-2) * 7`) occurs in
training, and test questions found in the base text.

    python benches/chat_contamination.py --seeds 0 1 2 --base-corpus DIR/seed{seed}/base-corpus
"""

from __future__ import annotations

import argparse
import json

from grapheme_lab.chat.calculator import to_polish
from grapheme_lab.chat.data import mixture, rows
from grapheme_lab.generate import canonical_key
from grapheme_lab.lm.config import read_toml
from grapheme_lab.lm.corpus import Corpus

TASKS = {"worded": "worded", "arithmetic": "arithmetic", "spelling": "spelling-bee", "conversation-bpb": "chitchat"}


def problem(r: dict):
    return canonical_key(to_polish(r["expression"])) if "expression" in r else None


def question(r: dict) -> str:
    return r["messages"][0]["content"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--base-corpus", help="the base corpus folder, {seed} replaced by the seed")
    p.add_argument("--n", type=int, default=100, help="test items a task (the report card's)")
    args = p.parse_args()
    test = {t: rows(src, "test", args.n, seed=0) for t, src in TASKS.items()}
    for seed in args.seeds:
        train = []
        for stage in ("mid", "sft", "rl"):
            st = read_toml(f"configs/chat/{stage}.toml")["stage"]
            opts = {"identity": dict(st["identity"])} if st.get("identity") else {}
            train += mixture(st["data"], "train", st["rows"], seed, **opts)
        base = ""
        if args.base_corpus:
            corpus = Corpus.open(args.base_corpus.format(seed=seed))
            tok = corpus.tokenizer()
            base = "\n".join(tok.decode([int(x) for x in corpus.tokens(d)]) for d in corpus.documents("train"))
        questions, chats = {question(r) for r in train}, {json.dumps(r["messages"]) for r in train}
        problems = {problem(r) for r in train} - {None}
        print(f"seed {seed}: {len(train):,} stage rows, {len(base):,} characters of base text")
        for t, items in test.items():
            print(f"  {t} ({len(items)}): question {sum(question(r) in questions for r in items)}, "
                  f"whole conversation {sum(json.dumps(r['messages']) in chats for r in items)}, "
                  f"problem {sum(problem(r) in problems for r in items)}, "
                  f"question in the base text {sum(bool(base) and question(r) in base for r in items)}")


if __name__ == "__main__":
    main()
