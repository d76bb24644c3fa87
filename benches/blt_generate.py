"""Generation speed of language models side by side in one process: each model samples the
same number of bytes after the same prompt (temperature 0.8, top-k 50, the package's sampler
with its incremental caches), the models taking turns round after round so that load from
other work falls on all of them; the median bytes a second of each and its ratio to the
first model's.

    python benches/blt_generate.py checkpoints/blt_bench/byte_gpt/seed0/best.pt \\
        checkpoints/blt_bench/blt-global/seed0/best.pt --bytes 400 --rounds 5 --threads 1

A BLT and a byte GPT generate a token a byte; a BPE GPT a token of several bytes, so each
model generates until it has produced ``--bytes`` bytes. The bytes a model generates past its
context (``sequence_len``) include re-reading the last half of its window (the sampler's rule),
as a long generation would.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from grapheme_lab.lm.checkpoint import load_model  # noqa: E402
from grapheme_lab.lm.sample import generate  # noqa: E402


def sample_bytes(model, tok, nbytes: int, prompt: str = "ROMEO.\n", seed: int = 0) -> tuple[bytes, float]:
    """(the first ``nbytes`` bytes generated after ``prompt``, the seconds it took, prompt included)."""
    bos = tok.special_tokens["<|bos|>"]
    ids = [bos] + tok.encode(prompt)
    out = b""
    t0 = time.perf_counter()
    for i in generate(model, ids, 4 * nbytes, temperature=0.8, top_k=50, seed=seed):
        out += tok.token_bytes(i) if i != bos else b""
        if len(out) >= nbytes:
            break
    return out[:nbytes], time.perf_counter() - t0


def generation_rates(models: dict, nbytes: int, rounds: int) -> dict[str, list[float]]:
    """Bytes a second of each of ``models`` (name -> (model, tokenizer)) in each round, the
    models taking turns; a first unmeasured round warms each up."""
    rates: dict[str, list[float]] = {name: [] for name in models}
    for r in range(rounds + 1):
        for name, (model, tok) in models.items():
            got, dt = sample_bytes(model, tok, nbytes if r else min(nbytes, 32))
            if r:
                rates[name].append(len(got) / dt)
    return rates


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+", type=Path, help="the first is the peer the others are compared with")
    ap.add_argument("--bytes", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    models = {}
    for path in a.checkpoints:
        model, cfg, tok, _ = load_model(path)
        models[f"{cfg.kind} {path.parent.name}/{path.name}"] = (model, tok)
    rates = generation_rates(models, a.bytes, a.rounds)
    peer = statistics.median(next(iter(rates.values())))
    print(f"{a.bytes} bytes after 'ROMEO.\\n', temperature 0.8, top-k 50, {a.threads} thread(s), "
          f"median of {a.rounds} rounds taken in turns")
    print(f"{'model':<40} {'bytes/s':>8} {'min':>8} {'max':>8} {'x peer':>7}")
    for name, r in rates.items():
        med = statistics.median(r)
        print(f"{name:<40} {med:>8.0f} {min(r):>8.0f} {max(r):>8.0f} {med / peer:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
