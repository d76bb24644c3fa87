"""``sample --model CKPT --prompt TEXT``: text from a language model, streamed as it comes."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="generate text from a language model",
        description="Continue a prompt with a language model, streamed to the terminal. The prompt follows the "
                    "<|bos|> that starts every document the model trained on.",
    )
    p.add_argument("--model", required=True, metavar="CKPT", help="a checkpoint written by `train` for a language model")
    p.add_argument("--prompt", default="", help="the text to continue (default: a new document)")
    p.add_argument("--max-tokens", type=int, default=200, help="tokens to generate (default 200)")
    p.add_argument("--temperature", type=float, default=0.8, help="0 = the most likely token each time (default 0.8)")
    p.add_argument("--top-k", type=int, default=0, help="keep the k most likely tokens (0 = all)")
    p.add_argument("--top-p", type=float, default=0.95, help="keep the most likely tokens up to this mass (default 0.95)")
    p.add_argument("--repetition-penalty", type=float, default=1.0, help="> 1 discourages tokens already in the text")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same text)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.max_tokens < 0:
        raise ValueError(f"--max-tokens must be >= 0, got {args.max_tokens}")
    if args.temperature < 0 or not 0 < args.top_p <= 1 or args.top_k < 0 or args.repetition_penalty <= 0:
        raise ValueError("--temperature must be >= 0, --top-p in (0, 1], --top-k >= 0 and --repetition-penalty > 0")
    from grapheme_lab.lm.checkpoint import load_model
    from grapheme_lab.lm.sample import generate, stream_text

    model, _, tokenizer, _ = load_model(args.model)
    bos = tokenizer.special_tokens["<|bos|>"]
    prompt = [bos] + tokenizer.encode(args.prompt)
    sys.stdout.write(args.prompt)
    ids = generate(model, prompt, args.max_tokens, args.temperature, args.top_k, args.top_p,
                   args.repetition_penalty, args.seed, stop=(bos,))
    for piece in stream_text(tokenizer, ids):
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return 0
