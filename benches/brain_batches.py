"""Training rows a second of one arm against another, interleaved in one process (so both
see the same load): batches bucketed by length against plain batches of the same epoch, on
one thread (``--compare buckets``), bucketed batches on 1 against 2 threads (``threads``),
PyTorch's fused CPU attention kernel against the math one the brain uses on a CPU, on 2
threads (``attention``), or batches of half the config's size against its own (``batch``).

    python benches/brain_batches.py --config configs/quickstart.toml --level 2
    python benches/brain_batches.py --config configs/quickstart.toml --level 2 --compare threads
    python benches/brain_batches.py --config configs/quickstart.toml --level 2 --compare attention
    python benches/brain_batches.py --config configs/quickstart.toml --level 2 --compare batch
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from grapheme_lab import config as C
from grapheme_lab.brain import model as M
from grapheme_lab.brain import vocab as V
from grapheme_lab.brain.data import Curriculum, collate
from grapheme_lab.brain.model import Brain
from grapheme_lab.brain.train import make_optimizer

FUSED = [M.SDPBackend.FLASH_ATTENTION]


def train_rate(model, opt, batches: list, seconds: float, first: int) -> float:
    """Rows a second of training steps on ``batches`` (from batch ``first`` on, round and round)
    for ``seconds``."""
    rows, start, k = 0, time.perf_counter(), first
    while time.perf_counter() - start < seconds:
        b = collate(batches[k % len(batches)])
        logits = model(b.src, b.tgt_in, b.src_tree, b.tgt_tree)
        loss = F.cross_entropy(logits.flatten(0, 1), b.tgt_out.flatten(), ignore_index=V.PAD)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        rows, k = rows + b.src.shape[0], k + 1
    return rows / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="configs/quickstart.toml")
    ap.add_argument("--level", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0, help="per arm and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare", choices=("buckets", "threads", "attention", "batch"), default="buckets")
    args = ap.parse_args()
    cfg = C.load(args.config)
    data = Curriculum(cfg)
    bs = cfg.training.batch_size
    examples = list(data.epoch(args.level, 0))
    bucketed = list(data.batches(args.level, 0, bs))
    plain = [examples[i : i + bs] for i in range(0, len(examples), bs)]
    arms = {  # name: (batches, threads, CPU attention kernel)
        "buckets": {"plain": (plain, 1, M.CPU_ATTENTION), "bucketed": (bucketed, 1, M.CPU_ATTENTION)},
        "threads": {"1 thread": (bucketed, 1, M.CPU_ATTENTION), "2 threads": (bucketed, 2, M.CPU_ATTENTION)},
        "attention": {"fused": (bucketed, 2, FUSED), "math": (bucketed, 2, M.CPU_ATTENTION)},
        "batch": {f"{bs // 2} rows": (list(data.batches(args.level, 0, bs // 2)), 2, M.CPU_ATTENTION),
                  f"{bs} rows": (bucketed, 2, M.CPU_ATTENTION)},
    }[args.compare]
    for name, (batches, _, _) in arms.items():
        tokens = sum(len(e[0]) + len(e[1]) for b in batches for e in b)
        padded = sum(len(b) * (max(len(e[0]) for e in b) + max(len(e[1]) for e in b)) for b in batches)
        print(f"{name:>9}: {len(batches)} batches of {max(map(len, batches))}, {1 - tokens / padded:.0%} of the tensors padding")
    model = Brain(cfg.model)
    opt = make_optimizer(cfg, model)
    rate: dict[str, list[float]] = {name: [] for name in arms}
    for r in range(args.rounds):
        for name, (batches, threads, kernel) in arms.items():
            torch.set_num_threads(threads)
            M.CPU_ATTENTION = kernel
            rate[name].append(train_rate(model, opt, batches, args.seconds, r * 97))
    for name, r in rate.items():
        print(f"{name:>9}: {sum(r) / len(r):,.0f} rows/s (rounds: {', '.join(f'{x:,.0f}' for x in r)})")
    first, second = rate
    print(f"{second} / {first}: {sum(rate[second]) / sum(rate[first]):.2f}x")


if __name__ == "__main__":
    main()
