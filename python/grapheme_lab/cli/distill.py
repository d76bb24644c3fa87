"""``distill --api URL --model NAME --prompts FILE --output OUT.jsonl``: a teacher's replies to
every prompt, as SFT rows; a rerun resumes where the last one stopped."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "distill",
        help="a chat server's replies to prompts, written as SFT rows",
        description="Ask an OpenAI- or Ollama-compatible server (this package's `serve` included) to answer "
                    "every prompt, and append each conversation to --output as an SFT row {id, messages}. "
                    "Run it again after an interruption: rows already there are skipped. Connection errors, "
                    "timeouts, 429 and 5xx are retried with back-off; other failures go to "
                    "OUT.errors.jsonl. Exit status 0 when every prompt is done, 1 when some are not.",
    )
    p.add_argument("--api", required=True, metavar="URL", help="the server, e.g. http://127.0.0.1:8000 or "
                   "http://localhost:11434 (a trailing /v1 is allowed)")
    p.add_argument("--model", required=True, metavar="NAME", help="the model's name on the server")
    p.add_argument("--prompts", required=True, metavar="FILE", help="one prompt a line, or a .jsonl file of "
                   "objects with a 'prompt' string or a 'messages' list ending with a user message")
    p.add_argument("--output", required=True, metavar="OUT.jsonl", help="the rows, appended (created if absent)")
    p.add_argument("--api-kind", choices=["auto", "openai", "ollama"], default="auto",
                   help="auto (default): OpenAI's when GET /v1/models answers, else Ollama's when GET /api/tags does")
    p.add_argument("--system", default=None, help="a system message before every prompt that has none")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight at once (default 4)")
    p.add_argument("--temperature", type=float, default=None, help="sampling temperature (default: the server's)")
    p.add_argument("--max-tokens", type=int, default=None, help="a reply's tokens at most (default: the server's)")
    p.add_argument("--seed", type=int, default=0, help="each request's seed is a hash of this and the prompt's id")
    p.add_argument("--retries", type=int, default=8, help="retries of a request after the first try (default 8)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for one reply (default 600)")
    p.add_argument("--api-key-env", default=None, metavar="VAR",
                   help="send the environment variable VAR as a bearer token (none is sent by default)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from grapheme_lab.chat.api_client import ChatClient, probe_kind
    from grapheme_lab.chat.distill import distill, read_prompts

    if args.retries < 0 or args.timeout <= 0:
        raise ValueError("--retries must be >= 0 and --timeout > 0")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise ValueError(f"--max-tokens must be >= 1, got {args.max_tokens}")
    output = Path(args.output)
    if output.resolve() == Path(args.prompts).resolve():
        raise ValueError("--output is the prompts file; write the rows to another file")
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            raise ValueError(f"--api-key-env {args.api_key_env}: that environment variable is not set")
    prompts = read_prompts(args.prompts, args.system)
    client = ChatClient(args.api, args.model, "openai" if args.api_kind == "auto" else args.api_kind,
                        args.temperature, args.max_tokens, args.timeout, args.retries, api_key=api_key)
    if args.api_kind == "auto":
        client.kind, names = probe_kind(client)
        if names and args.model not in names and args.model + ":latest" not in names:
            raise ValueError(f"{client.url} does not list a model {args.model!r}; it lists "
                             f"{', '.join(map(str, names[:10]))}{' ...' if len(names) > 10 else ''}")
    print(f"distill: {len(prompts):,} prompts from {args.prompts} to {args.model} at {client.url} "
          f"({client.kind} API), {args.concurrency} at a time", flush=True)
    summary = distill(client, prompts, output, args.concurrency, args.seed,
                      log=lambda text: print(text, file=sys.stderr, flush=True))
    print(summary.line(output), flush=True)
    if summary.interrupted:
        return 130
    return 0 if summary.left == 0 else 1
