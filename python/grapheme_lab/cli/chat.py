"""``chat --model CKPT``: talk to a chat model in the terminal; its calculator calls are run by
the engine and shown as they happen."""

from __future__ import annotations

import argparse
import sys


def add_sampling_arguments(p: argparse.ArgumentParser) -> None:
    """The options ``chat`` and ``serve`` share: the checkpoint, sampling and a reply's limits."""
    p.add_argument("--model", required=True, metavar="CKPT", help="a language-model checkpoint whose tokenizer "
                   "has the chat special tokens")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = the most likely token (default 0)")
    p.add_argument("--top-k", type=int, default=0, help="keep the k most likely tokens (0 = all)")
    p.add_argument("--top-p", type=float, default=1.0, help="keep the most likely tokens up to this mass")
    p.add_argument("--max-tokens", type=int, default=256, help="a reply's tokens, tool outputs included (default 256)")
    p.add_argument("--max-tool-calls", type=int, default=4, help="tool calls in one reply (default 4)")
    p.add_argument("--max-seconds", type=float, default=60.0, help="a reply's wall time (default 60)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "chat",
        help="chat with a model in the terminal; the engine is its calculator",
        description="Chat with a model trained on the chat format. Type a message and Enter; /reset starts "
                    "over, /save FILE writes the transcript (JSON lines), /quit or Ctrl-D leaves.",
    )
    add_sampling_arguments(p)
    p.add_argument("--seed", type=int, default=0, help="random seed of sampling")
    p.add_argument("--system", default=None, help="a system message put before the first user message")
    p.add_argument("--transcript", default=None, metavar="FILE", help="write the transcript here on leaving")
    p.set_defaults(run=run)


def limits_of(args: argparse.Namespace):
    from grapheme_lab.chat.harness import Limits

    return Limits(args.max_tokens, args.max_tool_calls, args.max_seconds).check()


def sampling_of(args: argparse.Namespace, seed: int = 0):
    from grapheme_lab.chat.generate import Sampling

    return Sampling(args.temperature, args.top_k, args.top_p, 1.0, seed).check()


def run(args: argparse.Namespace) -> int:
    limits, sampling = limits_of(args), sampling_of(args, args.seed)
    import torch

    from grapheme_lab.chat.harness import Agent

    if args.threads:
        torch.set_num_threads(args.threads)
    agent = Agent.from_checkpoint(args.model, args.device, limits=limits)
    session = agent.session(sampling, args.system)
    dim, reset = ("\033[2m", "\033[0m") if sys.stdout.isatty() else ("", "")
    try:
        while True:
            try:
                line = input("you> ")
            except EOFError:
                print()
                break
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit"):
                break
            if text == "/reset":
                session = agent.session(sampling, args.system)
                print("(a new conversation)")
                continue
            if text.startswith("/save"):
                path = text[len("/save"):].strip() or "transcript.jsonl"
                session.save_transcript(path)
                print(f"(transcript written to {path})")
                continue
            sys.stdout.write("assistant> ")
            try:
                for event in session.send(line):
                    if event.kind == "text":
                        sys.stdout.write(event.text)
                    elif event.kind == "tool_call":
                        sys.stdout.write(f"{dim}[calculator: {event.text}{reset}")
                    elif event.kind == "tool_output":
                        sys.stdout.write(f"{dim} = {event.text}]{reset}")
                    elif event.text not in ("stop",):
                        sys.stdout.write(f"{dim} (stopped: {event.text} limit){reset}")
                    sys.stdout.flush()
            except ValueError as e:  # a prompt past the model's context
                sys.stdout.write(f"error: {e}")
            sys.stdout.write("\n")
    finally:
        if args.transcript:
            session.save_transcript(args.transcript)
    return 0
