"""``serve --model CKPT``: an OpenAI- and Ollama-compatible HTTP server and a web chat page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grapheme_lab.cli.chat import add_sampling_arguments, limits_of, sampling_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a chat model: OpenAI and Ollama APIs, a web page",
        description="Serve a chat model: POST /v1/chat/completions (OpenAI), /api/chat and /api/generate "
                    "(Ollama), GET /v1/models, /api/tags, /health, and a chat page at /. Bound to loopback "
                    "unless --host says otherwise.",
    )
    add_sampling_arguments(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port, printed)")
    p.add_argument("--name", default=None, help="the model's name in the API (default: the checkpoint's folder)")
    p.add_argument("--max-concurrent", type=int, default=2, help="replies generated at once (default 2)")
    p.add_argument("--max-connections", type=int, default=128, help="connections served at once (default 128)")
    p.add_argument("--max-body-bytes", type=int, default=1 << 20, help="largest request body (default 1 MiB)")
    p.add_argument("--queue-seconds", type=float, default=60.0, help="how long a request waits for a slot "
                   "before 503 (default 60)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    limits, sampling = limits_of(args), sampling_of(args)
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be in [0, 65535], got {args.port}")
    import torch

    from grapheme_lab.chat.harness import Agent
    from grapheme_lab.chat.serve import ChatServer

    if args.threads:
        torch.set_num_threads(args.threads)
    agent = Agent.from_checkpoint(args.model, args.device, limits=limits)
    name = args.name or Path(args.model).resolve().parent.name or "grapheme-chat"
    server = ChatServer(agent, args.host, args.port, name, args.max_concurrent, args.max_connections,
                        args.max_body_bytes, args.queue_seconds, sampling=sampling, quiet=not args.verbose)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}, reachable beyond this machine, with no authentication",
              file=sys.stderr)
    print(f"serving {name} on {server.url} (chat page at {server.url}/)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
