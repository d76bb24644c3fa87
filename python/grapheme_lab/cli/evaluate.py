"""``evaluate --model CKPT``: score a trained model (``evaluate analogies --model CKPT``: a
language model's token embedding on word analogies, ``grapheme_lab.lm.analogies``; ``evaluate
conversation``: on held-out conversations, ``grapheme_lab.lm.conversation_metrics``). The
checkpoint says which kind of model it holds (``grapheme_lab.training.checkpoint.family``): a brain gets a per-level
table of engine-verified accuracy on ``--data``; a language model goes to
``grapheme_lab.lm.evaluate``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score a trained model on held-out data",
        description=(
            "Score a checkpoint written by `train`. A brain: a per-level table of engine-verified "
            "accuracy, the same on the clean rows (whose question training never asked, as a row or as a "
            "site or step of one) and the share contaminated, mean GED of the answer to the target and "
            "malformed-output rate on --data "
            "(a split folder such as data/generated/test, or one JSONL file of rows). A language "
            "model: bits per byte on whole held-out documents of its corpus (--data: another prepared "
            "corpus), beside the seed's protocol (random chunks of training documents), optionally "
            "beside xz -9e given the same training text, or beside --compare checkpoints in one table."
        ),
    )
    p.add_argument("what", nargs="?", choices=["analogies", "conversation"], default=None,
                   help="analogies: a language model's token embedding on word2vec's analogy questions "
                        "(and word similarity where gensim's test data are installed) instead of bpb; "
                        "conversation: reply bpb and distinct-1/2 of sampled replies on held-out conversations")
    p.add_argument("--model", required=True, metavar="CKPT", help="a checkpoint written by `train`")
    p.add_argument("--data", metavar="PATH", help="held-out data: a split folder or a JSONL file (a brain needs it)")
    p.add_argument("--train", metavar="PATH",
                   help="brain: the rows it was trained on, a split folder or a JSONL file, for the clean "
                        "figure (default: the checkpoint config's train split, read or generated as training did)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="at most N rows (a brain: per level; conversation: N conversations)")
    p.add_argument("--beam", type=int, default=1, metavar="N", help="brain: beam width (1 = greedy)")
    p.add_argument("--compare", nargs="*", default=[], metavar="CKPT",
                   help="language model: other checkpoints scored beside it on the same data")
    p.add_argument("--split", default="test", choices=["val", "test"],
                   help="language model: the held-out split (default test; choose settings on val)")
    p.add_argument("--against-xz", action="store_true",
                   help="language model: each document's bpb beside xz -9e given the training text")
    p.add_argument("--questions", metavar="FILE",
                   help="analogies: questions in word2vec's format (default: the shipped questions-words.txt)")
    p.add_argument("--pairs", nargs="*", default=[], metavar="FILE",
                   help="analogies: word-similarity files (word TAB word TAB score) instead of gensim's SimLex / WordSim")
    p.add_argument("--samples", type=int, default=100, metavar="N",
                   help="conversation: replies sampled for distinct-1/2, one a conversation (default 100)")
    p.add_argument("--seed", type=int, default=0, help="conversation: seed of the turns drawn and the sampling")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab.training.checkpoint import family

    kind = family(args.model)
    if args.what == "analogies":
        if kind != "grapheme_lab.lm":
            raise ValueError(f"evaluate analogies needs a language model with a token embedding; {args.model} is not one")
        from grapheme_lab.lm.analogies import main as evaluate_analogies

        return evaluate_analogies(args)
    if args.what == "conversation":
        if kind != "grapheme_lab.lm":
            raise ValueError(f"evaluate conversation needs a language model; {args.model} is not one")
        if args.samples < 1 or (args.limit is not None and args.limit < 1):
            raise ValueError("--samples and --limit must be >= 1")
        from grapheme_lab.lm.conversation_metrics import main as evaluate_conversation

        return evaluate_conversation(args)
    if kind == "grapheme_lab.lm":
        if args.train is not None:
            raise ValueError(f"--train is for brains; {args.model} is a language model checkpoint")
        from grapheme_lab.lm.evaluate import main as evaluate_lm  # imported here: the LM code loads only for an LM

        return evaluate_lm(args)
    if args.compare:
        raise ValueError(f"--compare is for language models; {args.model} is a brain checkpoint")
    if args.data is None:
        raise ValueError("evaluate of a brain needs --data PATH (a split folder or a JSONL file)")
    from grapheme_lab.brain.evaluate import main as evaluate_brain

    return evaluate_brain(args)
