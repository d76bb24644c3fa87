"""Training rows a second of the brain's model at a git revision against the working tree's,
interleaved in one process on the same batches (so both see the same load), 2 threads.

Three arms: the revision's model with plain AdamW (a Python loop over the parameters, as
the trainer had it before 2026-12-03), the revision's model with the trainer's optimizer
(``train.make_optimizer``), and the working tree's model with it. The revision's
``brain/model.py`` is read with ``git show``; it must build from the working tree's config.

    python benches/brain_revision.py --rev 7fc8bc5 --level 2
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess

import torch
from brain_batches import train_rate  # benches/ is the script's folder, first on sys.path

from grapheme_lab import config as C
from grapheme_lab.brain import model as current
from grapheme_lab.brain.data import Curriculum
from grapheme_lab.brain.train import make_optimizer


def model_module_at(rev: str):
    source = subprocess.run(["git", "show", f"{rev}:python/grapheme_lab/brain/model.py"],
                            capture_output=True, text=True, check=True).stdout
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(f"model_{rev}", loader=None))
    exec(compile(source, f"{rev}:brain/model.py", "exec"), module.__dict__)
    return module


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rev", required=True, help="git revision whose brain/model.py is the peer")
    ap.add_argument("--config", default="configs/quickstart.toml")
    ap.add_argument("--level", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0, help="per arm and round")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = C.load(args.config)
    batches = list(Curriculum(cfg).batches(args.level, 0, cfg.training.batch_size))
    old = model_module_at(args.rev)

    def arm(module, optimizer):
        torch.manual_seed(0)
        model = module.Brain(cfg.model)
        return model, optimizer(model)

    arms = {
        f"{args.rev}, AdamW loop": arm(old, lambda m: torch.optim.AdamW(m.parameters(), lr=cfg.training.learning_rate)),
        f"{args.rev}, trainer's optimizer": arm(old, lambda m: make_optimizer(cfg, m)),
        "working tree": arm(current, lambda m: make_optimizer(cfg, m)),
    }
    rate: dict[str, list[float]] = {name: [] for name in arms}
    for r in range(args.rounds):
        for name, (model, opt) in arms.items():
            rate[name].append(train_rate(model, opt, batches, args.seconds, r * 97))
    base = sum(next(iter(rate.values())))
    for name, r in rate.items():
        print(f"{name:>32}: {sum(r) / len(r):,.0f} rows/s (rounds: {', '.join(f'{x:,.0f}' for x in r)}), "
              f"{sum(r) / base:.2f}x")


if __name__ == "__main__":
    main()
