"""Memory and speed while generating after 1k, 16k and 64k tokens of context: the GPT's KV
cache grows with the context, Thyme's state does not. Each model (the quickstart configs'
sizes, or checkpoints) reads a context in chunks of 1,024 tokens through its generation
cache, then generates 32 tokens one at a time; printed: the cache's bytes, the process's
resident memory with the cache alive, and tokens/s of those 32 steps.

    python benches/lm_context_memory.py
    python benches/lm_context_memory.py --models checkpoints/lm_quickstart/best.pt checkpoints/thyme_quickstart/best.pt

Memory is a property of the mechanism, so untrained models of the quickstarts' sizes give
the same bytes; a GPT past its training context (256) writes nonsense, which does not
change what its cache holds.
"""

from __future__ import annotations

import argparse
import time

import torch

from grapheme_lab.lm import config as LC
from grapheme_lab.lm import models

CONTEXTS = (1024, 16384, 65536)
CHUNK = 1024


def rss_mb() -> float:
    """The process's resident memory now (Linux)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@torch.no_grad()
def measure(model, context: int, vocab: int, steps: int = 32) -> tuple[int, float, float]:
    """(cache bytes, resident MB with the cache alive, tokens/s of ``steps`` one-token steps)."""
    cache = model.init_cache(1)
    g = torch.Generator().manual_seed(0)
    for start in range(0, context, CHUNK):
        model.decode(torch.randint(0, vocab, (1, min(CHUNK, context - start)), generator=g), cache)
    token = torch.zeros(1, 1, dtype=torch.long)
    t = time.perf_counter()
    for _ in range(steps):
        token = model.decode(token, cache)[:, -1:].argmax(-1)
    rate = steps / (time.perf_counter() - t)
    return model.cache_bytes(cache), rss_mb(), rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=[], help="checkpoints (default: the quickstart configs' sizes)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    built = []
    if args.models:
        from grapheme_lab.lm.checkpoint import load_model

        for path in args.models:
            model, cfg, _, _ = load_model(path)
            built.append((path, cfg.kind, model, cfg.model.vocab_size))
    else:
        for name in ("lm_quickstart", "thyme_quickstart"):
            cfg = LC.load(name)
            cfg.model.vocab_size = 4096
            torch.manual_seed(0)
            built.append((name, cfg.kind, models.build(cfg.kind, cfg.model).eval(), 4096))
    print(f"{'model':<22} {'kind':<6} {'parameters':>11} {'context':>8} {'cache bytes':>14} {'RSS':>10} {'tokens/s':>9}")
    for name, kind, model, vocab in built:
        for context in CONTEXTS:
            nbytes, rss, rate = measure(model, context, vocab)  # the cache is freed before the next
            print(f"{name[-22:]:<22} {kind:<6} {model.num_params():>11,} {context:>8,} {nbytes:>14,} "
                  f"{rss:>7,.0f} MB {rate:>9,.1f}", flush=True)


if __name__ == "__main__":
    main()
